//! What dpkg and apt say about the machine's packages, read-only unless
//! installing: the packages installed (`dpkg-query`), the versions apt
//! would upgrade them to and the suites those come from (`apt list`), and
//! an `apt-get install --only-upgrade` of chosen versions.
//!
//! Every command is found through [`Host`], so tests run fake ones; every
//! one runs with `LC_ALL=C`, because apt translates the words this module
//! reads (`upgradable from:`).

use std::collections::HashMap;
use std::fs::{DirBuilder, File};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::UNIX_EPOCH;

use sysman_api::Timestamp;
use tokio::process::Command;

/// What the agent runs and reads to patch the machine, and where it reads
/// the machine's operating system. The defaults are the machine's own;
/// tests point them at fakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// os-release files, the first that exists wins.
    pub os_release: Vec<PathBuf>,
    /// Each command is a program and the arguments put before the
    /// agent's own (`["/bin/sh", "fake-dpkg-query"]` runs a script).
    pub dpkg_query: Vec<String>,
    pub apt: Vec<String>,
    pub apt_get: Vec<String>,
    /// dpkg's `<package>.list` files, whose times are install times.
    pub dpkg_info: PathBuf,
    /// Exists while the machine needs a reboot; `<it>.pkgs` names the
    /// packages that asked for one.
    pub reboot_required: PathBuf,
    /// Whether the agent has root rights, which installing needs.
    pub root: bool,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            os_release: vec![
                PathBuf::from("/etc/os-release"),
                PathBuf::from("/usr/lib/os-release"),
            ],
            dpkg_query: vec!["dpkg-query".to_owned()],
            apt: vec!["apt".to_owned()],
            apt_get: vec!["apt-get".to_owned()],
            dpkg_info: PathBuf::from("/var/lib/dpkg/info"),
            reboot_required: PathBuf::from("/var/run/reboot-required"),
            root: crate::platform::is_root(),
        }
    }
}

/// How `dpkg-query` is asked to list packages: one per line, tab-separated.
pub const DPKG_FORMAT: &str = "${Package}\t${Version}\t${Architecture}\t${Status}\n";

/// Why a command gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// The program is not on this machine.
    Missing(String),
    /// It ran and failed, or could not start.
    Failed(String),
}

/// A Debian version, `[epoch:]upstream[-revision]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebVersion<'a> {
    pub epoch: u32,
    pub upstream: &'a str,
    /// Empty for a native package.
    pub revision: &'a str,
}

impl DebVersion<'_> {
    /// Splits `text` as dpkg does: the epoch ends at the first colon, the
    /// revision starts after the last hyphen. `None` unless it is a
    /// version dpkg would take.
    pub fn parse(text: &str) -> Option<DebVersion<'_>> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
        if text.is_empty() || !text.chars().all(allowed) {
            return None;
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => (e.parse::<u32>().ok()?, rest),
            None => (0, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) if !r.is_empty() => (u, r),
            Some(_) => return None,
            None => (rest, ""),
        };
        // dpkg wants a digit first; some archives have letters there.
        if !upstream.starts_with(|c: char| c.is_ascii_alphanumeric()) || revision.contains(':') {
            return None;
        }
        Some(DebVersion {
            epoch,
            upstream,
            revision,
        })
    }

    /// `upstream-revision`, or `upstream` alone: the version without its
    /// epoch, as sysman's patch ids carry it.
    pub fn full(&self) -> String {
        if self.revision.is_empty() {
            self.upstream.to_owned()
        } else {
            format!("{}-{}", self.upstream, self.revision)
        }
    }
}

/// A package name dpkg would take: it starts with a letter or digit and
/// holds only those and `+ - .`. Anything else is not passed to apt-get.
pub fn valid_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

fn valid_arch(arch: &str) -> bool {
    !arch.is_empty()
        && arch
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `name:arch` as some tools print it: the name alone.
fn bare_name(name: &str) -> &str {
    name.split_once(':').map_or(name, |(n, _)| n)
}

/// One installed package as dpkg knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
}

/// The packages `dpkg-query -W -f=DPKG_FORMAT` lists as installed. A line
/// without a status (three fields) counts as installed; packages removed
/// with their configuration kept (`deinstall ok config-files`) and lines
/// that are not packages are left out.
pub fn parse_dpkg_query(text: &str) -> Vec<DpkgPackage> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() < 3 {
            continue;
        }
        if let Some(status) = fields.get(3) {
            let state = status.split_whitespace().last().unwrap_or_default();
            if !matches!(state, "installed" | "triggers-pending" | "triggers-awaited") {
                continue;
            }
        }
        let name = bare_name(fields[0]);
        let (version, arch) = (fields[1], fields[2]);
        if !valid_name(name) || !valid_arch(arch) || DebVersion::parse(version).is_none() {
            continue;
        }
        out.push(DpkgPackage {
            name: name.to_owned(),
            version: version.to_owned(),
            arch: arch.to_owned(),
        });
    }
    out
}

/// One line of `apt list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// The suites (archives) that have this version, `now` for the
    /// installed one: `jammy-updates`, `jammy-security`, `stable-security`.
    pub suites: Vec<String>,
    pub version: String,
    pub arch: String,
    /// `--upgradable`: the version installed now.
    pub upgradable_from: Option<String>,
    /// `--installed`: the version apt would upgrade it to.
    pub upgradable_to: Option<String>,
}

/// The lines of `apt list --upgradable` or `apt list --installed`:
/// `name/suite[,suite...] version arch [flags]`. apt's banner
/// (`Listing...`), its warning that its command line is not stable, and
/// anything else that is not a package line are skipped.
pub fn parse_apt_list(text: &str) -> Vec<Listed> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("WARNING:") || line.starts_with("Listing") {
            continue;
        }
        let mut tokens = line.splitn(4, ' ');
        let (Some(head), Some(version), Some(arch)) = (tokens.next(), tokens.next(), tokens.next())
        else {
            continue;
        };
        let flags = tokens.next().unwrap_or_default().trim();
        let Some((name, suites)) = head.split_once('/') else {
            continue;
        };
        let name = bare_name(name);
        if !valid_name(name) || !valid_arch(arch) || DebVersion::parse(version).is_none() {
            continue;
        }
        let mut listed = Listed {
            name: name.to_owned(),
            suites: suites
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            version: version.to_owned(),
            arch: arch.to_owned(),
            upgradable_from: None,
            upgradable_to: None,
        };
        let flags = flags
            .strip_prefix('[')
            .and_then(|f| f.strip_suffix(']'))
            .unwrap_or_default();
        for flag in flags.split(',').map(str::trim) {
            if let Some(v) = flag.strip_prefix("upgradable from:") {
                listed.upgradable_from = Some(v.trim().to_owned());
            } else if let Some(v) = flag.strip_prefix("upgradable to:") {
                listed.upgradable_to = Some(v.trim().to_owned());
            }
        }
        out.push(listed);
    }
    out
}

/// Where a version comes from: its repository (the security suite if it
/// is in one, else the first suite but `now`), and whether it is a
/// security update (from a `-security` suite, as Ubuntu's
/// `jammy-security` and Debian's `stable-security` or `bookworm-security`).
pub fn pocket(suites: &[String]) -> (Option<String>, bool) {
    let security = suites.iter().find(|s| s.ends_with("-security"));
    match security {
        Some(s) => (Some(s.clone()), true),
        None => (suites.iter().find(|s| *s != "now").cloned(), false),
    }
}

/// A package installed, with what apt knows of its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The suites holding the installed version; empty if apt does not
    /// know them.
    pub suites: Vec<String>,
    pub installed_time: Option<Timestamp>,
}

/// The machine's packages at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub installed: Vec<InstalledPackage>,
    /// The versions apt would upgrade installed packages to.
    pub upgradable: Vec<Listed>,
}

impl Inventory {
    /// The version of `name` for `arch` installed, if any.
    pub fn installed_version(&self, name: &str, arch: &str) -> Option<&str> {
        self.installed
            .iter()
            .find(|p| p.name == name && p.arch == arch)
            .map(|p| p.version.as_str())
    }
}

fn command(tool: &[String]) -> Result<Command, ToolError> {
    let (program, args) = tool
        .split_first()
        .ok_or_else(|| ToolError::Failed("a package tool is configured empty".to_owned()))?;
    let mut c = Command::new(program);
    c.args(args)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .stdin(Stdio::null());
    Ok(c)
}

fn tool_name(tool: &[String]) -> String {
    tool.iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .next_back()
        .unwrap_or_default()
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs a read-only tool and returns its standard output.
async fn read_tool(tool: &[String], args: &[&str]) -> Result<String, ToolError> {
    let shown = format!("{} {}", tool_name(tool), args.join(" "));
    let output = command(tool)?
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Reading only: safe to kill if the step is stopped.
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ToolError::Missing(tool_name(tool)),
            _ => ToolError::Failed(format!("cannot run {shown}: {e}")),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ToolError::Failed(format!(
            "{shown} failed ({}): {}",
            output.status,
            tail(stderr.trim(), 2000)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// When dpkg installed `name` for `arch`: the time of its file list.
fn installed_time(dpkg_info: &Path, name: &str, arch: &str) -> Option<Timestamp> {
    [format!("{name}:{arch}.list"), format!("{name}.list")]
        .iter()
        .find_map(|file| std::fs::metadata(dpkg_info.join(file)).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
}

/// Reads the machine's packages: what is installed, and what apt would
/// upgrade. Changes nothing: no `apt-get update`, no lock taken.
pub async fn collect(host: &Host) -> Result<Inventory, ToolError> {
    let format = format!("-f={DPKG_FORMAT}");
    let dpkg = read_tool(&host.dpkg_query, &["-W", &format]).await?;
    let upgradable = read_tool(&host.apt, &["list", "--upgradable"]).await?;
    // Only the suites of installed versions come from here: without them
    // the packages are still reported, just with less known of them.
    let listed = match read_tool(&host.apt, &["list", "--installed"]).await {
        Ok(text) => parse_apt_list(&text),
        Err(e) => {
            tracing::warn!("cannot read the suites of installed packages: {e:?}");
            Vec::new()
        }
    };
    let suites: HashMap<(&str, &str), &Listed> = listed
        .iter()
        .map(|l| ((l.name.as_str(), l.arch.as_str()), l))
        .collect();
    let installed = parse_dpkg_query(&dpkg)
        .into_iter()
        .map(|p| {
            let suites = suites
                .get(&(p.name.as_str(), p.arch.as_str()))
                .filter(|l| l.version == p.version)
                .map(|l| l.suites.clone())
                .unwrap_or_default();
            InstalledPackage {
                installed_time: installed_time(&host.dpkg_info, &p.name, &p.arch),
                name: p.name,
                version: p.version,
                arch: p.arch,
                suites,
            }
        })
        .collect();
    let upgradable = parse_apt_list(&upgradable)
        .into_iter()
        // `apt list --upgradable` names upgrades only; a line with no
        // installed version is not one.
        .filter(|l| l.upgradable_from.is_some())
        .collect();
    Ok(Inventory {
        installed,
        upgradable,
    })
}

/// How apt-get is asked for one version of one package:
/// `name:arch=version`, or `name=version` for an `all` package.
pub fn install_spec(name: &str, arch: &str, version: &str) -> String {
    if arch == "all" {
        format!("{name}={version}")
    } else {
        format!("{name}:{arch}={version}")
    }
}

/// The arguments of `apt-get` for installing `specs`: upgrades only,
/// without questions, keeping changed configuration files, waiting for
/// another apt to let go of the lock rather than failing at once.
pub fn install_args(specs: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "install",
        "-y",
        "-q",
        "--only-upgrade",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        "-o",
        "DPkg::Lock::Timeout=120",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(specs.iter().cloned());
    args
}

/// How an apt-get run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRun {
    pub success: bool,
    /// `exit status: 100` and the like.
    pub status: String,
    /// What it wrote, stdout and stderr together.
    pub output: String,
}

/// Runs `apt-get install` for `specs`, its output going to `log` (a
/// file, not a pipe: if the step is stopped, apt-get runs to its end
/// rather than dying of a broken pipe with dpkg half done). It runs in a
/// process group of its own, so a Ctrl-C to the agent does not reach it.
pub async fn install(host: &Host, specs: &[String], log: &Path) -> Result<InstallRun, ToolError> {
    if let Some(dir) = log.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| ToolError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let file = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(log)
        .map_err(|e| ToolError::Failed(format!("cannot create {}: {e}", log.display())))?;
    let err_file = file
        .try_clone()
        .map_err(|e| ToolError::Failed(format!("cannot share {}: {e}", log.display())))?;
    let mut child = command(&host.apt_get)?
        .args(install_args(specs))
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err_file))
        .process_group(0)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ToolError::Missing(tool_name(&host.apt_get)),
            _ => ToolError::Failed(format!("cannot run apt-get: {e}")),
        })?;
    let status = child
        .wait()
        .await
        .map_err(|e| ToolError::Failed(format!("cannot wait for apt-get: {e}")))?;
    let output = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok(InstallRun {
        success: status.success(),
        status: status.to_string(),
        output,
    })
}

/// Whether the machine waits for a reboot, and the packages that asked
/// for it (`reboot-required.pkgs`).
pub fn reboot_required(host: &Host) -> Option<Vec<String>> {
    if !host.reboot_required.exists() {
        return None;
    }
    let mut pkgs = host.reboot_required.clone().into_os_string();
    pkgs.push(".pkgs");
    let names = std::fs::read_to_string(PathBuf::from(pkgs))
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `apt list --upgradable` on Ubuntu 22.04, with the warning apt
    /// prints when its output is not a terminal, captured with 2>&1.
    const JAMMY_UPGRADABLE: &str = "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\nListing...\n\
libc6/jammy-updates 2.35-0ubuntu3.8 amd64 [upgradable from: 2.35-0ubuntu3.7]
libc6/jammy-updates 2.35-0ubuntu3.8 i386 [upgradable from: 2.35-0ubuntu3.7]
libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.15 amd64 [upgradable from: 3.0.2-0ubuntu1.14]
openssh-server/jammy-updates,jammy-security 1:8.9p1-3ubuntu0.10 amd64 [upgradable from: 1:8.9p1-3ubuntu0.7]
vim/jammy-updates,jammy-security 2:8.2.3995-1ubuntu2.16 amd64 [upgradable from: 2:8.2.3995-1ubuntu2.15]
tzdata/jammy-updates,jammy-security 2024a-0ubuntu0.22.04 all [upgradable from: 2023c-0ubuntu0.22.04.2]
cloud-init/jammy-updates 24.1.3-0ubuntu1~22.04.1 all [upgradable from: 23.4.4-0ubuntu0~22.04.1]
libxml2:amd64/jammy-updates 2.9.13+dfsg-1ubuntu0.4 amd64 [upgradable from: 2.9.13+dfsg-1ubuntu0.3]
N: There is 1 additional version. Please use the '-a' switch to see it
";

    /// The same on Debian 12, whose security suite is `stable-security`.
    const BOOKWORM_UPGRADABLE: &str = "Listing... Done
libssl3/stable-security 3.0.11-1~deb12u2 amd64 [upgradable from: 3.0.11-1~deb12u1]
bash/stable 5.2.15-2+b7 amd64 [upgradable from: 5.2.15-2+b2]
base-files/stable 12.4+deb12u5 amd64 [upgradable from: 12.4+deb12u4]
";

    #[test]
    fn versions_split_as_dpkg_splits_them() {
        let v = DebVersion::parse("1:2.3-4ubuntu1").unwrap();
        assert_eq!((v.epoch, v.upstream, v.revision), (1, "2.3", "4ubuntu1"));
        assert_eq!(v.full(), "2.3-4ubuntu1");
        // The revision starts after the last hyphen.
        let v = DebVersion::parse("2:1.2-3-4~bpo12+1").unwrap();
        assert_eq!((v.epoch, v.upstream, v.revision), (2, "1.2-3", "4~bpo12+1"));
        // Native packages have no revision.
        let v = DebVersion::parse("12.4+deb12u5").unwrap();
        assert_eq!((v.epoch, v.upstream, v.revision), (0, "12.4+deb12u5", ""));
        assert_eq!(v.full(), "12.4+deb12u5");
        let v = DebVersion::parse("24.1.3-0ubuntu1~22.04.1").unwrap();
        assert_eq!((v.upstream, v.revision), ("24.1.3", "0ubuntu1~22.04.1"));
        let v = DebVersion::parse("2.9.13+dfsg-1ubuntu0.4").unwrap();
        assert_eq!((v.upstream, v.revision), ("2.9.13+dfsg", "1ubuntu0.4"));
        for bad in ["", "x:1.0", "1.0-", "1.0 2", "1.0;rm", "-1.0", "1:2:3-4:5"] {
            assert_eq!(DebVersion::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn package_names_that_could_be_options_are_refused() {
        assert!(valid_name("libc6"));
        assert!(valid_name("g++-12"));
        assert!(valid_name("libglib2.0-0t64"));
        assert!(!valid_name("-o"));
        assert!(!valid_name("--allow-downgrades"));
        assert!(!valid_name("a"));
        assert!(!valid_name("Foo"));
        assert!(!valid_name("a b"));
    }

    #[test]
    fn apt_list_upgradable_is_read_line_by_line() {
        let listed = parse_apt_list(JAMMY_UPGRADABLE);
        let names: Vec<(&str, &str)> = listed
            .iter()
            .map(|l| (l.name.as_str(), l.arch.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("libc6", "amd64"),
                ("libc6", "i386"),
                ("libssl3", "amd64"),
                ("openssh-server", "amd64"),
                ("vim", "amd64"),
                ("tzdata", "all"),
                ("cloud-init", "all"),
                ("libxml2", "amd64"),
            ]
        );
        let ssl = &listed[2];
        assert_eq!(ssl.suites, ["jammy-updates", "jammy-security"]);
        assert_eq!(ssl.version, "3.0.2-0ubuntu1.15");
        assert_eq!(ssl.upgradable_from.as_deref(), Some("3.0.2-0ubuntu1.14"));
        assert_eq!(ssl.upgradable_to, None);
        let vim = &listed[4];
        assert_eq!(vim.version, "2:8.2.3995-1ubuntu2.16");
        assert_eq!(
            vim.upgradable_from.as_deref(),
            Some("2:8.2.3995-1ubuntu2.15")
        );
        assert_eq!(pocket(&vim.suites), (Some("jammy-security".into()), true));
        assert_eq!(
            pocket(&listed[0].suites),
            (Some("jammy-updates".into()), false)
        );

        let listed = parse_apt_list(BOOKWORM_UPGRADABLE);
        assert_eq!(listed.len(), 3);
        assert_eq!(
            pocket(&listed[0].suites),
            (Some("stable-security".into()), true)
        );
        assert_eq!(listed[1].version, "5.2.15-2+b7");
        assert_eq!(pocket(&listed[2].suites), (Some("stable".into()), false));
    }

    #[test]
    fn apt_list_installed_gives_suites_and_pending_upgrades() {
        let text = "Listing...\n\
adduser/jammy,now 3.118ubuntu5 all [installed,automatic]
libc6/now 2.35-0ubuntu3.7 amd64 [installed,upgradable to: 2.35-0ubuntu3.8]
openssl/jammy-updates,jammy-security,now 3.0.2-0ubuntu1.15 amd64 [installed]
mytool/now 1.0 amd64 [installed,local]
";
        let listed = parse_apt_list(text);
        assert_eq!(listed.len(), 4);
        assert_eq!(listed[0].suites, ["jammy", "now"]);
        assert_eq!(pocket(&listed[0].suites), (Some("jammy".into()), false));
        assert_eq!(listed[1].upgradable_to.as_deref(), Some("2.35-0ubuntu3.8"));
        assert_eq!(pocket(&listed[1].suites), (None, false));
        assert_eq!(
            pocket(&listed[2].suites),
            (Some("jammy-security".into()), true)
        );
        assert_eq!(pocket(&listed[3].suites), (None, false));
    }

    #[test]
    fn garbage_and_hostile_lines_are_skipped() {
        let text = "E: Could not open lock file\n\
-o/jammy 1.0 amd64 [upgradable from: 0.9]\n\
foo/jammy 1.0;reboot amd64 [upgradable from: 0.9]\n\
foo/jammy 1.0\n\
just words here\n\
bar/jammy 1.0-1 amd64\n";
        let listed = parse_apt_list(text);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "bar");
        assert_eq!(listed[0].upgradable_from, None);
    }

    #[test]
    fn dpkg_query_lists_installed_packages_only() {
        let text = "adduser\t3.118ubuntu5\tall\tinstall ok installed\n\
libc6\t2.35-0ubuntu3.7\tamd64\tinstall ok installed\n\
libc6\t2.35-0ubuntu3.7\ti386\tinstall ok installed\n\
libc6:i386\t2.35-0ubuntu3.7\ti386\tinstall ok installed\n\
vim\t2:8.2.3995-1ubuntu2.15\tamd64\tinstall ok installed\n\
oldpkg\t1.0-1\tamd64\tdeinstall ok config-files\n\
halfway\t1.0-1\tamd64\tinstall ok half-configured\n\
man-db\t2.10.2-1\tamd64\tinstall ok triggers-pending\n\
gone\t\tamd64\tunknown ok not-installed\n\
libfoo1\t1:2.3-4ubuntu1~22.04+esm1\tamd64\n\
\n";
        let got = parse_dpkg_query(text);
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("adduser", "3.118ubuntu5", "all"),
                ("libc6", "2.35-0ubuntu3.7", "amd64"),
                ("libc6", "2.35-0ubuntu3.7", "i386"),
                ("libc6", "2.35-0ubuntu3.7", "i386"),
                ("vim", "2:8.2.3995-1ubuntu2.15", "amd64"),
                ("man-db", "2.10.2-1", "amd64"),
                ("libfoo1", "1:2.3-4ubuntu1~22.04+esm1", "amd64"),
            ]
        );
    }

    #[test]
    fn apt_get_is_asked_for_exact_versions_of_installed_packages() {
        assert_eq!(
            install_spec("libc6", "i386", "2.35-0ubuntu3.8"),
            "libc6:i386=2.35-0ubuntu3.8"
        );
        assert_eq!(
            install_spec("tzdata", "all", "2024a-0ubuntu0.22.04"),
            "tzdata=2024a-0ubuntu0.22.04"
        );
        let args = install_args(&["vim:amd64=2:8.2.3995-1ubuntu2.16".to_owned()]);
        assert_eq!(args[0], "install");
        assert!(args.contains(&"--only-upgrade".to_owned()));
        assert!(args.contains(&"-y".to_owned()));
        assert_eq!(args.last().unwrap(), "vim:amd64=2:8.2.3995-1ubuntu2.16");
    }

    #[test]
    fn tails_cut_at_character_boundaries() {
        assert_eq!(tail("abc", 10), "abc");
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("a☃b", 2), "b");
    }
}
