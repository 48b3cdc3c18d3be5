//! A small simulated shell: what a simulated node runs for Run Command.
//!
//! [`run_shell`] runs `aws:runShellScript` steps in a dash-like POSIX shell and
//! [`run_powershell`] runs `aws:runPowerShellScript` steps in a PowerShell
//! look-alike. Both are pure: the same [`Machine`] and script give the same
//! [`Outcome`] byte for byte, and nothing touches real files, processes or
//! clocks. Per-node figures (uptime, load, memory, disk, process ids) come from
//! the fleet seed and the node's index, and move with [`Machine::now_ms`]: a
//! node reboots every few weeks, so its uptime grows and resets like a real one.
//!
//! The shell knows a useful subset (see [`run_shell`]); everything else fails
//! the way dash fails on a command it cannot find. Files written by a script
//! (`echo x > /tmp/f`) live in a scratch map for the rest of that script.
//!
//! Bounds: stdout and stderr together hold at most 4 MiB (later output is
//! dropped, the script keeps running); each command's own output, each pipe
//! and each expansion are bounded the same way; `sleep` adds at most 30 days;
//! and a work budget (commands, loop turns, bytes moved) stops runaway scripts
//! with exit status 124, as a timeout would.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::rc::Rc;

use regex::RegexBuilder;

use crate::sim::SimPlatform;

/// What the shell knows about the machine it runs on.
#[derive(Debug, Clone)]
pub(crate) struct Machine<'a> {
    pub hostname: &'a str,
    pub ip_address: &'a str,
    pub platform: SimPlatform,
    /// Spec index of the node: varies per-node figures (uptime, disk use,
    /// memory, pids) deterministically.
    pub index: usize,
    /// The fleet seed, mixed with the index for per-node variation.
    pub seed: u64,
    /// Current time, epoch milliseconds (for `date`, `uptime`, `Get-Date`).
    pub now_ms: i64,
}

/// What a script did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    /// Simulated running time in milliseconds: a few ms per command plus every
    /// `sleep`/`Start-Sleep`.
    pub duration_ms: u64,
}

/// Most output a script (stdout and stderr together), a pipe, a file or one
/// expansion may hold.
const OUTPUT_CAP: usize = 4 * 1024 * 1024;
/// Longest simulated sleep of one command.
const MAX_SLEEP_US: u64 = 30 * 86_400 * 1_000_000;
/// Work budget of one script: one unit per command or loop turn, one per
/// [`BYTES_PER_UNIT`] bytes moved. Beyond it the script stops with status 124.
const WORK_LIMIT: u64 = 400_000;
const BYTES_PER_UNIT: u64 = 64;
/// Status of a script stopped by the work budget, as `timeout` reports.
const ABORT_STATUS: i32 = 124;
/// Deepest nesting of compound commands, substitutions and function calls.
const MAX_NEST: usize = 40;
/// Total size of the files a script may write.
const FILES_CAP: usize = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------
// The node: per-node figures shared by both shells.

/// A stable 64-bit mix (splitmix64).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a label, to name the random streams.
fn label(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// Memory figures, in KiB.
#[derive(Debug, Clone, Copy)]
struct Mem {
    total: u64,
    used: u64,
    free: u64,
    shared: u64,
    cache: u64,
    available: u64,
}

/// The machine as both shells see it.
#[derive(Debug, Clone)]
struct Host {
    hostname: String,
    ip: String,
    platform: SimPlatform,
    seed: u64,
    index: usize,
    now_ms: i64,
    boot_ms: i64,
    cpus: u32,
    mem: Mem,
    /// Size and use of the root volume, KiB.
    disk: (u64, u64),
    /// Load averages, hundredths.
    load: [u32; 3],
    /// Pid of the agent; other daemons cluster near it.
    agent_pid: u32,
    /// Pid of the shell running the script.
    shell_pid: u32,
}

impl Host {
    fn new(m: &Machine) -> Self {
        let r = |what: &str| {
            mix(mix(m.seed ^ label(what)) ^ (m.index as u64).wrapping_mul(0xA24B_AED4_963E_E407))
        };
        let rt = |what: &str, bucket: i64| mix(r(what) ^ bucket as u64);
        // The node reboots every 3 to 12 weeks (patching), at a node-specific phase.
        let day = 86_400_000_i64;
        let period = (21 + (r("reboot-period") % 64) as i64) * day;
        let phase = (r("reboot-phase") % period as u64) as i64;
        let uptime_ms = (m.now_ms - phase).rem_euclid(period);
        let cpus = [2, 2, 2, 4, 4, 4, 8, 8, 16][(r("cpus") % 9) as usize];
        let gib = u64::from(cpus) * [2, 4, 8][(r("mem-ratio") % 3) as usize];
        let total = gib * 1024 * 1024 * 955 / 1000 - r("mem-reserved") % 40_000;
        let ten_min = m.now_ms.div_euclid(600_000);
        let used_pm = 60 + r("mem-used") % 420 + rt("mem-drift", ten_min) % 20;
        let cache_pm = 80 + r("mem-cache") % 250 + rt("cache-drift", ten_min) % 10;
        let used = total * used_pm / 1000;
        let cache = total * cache_pm / 1000;
        let shared = total * (1 + r("mem-shared") % 8) / 1000;
        let free = total - used - cache;
        let available = (free + cache * 85 / 100).min(total);
        let disk_gib = [8, 8, 16, 20, 30, 50, 100][(r("disk") % 7) as usize];
        let disk_size = disk_gib * 1024 * 1024 - 2048;
        let disk_used = disk_size * (150 + r("disk-used") % 650) / 1000;
        let minute = m.now_ms.div_euclid(60_000);
        let base = (r("load") % 90) as u32 * cpus / 4;
        let load = [
            base + (rt("load1", minute) % 40) as u32,
            base + (rt("load5", minute / 5) % 20) as u32,
            base + (rt("load15", minute / 15) % 10) as u32,
        ];
        let agent_pid = 900 + (r("agent-pid") % 1800) as u32;
        let uptime_s = (uptime_ms / 1000) as u64;
        let shell_pid = 3000 + ((uptime_s / 9 + r("pids") % 5000) % 4_000_000) as u32;
        Host {
            hostname: m.hostname.to_owned(),
            ip: m.ip_address.to_owned(),
            platform: m.platform,
            seed: m.seed,
            index: m.index,
            now_ms: m.now_ms,
            boot_ms: m.now_ms - uptime_ms,
            cpus,
            mem: Mem {
                total,
                used,
                free,
                shared,
                cache,
                available,
            },
            disk: (disk_size, disk_used),
            load,
            agent_pid,
            shell_pid,
        }
    }

    fn uptime_s(&self) -> u64 {
        ((self.now_ms - self.boot_ms) / 1000) as u64
    }

    fn rand(&self, what: &str) -> u64 {
        mix(mix(self.seed ^ label(what)) ^ (self.index as u64).wrapping_mul(0xA24B_AED4_963E_E407))
    }

    fn is_mac(&self) -> bool {
        self.platform == SimPlatform::MacOs14
    }

    fn is_windows(&self) -> bool {
        is_windows(self.platform)
    }

    /// Whether `/bin/sh` is bash (Amazon Linux, RHEL, macOS) rather than dash.
    fn sh_is_bash(&self) -> bool {
        matches!(
            self.platform,
            SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9 | SimPlatform::MacOs14
        )
    }

    fn home(&self) -> &'static str {
        if self.is_mac() { "/var/root" } else { "/root" }
    }

    fn path_var(&self) -> &'static str {
        if self.is_mac() {
            "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin"
        } else {
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        }
    }
}

fn is_windows(p: SimPlatform) -> bool {
    matches!(
        p,
        SimPlatform::WindowsServer2019 | SimPlatform::WindowsServer2022
    )
}

// ---------------------------------------------------------------------------
// Time

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy)]
struct Tm {
    year: i64,
    /// 1–12.
    mon: u32,
    /// 1–31.
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    ms: u32,
    /// 0 = Sunday.
    wday: u32,
    /// 0-based day of the year.
    yday: u32,
    /// Whole seconds since the epoch.
    epoch: i64,
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn tm(ms: i64) -> Tm {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, mon, day) = civil_from_days(days);
    Tm {
        year,
        mon,
        day,
        hour: (sod / 3600) as u32,
        min: (sod / 60 % 60) as u32,
        sec: (sod % 60) as u32,
        ms: ms.rem_euclid(1000) as u32,
        wday: (days + 4).rem_euclid(7) as u32,
        yday: (days - days_from_civil(year, 1, 1)) as u32,
        epoch: secs,
    }
}

/// `strftime` for the UTC zone: the directives `date +FORMAT` users reach for.
fn strftime(fmt: &str, t: &Tm) -> String {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // GNU flags: '-' (no padding), '_' (space padding), '0' (zero padding).
        let mut pad: Option<char> = None;
        while let Some(&f) = it.peek() {
            match f {
                '-' => pad = Some('\0'),
                '_' => pad = Some(' '),
                '0' => pad = Some('0'),
                _ => break,
            }
            it.next();
        }
        let num = |n: i64, width: usize, default: char| -> String {
            match pad.unwrap_or(default) {
                '\0' => n.to_string(),
                ' ' => format!("{n:>width$}"),
                _ => format!("{n:0width$}"),
            }
        };
        let hour12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        let Some(d) = it.next() else {
            out.push('%');
            break;
        };
        let piece = match d {
            'a' => WEEKDAYS[t.wday as usize][..3].to_owned(),
            'A' => WEEKDAYS[t.wday as usize].to_owned(),
            'b' | 'h' => MONTHS[t.mon as usize - 1][..3].to_owned(),
            'B' => MONTHS[t.mon as usize - 1].to_owned(),
            'c' => strftime("%a %b %e %H:%M:%S %Y", t),
            'C' => num(t.year / 100, 2, '0'),
            'd' => num(i64::from(t.day), 2, '0'),
            'D' | 'x' => strftime("%m/%d/%y", t),
            'e' => num(i64::from(t.day), 2, ' '),
            'F' => strftime("%Y-%m-%d", t),
            'H' => num(i64::from(t.hour), 2, '0'),
            'I' => num(i64::from(hour12), 2, '0'),
            'j' => num(i64::from(t.yday) + 1, 3, '0'),
            'k' => num(i64::from(t.hour), 2, ' '),
            'l' => num(i64::from(hour12), 2, ' '),
            'm' => num(i64::from(t.mon), 2, '0'),
            'M' => num(i64::from(t.min), 2, '0'),
            'n' => "\n".to_owned(),
            'N' => format!("{:09}", u64::from(t.ms) * 1_000_000),
            'p' => if t.hour < 12 { "AM" } else { "PM" }.to_owned(),
            'P' => if t.hour < 12 { "am" } else { "pm" }.to_owned(),
            'r' => strftime("%I:%M:%S %p", t),
            'R' => strftime("%H:%M", t),
            's' => t.epoch.to_string(),
            'S' => num(i64::from(t.sec), 2, '0'),
            't' => "\t".to_owned(),
            'T' | 'X' => strftime("%H:%M:%S", t),
            'u' => (if t.wday == 0 { 7 } else { t.wday }).to_string(),
            'w' => t.wday.to_string(),
            'y' => num(t.year % 100, 2, '0'),
            'Y' => t.year.to_string(),
            'z' => "+0000".to_owned(),
            ':' if it.peek() == Some(&'z') => {
                it.next();
                "+00:00".to_owned()
            }
            'Z' => "UTC".to_owned(),
            '%' => "%".to_owned(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// `Nov11` or `17:31` or `2025`, as ps shows a start time.
fn ps_start(start_ms: i64, now_ms: i64) -> String {
    let s = tm(start_ms);
    let n = tm(now_ms);
    if now_ms - start_ms < 86_400_000 && s.day == n.day {
        format!("{:02}:{:02}", s.hour, s.min)
    } else if s.year == n.year {
        format!("{}{:02}", &MONTHS[s.mon as usize - 1][..3], s.day)
    } else {
        s.year.to_string()
    }
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
fn truncate_at(s: &mut String, max: usize) {
    if s.len() > max {
        let mut i = max;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        s.truncate(i);
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------
// Platform facts

/// `uname -r` and `uname -v`.
fn kernel(p: SimPlatform) -> (&'static str, &'static str) {
    match p {
        SimPlatform::AmazonLinux2023 => (
            "6.1.112-122.189.amzn2023.x86_64",
            "#1 SMP PREEMPT_DYNAMIC Tue Oct  8 17:04:00 UTC 2024",
        ),
        SimPlatform::Ubuntu2204 => (
            "5.15.0-1071-aws",
            "#77-Ubuntu SMP Tue Sep 17 12:29:15 UTC 2024",
        ),
        SimPlatform::Ubuntu2404 => (
            "6.8.0-1016-aws",
            "#17-Ubuntu SMP Mon Sep  2 13:48:07 UTC 2024",
        ),
        SimPlatform::Rhel9 => (
            "5.14.0-427.37.1.el9_4.x86_64",
            "#1 SMP PREEMPT_DYNAMIC Fri Sep 13 12:41:50 EDT 2024",
        ),
        SimPlatform::Debian12 => (
            "6.1.0-26-cloud-amd64",
            "#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)",
        ),
        SimPlatform::MacOs14 => (
            "23.6.0",
            "Darwin Kernel Version 23.6.0: Mon Jul 29 21:14:46 PDT 2024; \
             root:xnu-10063.141.2~1/RELEASE_ARM64_T8103",
        ),
        SimPlatform::WindowsServer2019 => ("10.0.17763", ""),
        SimPlatform::WindowsServer2022 => ("10.0.20348", ""),
    }
}

fn os_release(p: SimPlatform) -> Option<&'static str> {
    Some(match p {
        SimPlatform::AmazonLinux2023 => concat!(
            "NAME=\"Amazon Linux\"\n",
            "VERSION=\"2023\"\n",
            "ID=\"amzn\"\n",
            "ID_LIKE=\"fedora\"\n",
            "VERSION_ID=\"2023\"\n",
            "PLATFORM_ID=\"platform:al2023\"\n",
            "PRETTY_NAME=\"Amazon Linux 2023.6.20241010\"\n",
            "ANSI_COLOR=\"0;33\"\n",
            "CPE_NAME=\"cpe:2.3:o:amazon:amazon_linux:2023\"\n",
            "HOME_URL=\"https://aws.amazon.com/linux/amazon-linux-2023/\"\n",
            "DOCUMENTATION_URL=\"https://docs.aws.amazon.com/linux/\"\n",
            "SUPPORT_URL=\"https://aws.amazon.com/premiumsupport/\"\n",
            "BUG_REPORT_URL=\"https://github.com/amazonlinux/amazon-linux-2023\"\n",
            "VENDOR_NAME=\"AWS\"\n",
            "VENDOR_URL=\"https://aws.amazon.com/\"\n",
            "SUPPORT_END=\"2029-06-30\"\n",
        ),
        SimPlatform::Ubuntu2204 => concat!(
            "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\n",
            "NAME=\"Ubuntu\"\n",
            "VERSION_ID=\"22.04\"\n",
            "VERSION=\"22.04.5 LTS (Jammy Jellyfish)\"\n",
            "VERSION_CODENAME=jammy\n",
            "ID=ubuntu\n",
            "ID_LIKE=debian\n",
            "HOME_URL=\"https://www.ubuntu.com/\"\n",
            "SUPPORT_URL=\"https://help.ubuntu.com/\"\n",
            "BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n",
            "PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n",
            "UBUNTU_CODENAME=jammy\n",
        ),
        SimPlatform::Ubuntu2404 => concat!(
            "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n",
            "NAME=\"Ubuntu\"\n",
            "VERSION_ID=\"24.04\"\n",
            "VERSION=\"24.04.1 LTS (Noble Numbat)\"\n",
            "VERSION_CODENAME=noble\n",
            "ID=ubuntu\n",
            "ID_LIKE=debian\n",
            "HOME_URL=\"https://www.ubuntu.com/\"\n",
            "SUPPORT_URL=\"https://help.ubuntu.com/\"\n",
            "BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n",
            "PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n",
            "UBUNTU_CODENAME=noble\n",
            "LOGO=ubuntu-logo\n",
        ),
        SimPlatform::Rhel9 => concat!(
            "NAME=\"Red Hat Enterprise Linux\"\n",
            "VERSION=\"9.4 (Plow)\"\n",
            "ID=\"rhel\"\n",
            "ID_LIKE=\"fedora\"\n",
            "VERSION_ID=\"9.4\"\n",
            "PLATFORM_ID=\"platform:el9\"\n",
            "PRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n",
            "ANSI_COLOR=\"0;31\"\n",
            "LOGO=\"fedora-logo-icon\"\n",
            "CPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n",
            "HOME_URL=\"https://www.redhat.com/\"\n",
            "DOCUMENTATION_URL=\"https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9\"\n",
            "BUG_REPORT_URL=\"https://issues.redhat.com/\"\n",
            "\n",
            "REDHAT_BUGZILLA_PRODUCT=\"Red Hat Enterprise Linux 9\"\n",
            "REDHAT_BUGZILLA_PRODUCT_VERSION=9.4\n",
            "REDHAT_SUPPORT_PRODUCT=\"Red Hat Enterprise Linux\"\n",
            "REDHAT_SUPPORT_PRODUCT_VERSION=\"9.4\"\n",
        ),
        SimPlatform::Debian12 => concat!(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            "NAME=\"Debian GNU/Linux\"\n",
            "VERSION_ID=\"12\"\n",
            "VERSION=\"12 (bookworm)\"\n",
            "VERSION_CODENAME=bookworm\n",
            "ID=debian\n",
            "HOME_URL=\"https://www.debian.org/\"\n",
            "SUPPORT_URL=\"https://www.debian.org/support\"\n",
            "BUG_REPORT_URL=\"https://bugs.debian.org/\"\n",
        ),
        _ => return None,
    })
}

/// Directories every Linux node has.
const LINUX_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/etc/ssh",
    "/etc/systemd",
    "/home",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/share",
    "/var",
    "/var/lib",
    "/var/lib/sysman",
    "/var/lib/sysman/run",
    "/var/log",
    "/var/log/amazon",
    "/var/log/amazon/ssm",
    "/var/tmp",
    "/etc/amazon",
    "/etc/amazon/ssm",
];

/// Directories a macOS node has.
const MAC_DIRS: &[&str] = &[
    "/",
    "/Applications",
    "/Library",
    "/System",
    "/Users",
    "/Users/ec2-user",
    "/Volumes",
    "/bin",
    "/dev",
    "/etc",
    "/opt",
    "/opt/aws",
    "/opt/aws/ssm",
    "/opt/aws/ssm/bin",
    "/private",
    "/private/etc",
    "/private/tmp",
    "/private/var",
    "/sbin",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/local",
    "/usr/local/bin",
    "/usr/sbin",
    "/var",
    "/var/lib",
    "/var/lib/sysman",
    "/var/lib/sysman/run",
    "/var/log",
    "/var/root",
];

/// Where a Linux distribution's default user lives.
fn default_user(p: SimPlatform) -> &'static str {
    match p {
        SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => "ubuntu",
        SimPlatform::Debian12 => "admin",
        _ => "ec2-user",
    }
}

/// The ssm agent's binaries: Ubuntu installs the agent as a snap.
fn agent_bin(p: SimPlatform, name: &str) -> String {
    match p {
        SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => {
            format!("/snap/amazon-ssm-agent/9565/{name}")
        }
        SimPlatform::MacOs14 => format!("/opt/aws/ssm/bin/{name}"),
        _ => format!("/usr/bin/{name}"),
    }
}

// ---------------------------------------------------------------------------
// sh: syntax

/// A shell word, as pieces to expand.
#[derive(Debug, Clone, Default)]
struct Word {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    /// Unquoted text.
    Lit(String),
    /// Quoted or escaped text.
    Quoted(String),
    Param(Box<Param>),
    /// `$(...)` or backquotes; `true` when inside double quotes.
    Sub(Rc<List>, bool),
    /// `$((...))`; `true` when inside double quotes.
    Arith(Word, bool),
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    op: POp,
    arg: Word,
    quoted: bool,
}

/// `${name<op>arg}`; the flag is the colon of `:-` and friends, or the
/// doubling of `##` and `%%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum POp {
    Plain,
    Len,
    Default(bool),
    Assign(bool),
    Alt(bool),
    Error(bool),
    TrimFront(bool),
    TrimBack(bool),
}

impl Word {
    fn push_lit(&mut self, c: char) {
        if let Some(Part::Lit(s)) = self.parts.last_mut() {
            s.push(c);
        } else {
            self.parts.push(Part::Lit(c.to_string()));
        }
    }

    fn push_quoted(&mut self, text: &str) {
        if let Some(Part::Quoted(s)) = self.parts.last_mut() {
            s.push_str(text);
        } else {
            self.parts.push(Part::Quoted(text.to_owned()));
        }
    }

    fn push_char(&mut self, c: char, quoted: bool) {
        if quoted {
            let mut b = [0; 4];
            self.push_quoted(c.encode_utf8(&mut b));
        } else {
            self.push_lit(c);
        }
    }

    /// The text of a word made of one unquoted literal, as keywords are.
    fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The text with quotes removed and nothing expanded (here-document
    /// delimiters), and whether any of it was quoted.
    fn literal_text(&self) -> (String, bool) {
        let mut text = String::new();
        let mut quoted = false;
        for p in &self.parts {
            match p {
                Part::Lit(s) => text.push_str(s),
                Part::Quoted(s) => {
                    quoted = true;
                    text.push_str(s);
                }
                Part::Param(p) => {
                    text.push('$');
                    text.push_str(&p.name);
                }
                Part::Sub(..) | Part::Arith(..) => {}
            }
        }
        (text, quoted)
    }
}

type List = Vec<(AndOr, bool)>;

#[derive(Debug)]
struct AndOr {
    first: Pipeline,
    /// `true` for `&&`, `false` for `||`.
    rest: Vec<(bool, Pipeline)>,
}

#[derive(Debug)]
struct Pipeline {
    bang: bool,
    cmds: Vec<Cmd>,
}

#[derive(Debug)]
enum Cmd {
    Simple(Simple),
    Compound(Compound, Vec<Redir>),
    Func(String, Rc<Cmd>),
}

#[derive(Debug)]
struct Simple {
    line: usize,
    assigns: Vec<(String, Word)>,
    words: Vec<Word>,
    redirs: Vec<Redir>,
}

#[derive(Debug)]
struct Redir {
    fd: u32,
    op: ROp,
    target: Word,
    /// The body of a here-document, filled in at the end of its line.
    here: Option<Rc<RefCell<Word>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ROp {
    Out,
    Append,
    In,
    DupOut,
    DupIn,
    ReadWrite,
    Here,
}

#[derive(Debug)]
enum Compound {
    Brace(List),
    Sub(List),
    If(Vec<(List, List)>, Option<List>),
    For(String, Option<Vec<Word>>, List),
    /// `true` for `until`.
    Loop(bool, List, List),
    Case(Word, Vec<(Vec<Word>, List)>),
}

#[derive(Debug, Clone)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir(Option<u32>, ROp, bool),
    Newline,
    Eof,
}

/// What the next token is, cheaply comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    /// A word; the reserved word it spells, if it is one.
    Word(Option<&'static str>),
    Op(&'static str),
    Redir,
    Newline,
    Eof,
}

impl K {
    fn is(&self, kw: &str) -> bool {
        matches!(self, K::Word(Some(w)) if *w == kw)
    }
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "{",
    "}", "!", "in",
];

#[derive(Debug)]
struct SynErr {
    line: usize,
    msg: String,
    /// Printed without the `Syntax error: ` prefix (`Bad substitution`).
    bare: bool,
}

type PRes<T> = Result<T, SynErr>;

struct PendingHere {
    delim: String,
    strip_tabs: bool,
    quoted: bool,
    body: Rc<RefCell<Word>>,
}

struct Parser<'a> {
    src: &'a [char],
    pos: usize,
    line: usize,
    depth: usize,
    /// The next token, its line, and what it is.
    peeked: Option<(Tok, usize, K)>,
    pending: Vec<PendingHere>,
}

fn is_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && it.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl<'a> Parser<'a> {
    fn new(src: &'a [char], line: usize, depth: usize) -> Self {
        Parser {
            src,
            pos: 0,
            line,
            depth,
            peeked: None,
            pending: Vec::new(),
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> PRes<T> {
        Err(SynErr {
            line: self.line,
            msg: msg.into(),
            bare: false,
        })
    }

    fn ch(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.src.get(self.pos + k).copied()
    }

    fn enter(&mut self) -> PRes<()> {
        self.depth += 1;
        if self.depth > MAX_NEST {
            self.err("nesting too deep")
        } else {
            Ok(())
        }
    }

    // --- tokens ---

    fn peek(&mut self) -> PRes<&(Tok, usize, K)> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => {
                let (t, line) = self.lex()?;
                let k = match &t {
                    Tok::Word(w) => K::Word(
                        w.plain()
                            .and_then(|p| RESERVED.iter().find(|r| **r == p).copied()),
                    ),
                    Tok::Op(o) => K::Op(o),
                    Tok::Redir(..) => K::Redir,
                    Tok::Newline => K::Newline,
                    Tok::Eof => K::Eof,
                };
                (t, line, k)
            }
        };
        Ok(self.peeked.insert(t))
    }

    fn kind(&mut self) -> PRes<K> {
        Ok(self.peek()?.2)
    }

    fn tok_line(&mut self) -> PRes<usize> {
        Ok(self.peek()?.1)
    }

    fn next(&mut self) -> PRes<Tok> {
        match self.peeked.take() {
            Some((t, _, _)) => Ok(t),
            None => Ok(self.lex()?.0),
        }
    }

    fn unexpected(&mut self, expecting: &str) -> SynErr {
        let k = match self.kind() {
            Ok(k) => k,
            Err(e) => return e,
        };
        let line = if k == K::Eof {
            self.line
        } else {
            self.tok_line().unwrap_or(self.line)
        };
        let what = match &k {
            K::Word(Some(w)) => format!("\"{w}\" unexpected"),
            K::Word(_) => "word unexpected".to_owned(),
            K::Op(o) => format!("\"{o}\" unexpected"),
            K::Redir => "redirection unexpected".to_owned(),
            K::Newline => "newline unexpected".to_owned(),
            K::Eof => "end of file unexpected".to_owned(),
        };
        let msg = if expecting.is_empty() {
            what
        } else {
            format!("{what} (expecting \"{expecting}\")")
        };
        SynErr {
            line,
            msg,
            bare: false,
        }
    }

    fn lex(&mut self) -> PRes<(Tok, usize)> {
        loop {
            match self.ch() {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.at(1) == Some('\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                Some('#') => {
                    while self.ch().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let line = self.line;
        let Some(c) = self.ch() else {
            return Ok((Tok::Eof, line));
        };
        let two = |p: &mut Self, op: &'static str| {
            p.pos += 2;
            Tok::Op(op)
        };
        let one = |p: &mut Self, op: &'static str| {
            p.pos += 1;
            Tok::Op(op)
        };
        let tok = match (c, self.at(1)) {
            ('\n', _) => {
                self.pos += 1;
                self.line += 1;
                self.read_heredocs()?;
                Tok::Newline
            }
            (';', Some(';')) => two(self, ";;"),
            (';', _) => one(self, ";"),
            ('&', Some('&')) => two(self, "&&"),
            ('&', _) => one(self, "&"),
            ('|', Some('|')) => two(self, "||"),
            ('|', _) => one(self, "|"),
            ('(', _) => one(self, "("),
            (')', _) => one(self, ")"),
            ('<' | '>', _) => self.lex_redir(None),
            _ => {
                let start = self.pos;
                let mut end = start;
                while self.src.get(end).is_some_and(char::is_ascii_digit) {
                    end += 1;
                }
                let digits: String = self.src[start..end].iter().collect();
                match (self.src.get(end), digits.parse::<u32>()) {
                    (Some('<' | '>'), Ok(fd)) if end > start => {
                        self.pos = end;
                        self.lex_redir(Some(fd))
                    }
                    _ => Tok::Word(self.lex_word()?),
                }
            }
        };
        Ok((tok, line))
    }

    fn lex_redir(&mut self, fd: Option<u32>) -> Tok {
        let c = self.ch();
        self.pos += 1;
        let (op, strip) = match (c, self.ch()) {
            (Some('>'), Some('>')) => (ROp::Append, false),
            (Some('>'), Some('&')) => (ROp::DupOut, false),
            (Some('>'), Some('|')) => (ROp::Out, false),
            (Some('>'), _) => {
                return Tok::Redir(fd, ROp::Out, false);
            }
            (_, Some('<')) => {
                if self.at(1) == Some('-') {
                    self.pos += 2;
                    return Tok::Redir(fd, ROp::Here, true);
                }
                (ROp::Here, false)
            }
            (_, Some('&')) => (ROp::DupIn, false),
            (_, Some('>')) => (ROp::ReadWrite, false),
            _ => return Tok::Redir(fd, ROp::In, false),
        };
        self.pos += 1;
        Tok::Redir(fd, op, strip)
    }

    fn lex_word(&mut self) -> PRes<Word> {
        let mut w = Word::default();
        while let Some(c) = self.ch() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\\' => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    None => {
                        self.pos += 1;
                        w.push_lit('\\');
                    }
                },
                '\'' => {
                    self.pos += 1;
                    let text = self.single_quoted()?;
                    w.push_quoted(&text);
                }
                '"' => {
                    self.pos += 1;
                    w.push_quoted("");
                    self.lex_dquoted(&mut w, Some('"'))?;
                }
                '$' => self.lex_dollar(&mut w, false)?,
                '`' => self.lex_backquote(&mut w, false)?,
                _ => {
                    self.pos += 1;
                    w.push_lit(c);
                }
            }
        }
        Ok(w)
    }

    /// After an opening `'`: the text up to the closing one.
    fn single_quoted(&mut self) -> PRes<String> {
        let start = self.pos;
        loop {
            match self.ch() {
                None => return self.err("Unterminated quoted string"),
                Some('\'') => break,
                Some('\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
        let text = self.src[start..self.pos].iter().collect();
        self.pos += 1;
        Ok(text)
    }

    /// Double-quoted text up to `term`, or (here-documents, arithmetic) to the end.
    fn lex_dquoted(&mut self, w: &mut Word, term: Option<char>) -> PRes<()> {
        loop {
            match self.ch() {
                None if term.is_some() => return self.err("Unterminated quoted string"),
                None => return Ok(()),
                Some(c) if Some(c) == term => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    Some('"') if term == Some('"') => {
                        self.pos += 2;
                        w.push_char('"', true);
                    }
                    _ => {
                        self.pos += 1;
                        w.push_char('\\', true);
                    }
                },
                Some('$') => self.lex_dollar(w, true)?,
                Some('`') => self.lex_backquote(w, true)?,
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, true);
                }
            }
        }
    }

    fn lex_dollar(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        match self.at(1) {
            Some('{') => {
                self.pos += 2;
                self.lex_braced(w, quoted)
            }
            Some('(') if self.at(2) == Some('(') => {
                self.pos += 3;
                self.lex_arith(w, quoted)
            }
            Some('(') => {
                self.pos += 2;
                self.enter()?;
                let list = self.compound_list(&[")"], ")", true)?;
                if self.kind()? != K::Op(")") {
                    return Err(self.unexpected(")"));
                }
                self.next()?;
                self.depth -= 1;
                w.parts.push(Part::Sub(Rc::new(list), quoted));
                Ok(())
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                self.pos += 1;
                let start = self.pos;
                while self
                    .ch()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
                let name = self.src[start..self.pos].iter().collect();
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op: POp::Plain,
                    arg: Word::default(),
                    quoted,
                })));
                Ok(())
            }
            Some(c) if c.is_ascii_digit() || "?$#@*!-".contains(c) => {
                self.pos += 2;
                let name = c.to_string();
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op: POp::Plain,
                    arg: Word::default(),
                    quoted,
                })));
                Ok(())
            }
            _ => {
                self.pos += 1;
                w.push_char('$', quoted);
                Ok(())
            }
        }
    }

    /// After `${`.
    fn lex_braced(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        let bad = |p: &Self| {
            Err(SynErr {
                line: p.line,
                msg: "Bad substitution".to_owned(),
                bare: true,
            })
        };
        let mut op = POp::Plain;
        if self.ch() == Some('#') && self.at(1).is_some_and(|c| c != '}') {
            op = POp::Len;
            self.pos += 1;
        }
        let start = self.pos;
        match self.ch() {
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                while self
                    .ch()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while self.ch().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            Some(c) if "?$#@*!-".contains(c) => self.pos += 1,
            None => return self.err("Missing '}'"),
            Some(_) => return bad(self),
        }
        let name: String = self.src[start..self.pos].iter().collect();
        let colon = self.ch() == Some(':');
        if colon {
            self.pos += 1;
        }
        let next = self.ch();
        let doubled = self.at(1) == next;
        op = match (next, op) {
            (None, _) => return self.err("Missing '}'"),
            (Some('}'), _) if !colon => {
                self.pos += 1;
                w.parts.push(Part::Param(Box::new(Param {
                    name,
                    op,
                    arg: Word::default(),
                    quoted,
                })));
                return Ok(());
            }
            (_, POp::Len) => return bad(self),
            (Some('-'), _) => POp::Default(colon),
            (Some('='), _) => POp::Assign(colon),
            (Some('+'), _) => POp::Alt(colon),
            (Some('?'), _) => POp::Error(colon),
            (Some('#'), _) if !colon => POp::TrimFront(doubled),
            (Some('%'), _) if !colon => POp::TrimBack(doubled),
            _ => return bad(self),
        };
        self.pos += if matches!(op, POp::TrimFront(true) | POp::TrimBack(true)) {
            2
        } else {
            1
        };
        let arg = self.lex_brace_arg(quoted)?;
        w.parts.push(Part::Param(Box::new(Param {
            name,
            op,
            arg,
            quoted,
        })));
        Ok(())
    }

    /// The word of `${name:-word}`, up to the closing brace.
    fn lex_brace_arg(&mut self, quoted: bool) -> PRes<Word> {
        let mut w = Word::default();
        loop {
            match self.ch() {
                None => return self.err("Missing '}'"),
                Some('}') => {
                    self.pos += 1;
                    return Ok(w);
                }
                Some('\\') => {
                    match self.at(1) {
                        Some('\n') => self.line += 1,
                        Some(n) => w.push_char(n, true),
                        None => {}
                    }
                    self.pos += 2;
                }
                Some('\'') if !quoted => {
                    self.pos += 1;
                    let text = self.single_quoted()?;
                    w.push_quoted(&text);
                }
                Some('"') => {
                    self.pos += 1;
                    w.push_quoted("");
                    self.lex_dquoted(&mut w, Some('"'))?;
                }
                Some('$') => self.lex_dollar(&mut w, quoted)?,
                Some('`') => self.lex_backquote(&mut w, quoted)?,
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, quoted);
                }
            }
        }
    }

    /// After `$((`: up to the matching `))`.
    fn lex_arith(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        let start = self.pos;
        let start_line = self.line;
        let mut depth = 0usize;
        loop {
            match self.ch() {
                None => {
                    return Err(SynErr {
                        line: self.line,
                        msg: "end of file unexpected (expecting \"))\")".to_owned(),
                        bare: false,
                    });
                }
                Some('(') => depth += 1,
                Some(')') if depth == 0 && self.at(1) == Some(')') => break,
                Some(')') if depth == 0 => return Err(self.unexpected_char(')')),
                Some(')') => depth -= 1,
                Some('\n') => self.line += 1,
                Some(_) => {}
            }
            self.pos += 1;
        }
        let body = &self.src[start..self.pos];
        self.pos += 2;
        self.enter()?;
        let mut sub = Parser::new(body, start_line, self.depth);
        let mut expr = Word::default();
        expr.push_quoted("");
        sub.lex_dquoted(&mut expr, None)?;
        self.depth -= 1;
        w.parts.push(Part::Arith(expr, quoted));
        Ok(())
    }

    fn unexpected_char(&self, c: char) -> SynErr {
        SynErr {
            line: self.line,
            msg: format!("\"{c}\" unexpected"),
            bare: false,
        }
    }

    fn lex_backquote(&mut self, w: &mut Word, quoted: bool) -> PRes<()> {
        self.pos += 1;
        let start_line = self.line;
        let mut text = Vec::new();
        loop {
            match self.ch() {
                None => return self.err("EOF in backquote substitution"),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => match self.at(1) {
                    Some(c @ ('$' | '`' | '\\')) => {
                        text.push(c);
                        self.pos += 2;
                    }
                    Some('"') if quoted => {
                        text.push('"');
                        self.pos += 2;
                    }
                    _ => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        self.enter()?;
        let mut sub = Parser::new(&text, start_line, self.depth);
        let list = sub.compound_list(&[], "", true)?;
        if sub.kind()? != K::Eof {
            return Err(sub.unexpected(""));
        }
        self.depth -= 1;
        w.parts.push(Part::Sub(Rc::new(list), quoted));
        Ok(())
    }

    /// At the start of a line: the bodies of the here-documents of the line before.
    fn read_heredocs(&mut self) -> PRes<()> {
        for h in std::mem::take(&mut self.pending) {
            let start_line = self.line;
            let mut body = Vec::new();
            while self.pos < self.src.len() {
                let mut end = self.pos;
                while end < self.src.len() && self.src[end] != '\n' {
                    end += 1;
                }
                let mut line = &self.src[self.pos..end];
                self.pos = (end + 1).min(self.src.len());
                self.line += 1;
                if h.strip_tabs {
                    while let [first, rest @ ..] = line {
                        if *first != '\t' {
                            break;
                        }
                        line = rest;
                    }
                }
                if line.iter().copied().eq(h.delim.chars()) {
                    break;
                }
                body.extend_from_slice(line);
                body.push('\n');
            }
            let mut w = Word::default();
            if h.quoted {
                w.push_quoted(&body.iter().collect::<String>());
            } else {
                let mut sub = Parser::new(&body, start_line, self.depth);
                w.push_quoted("");
                sub.lex_here_body(&mut w)?;
            }
            *h.body.borrow_mut() = w;
        }
        Ok(())
    }

    /// An unquoted here-document body: expansions, and `\` before `$`, `` ` ``, `\`.
    fn lex_here_body(&mut self, w: &mut Word) -> PRes<()> {
        while let Some(c) = self.ch() {
            match c {
                '\\' => match self.at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n @ ('$' | '`' | '\\')) => {
                        self.pos += 2;
                        w.push_char(n, true);
                    }
                    _ => {
                        self.pos += 1;
                        w.push_char('\\', true);
                    }
                },
                '$' => self.lex_dollar(w, true)?,
                '`' => self.lex_backquote(w, true)?,
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    w.push_char(c, true);
                }
            }
        }
        Ok(())
    }

    // --- grammar ---

    fn linebreak(&mut self) -> PRes<()> {
        while self.kind()? == K::Newline {
            self.next()?;
        }
        Ok(())
    }

    /// The next complete command (one line's list), or `None` at the end.
    fn next_command(&mut self) -> PRes<Option<List>> {
        self.linebreak()?;
        if self.kind()? == K::Eof {
            return Ok(None);
        }
        let mut list = Vec::new();
        loop {
            let ao = self.and_or()?;
            match self.kind()? {
                K::Op(o @ (";" | "&")) => {
                    self.next()?;
                    list.push((ao, o == "&"));
                    if matches!(self.kind()?, K::Newline | K::Eof) {
                        break;
                    }
                }
                K::Newline | K::Eof => {
                    list.push((ao, false));
                    break;
                }
                _ => return Err(self.unexpected("")),
            }
        }
        if self.kind()? == K::Newline {
            self.next()?;
        }
        Ok(Some(list))
    }

    /// A list up to one of `terms` (not consumed).
    fn compound_list(&mut self, terms: &[&str], expect: &str, allow_empty: bool) -> PRes<List> {
        let mut list = Vec::new();
        self.linebreak()?;
        loop {
            let k = self.kind()?;
            let at_term = match &k {
                K::Word(Some(w)) => terms.contains(w),
                K::Op(o) => terms.contains(o),
                K::Eof => expect.is_empty(),
                _ => false,
            };
            if at_term {
                if list.is_empty() && !allow_empty {
                    return Err(self.unexpected(""));
                }
                return Ok(list);
            }
            if k == K::Eof {
                return Err(self.unexpected(expect));
            }
            let ao = self.and_or()?;
            match self.kind()? {
                K::Op(o @ (";" | "&")) => {
                    self.next()?;
                    list.push((ao, o == "&"));
                    self.linebreak()?;
                }
                K::Newline => {
                    self.linebreak()?;
                    list.push((ao, false));
                }
                k => {
                    list.push((ao, false));
                    let at_term = match &k {
                        K::Word(Some(w)) => terms.contains(w),
                        K::Op(o) => terms.contains(o),
                        K::Eof => expect.is_empty(),
                        _ => false,
                    };
                    if !at_term {
                        return Err(self.unexpected(expect));
                    }
                    return Ok(list);
                }
            }
        }
    }

    fn and_or(&mut self) -> PRes<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.kind()? {
                K::Op("&&") => true,
                K::Op("||") => false,
                _ => break,
            };
            self.next()?;
            self.linebreak()?;
            rest.push((and, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> PRes<Pipeline> {
        let bang = self.kind()?.is("!");
        if bang {
            self.next()?;
        }
        let mut cmds = vec![self.command()?];
        while self.kind()? == K::Op("|") {
            self.next()?;
            self.linebreak()?;
            cmds.push(self.command()?);
        }
        Ok(Pipeline { bang, cmds })
    }

    fn expect_word(&mut self, kw: &str) -> PRes<()> {
        if self.kind()?.is(kw) {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected(kw))
        }
    }

    fn expect_op(&mut self, op: &'static str) -> PRes<()> {
        if self.kind()? == K::Op(op) {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected(op))
        }
    }

    fn command(&mut self) -> PRes<Cmd> {
        let k = self.kind()?;
        let kw = match &k {
            K::Op("(") => "(",
            K::Word(Some(w)) => match *w {
                "if" => "if",
                "for" => "for",
                "while" => "while",
                "until" => "until",
                "case" => "case",
                "{" => "{",
                "then" | "else" | "elif" | "fi" | "do" | "done" | "esac" | "}" => {
                    return Err(self.unexpected(""));
                }
                _ => return self.simple(),
            },
            K::Word(None) | K::Redir => return self.simple(),
            _ => return Err(self.unexpected("")),
        };
        self.enter()?;
        self.next()?;
        let body = match kw {
            "(" => {
                let l = self.compound_list(&[")"], ")", false)?;
                self.expect_op(")")?;
                Compound::Sub(l)
            }
            "{" => {
                let l = self.compound_list(&["}"], "}", false)?;
                self.expect_word("}")?;
                Compound::Brace(l)
            }
            "if" => self.if_rest()?,
            "for" => self.for_rest()?,
            "case" => self.case_rest()?,
            _ => {
                let cond = self.compound_list(&["do"], "do", false)?;
                self.expect_word("do")?;
                let body = self.compound_list(&["done"], "done", false)?;
                self.expect_word("done")?;
                Compound::Loop(kw == "until", cond, body)
            }
        };
        self.depth -= 1;
        let mut redirs = Vec::new();
        while self.kind()? == K::Redir {
            redirs.push(self.redir()?);
        }
        Ok(Cmd::Compound(body, redirs))
    }

    fn if_rest(&mut self) -> PRes<Compound> {
        let mut arms = Vec::new();
        loop {
            let cond = self.compound_list(&["then"], "then", false)?;
            self.expect_word("then")?;
            let body = self.compound_list(&["elif", "else", "fi"], "fi", false)?;
            arms.push((cond, body));
            let k = self.kind()?;
            self.next()?;
            if k.is("elif") {
                continue;
            }
            if k.is("else") {
                let els = self.compound_list(&["fi"], "fi", false)?;
                self.expect_word("fi")?;
                return Ok(Compound::If(arms, Some(els)));
            }
            return Ok(Compound::If(arms, None));
        }
    }

    fn for_rest(&mut self) -> PRes<Compound> {
        let name = match self.next()? {
            Tok::Word(w) => match w.plain() {
                Some(n) if is_name(n) => n.to_owned(),
                _ => return self.err("Bad for loop variable"),
            },
            _ => return self.err("Bad for loop variable"),
        };
        self.linebreak()?;
        let words = if self.kind()?.is("in") {
            self.next()?;
            let mut words = Vec::new();
            while let K::Word(_) = self.kind()? {
                if let Tok::Word(w) = self.next()? {
                    words.push(w);
                }
            }
            if matches!(self.kind()?, K::Op(";") | K::Newline) {
                self.next()?;
            }
            Some(words)
        } else {
            if self.kind()? == K::Op(";") {
                self.next()?;
            }
            None
        };
        self.linebreak()?;
        self.expect_word("do")?;
        let body = self.compound_list(&["done"], "done", false)?;
        self.expect_word("done")?;
        Ok(Compound::For(name, words, body))
    }

    fn case_rest(&mut self) -> PRes<Compound> {
        let word = match self.next()? {
            Tok::Word(w) => w,
            _ => return self.err("word unexpected"),
        };
        self.linebreak()?;
        self.expect_word("in")?;
        self.linebreak()?;
        let mut arms = Vec::new();
        loop {
            if self.kind()?.is("esac") {
                self.next()?;
                return Ok(Compound::Case(word, arms));
            }
            if self.kind()? == K::Op("(") {
                self.next()?;
            }
            let mut pats = Vec::new();
            loop {
                match self.kind()? {
                    K::Word(_) => {
                        if let Tok::Word(w) = self.next()? {
                            pats.push(w);
                        }
                    }
                    _ => return Err(self.unexpected(")")),
                }
                if self.kind()? != K::Op("|") {
                    break;
                }
                self.next()?;
            }
            self.expect_op(")")?;
            let body = self.compound_list(&[";;", "esac"], "esac", true)?;
            arms.push((pats, body));
            match self.kind()? {
                K::Op(";;") => {
                    self.next()?;
                    self.linebreak()?;
                }
                k if k.is("esac") => {}
                _ => return Err(self.unexpected("esac")),
            }
        }
    }

    fn simple(&mut self) -> PRes<Cmd> {
        let line = self.tok_line()?;
        let mut s = Simple {
            line,
            assigns: Vec::new(),
            words: Vec::new(),
            redirs: Vec::new(),
        };
        loop {
            match self.kind()? {
                K::Word(_) => {
                    let Tok::Word(w) = self.next()? else { break };
                    if s.words.is_empty()
                        && let Some(a) = split_assignment(&w)
                    {
                        s.assigns.push(a);
                        continue;
                    }
                    s.words.push(w);
                    if s.words.len() == 1
                        && s.assigns.is_empty()
                        && s.redirs.is_empty()
                        && self.kind()? == K::Op("(")
                    {
                        let name = match s.words[0].plain() {
                            Some(n) if is_name(n) || n.chars().all(|c| c.is_ascii_graphic()) => {
                                n.to_owned()
                            }
                            _ => return self.err("Bad function name"),
                        };
                        self.next()?;
                        self.expect_op(")")?;
                        self.linebreak()?;
                        self.enter()?;
                        let body = self.command()?;
                        self.depth -= 1;
                        return Ok(Cmd::Func(name, Rc::new(body)));
                    }
                }
                K::Redir => {
                    let r = self.redir()?;
                    s.redirs.push(r);
                }
                _ => break,
            }
        }
        Ok(Cmd::Simple(s))
    }

    fn redir(&mut self) -> PRes<Redir> {
        let Tok::Redir(fd, op, strip) = self.next()? else {
            return self.err("redirection expected");
        };
        let target = match self.kind()? {
            K::Word(_) => match self.next()? {
                Tok::Word(w) => w,
                _ => Word::default(),
            },
            _ => return Err(self.unexpected("")),
        };
        let fd = fd.unwrap_or(match op {
            ROp::Out | ROp::Append | ROp::DupOut => 1,
            _ => 0,
        });
        let here = if op == ROp::Here {
            let (delim, quoted) = target.literal_text();
            let body = Rc::new(RefCell::new(Word::default()));
            self.pending.push(PendingHere {
                delim,
                strip_tabs: strip,
                quoted,
                body: body.clone(),
            });
            Some(body)
        } else {
            None
        };
        Ok(Redir {
            fd,
            op,
            target,
            here,
        })
    }
}

/// `NAME=value` as an assignment.
fn split_assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = w.parts.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = &first[..eq];
    if !is_name(name) {
        return None;
    }
    let mut value = Word::default();
    let rest = &first[eq + 1..];
    if !rest.is_empty() {
        value.parts.push(Part::Lit(rest.to_owned()));
    }
    value.parts.extend(w.parts[1..].iter().cloned());
    Some((name.to_owned(), value))
}

// ---------------------------------------------------------------------------
// sh: execution

/// A buffer index meaning "discard".
const NULL: usize = usize::MAX;
/// The script's own stdout and stderr.
const TOP: Io = Io { out: 0, err: 1 };
/// Simulated cost of starting the shell, of a builtin, and of an external command.
const SH_START_US: u64 = 3_000;
const BUILTIN_US: u64 = 20;
const EXTERNAL_US: u64 = 2_000;

/// Where a command's stdout and stderr go: indexes into the shell's buffers.
#[derive(Debug, Clone, Copy)]
struct Io {
    out: usize,
    err: usize,
}

/// A command's standard input: what is left of a pipe, file or here-document.
struct Input<'a> {
    data: &'a str,
    pos: usize,
}

impl<'a> Input<'a> {
    fn new(data: &'a str) -> Self {
        Input { data, pos: 0 }
    }

    fn rest(&mut self) -> &'a str {
        let r = &self.data[self.pos..];
        self.pos = self.data.len();
        r
    }

    /// The next line without its newline, and whether a newline ended it.
    fn line(&mut self) -> Option<(&'a str, bool)> {
        let r = &self.data[self.pos..];
        if r.is_empty() {
            return None;
        }
        match r.find('\n') {
            Some(i) => {
                self.pos += i + 1;
                Some((&r[..i], true))
            }
            None => {
                self.pos = self.data.len();
                Some((r, false))
            }
        }
    }
}

/// Non-local control flow.
#[derive(Debug)]
enum Flow {
    Exit(i32),
    Break(u32),
    Continue(u32),
    Return(i32),
    /// The work budget ran out.
    Abort,
}

type Ex = Result<i32, Flow>;

#[derive(Debug, Clone)]
struct ShVar {
    value: String,
    exported: bool,
}

/// Output of one command, before it is routed.
#[derive(Default)]
struct Out {
    out: String,
    err: String,
}

impl Out {
    fn full(&self) -> bool {
        self.out.len() >= OUTPUT_CAP
    }

    fn line(&mut self, s: &str) {
        if !self.full() {
            self.out.push_str(s);
            self.out.push('\n');
        }
    }

    fn err_line(&mut self, s: &str) {
        self.err.push_str(s);
        self.err.push('\n');
    }
}

/// A piece of an expanded word.
enum Piece {
    Lit(String),
    Quoted(String),
    /// An unquoted expansion: subject to field splitting.
    Split(String),
    /// Between the fields of `"$@"`.
    Break,
    /// `"$@"` with no arguments: the word makes no field if nothing else is in it.
    NoArgs,
}

struct Redirected {
    io: Io,
    input: Option<String>,
    /// Buffers to store into files afterwards: (buffer, path, append).
    files: Vec<(usize, String, bool)>,
}

enum Lookup {
    File(String),
    Dir,
    Missing,
}

/// A running shell.
struct Sh {
    host: Host,
    vars: BTreeMap<String, ShVar>,
    args: Vec<String>,
    funcs: BTreeMap<String, Rc<Cmd>>,
    cwd: String,
    status: i32,
    errexit: bool,
    nounset: bool,
    xtrace: bool,
    pipefail: bool,
    /// Inside an `if`/`while` condition or a non-final `&&`/`||` operand.
    cond: u32,
    loops: u32,
    depth: usize,
    locals: Vec<Vec<(String, Option<ShVar>)>>,
    /// 0: stdout, 1: stderr, then pipes, captures and file buffers (a stack).
    bufs: Vec<String>,
    files: BTreeMap<String, String>,
    made_dirs: BTreeSet<String>,
    removed: BTreeSet<String>,
    clock_us: u64,
    bg_until_us: u64,
    work: u64,
    line: usize,
    sub_status: Option<i32>,
    exit_trap: Option<String>,
    last_bg: Option<u32>,
    next_pid: u32,
    /// The commands of the pipeline running now, for `ps`.
    procs: Vec<String>,
}

/// Runs a POSIX-sh-like script (lines joined with '\n', as runCommand lists are).
///
/// Syntax: simple commands, `;`, `&` (run in order; `wait` joins the clock),
/// newlines, `&&`, `||`, `!`, pipes, `#` comments, quotes and backslashes,
/// `$VAR`, `${VAR}`, `${VAR:-x}` and kin, `${#VAR}`, `${VAR%pat}` and kin,
/// `$(...)`, backquotes, `$((...))`, `~`, redirections (`>`, `>>`, `<`, `2>&1`,
/// here-documents), assignments, `if`, `for`, `while`, `until`, `case`, `{ }`,
/// `( )` and functions. Builtins: `echo`, `printf`, `cd`, `pwd`, `exit`,
/// `true`, `false`, `:`, `export`, `readonly`, `unset`, `local`, `set` (`-e`,
/// `-u`, `-x`), `shift`, `read`, `test`/`[`, `eval`, `.`, `command`, `type`,
/// `trap` (EXIT), `wait`, `umask`, `exec`, `return`, `break`, `continue`.
/// Commands: `hostname`, `uname`, `whoami`, `id`, `uptime`, `date`, `cat`,
/// `df`, `free`, `ps`, `sleep`, `seq`, `grep`, `head`, `tail`, `wc`, `sort`,
/// `uniq`, `tr`, `cut`, `tee`, `ls`, `mkdir`, `touch`, `rm`, `basename`,
/// `dirname`, `env`, `printenv`, `which`, `nproc`, `yes`, `systemctl`
/// (Linux), `sw_vers` (macOS), `sh`/`bash`. Anything else is "not found".
pub(crate) fn run_shell(machine: &Machine, script: &str) -> Outcome {
    let host = Host::new(machine);
    if host.is_windows() {
        return Outcome {
            stdout: String::new(),
            stderr: "failed to run commands: aws:runShellScript is not supported on Windows; \
                     use aws:runPowerShellScript\n"
                .to_owned(),
            exit_code: 1,
            duration_ms: 0,
        };
    }
    let mut sh = Sh::new(host);
    let status = sh.run_script(script);
    sh.finish(status)
}

impl Sh {
    fn new(host: Host) -> Self {
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: &str, exported: bool| {
            vars.insert(
                k.to_owned(),
                ShVar {
                    value: v.to_owned(),
                    exported,
                },
            );
        };
        let cwd = "/var/lib/sysman/run";
        set("HOME", host.home(), true);
        set("USER", "root", true);
        set("LOGNAME", "root", true);
        set("PATH", host.path_var(), true);
        set("PWD", cwd, true);
        set("HOSTNAME", &host.hostname.clone(), true);
        set("LANG", "C.UTF-8", true);
        set("IFS", " \t\n", false);
        set("PPID", &(host.shell_pid - 1).to_string(), false);
        set("OPTIND", "1", false);
        set("PS1", "# ", false);
        set("PS2", "> ", false);
        set("PS4", "+ ", false);
        let next_pid = host.shell_pid + 1;
        Sh {
            host,
            vars,
            args: Vec::new(),
            funcs: BTreeMap::new(),
            cwd: cwd.to_owned(),
            status: 0,
            errexit: false,
            nounset: false,
            xtrace: false,
            pipefail: false,
            cond: 0,
            loops: 0,
            depth: 0,
            locals: Vec::new(),
            bufs: vec![String::new(), String::new()],
            files: BTreeMap::new(),
            made_dirs: BTreeSet::new(),
            removed: BTreeSet::new(),
            clock_us: SH_START_US,
            bg_until_us: 0,
            work: 0,
            line: 1,
            sub_status: None,
            exit_trap: None,
            last_bg: None,
            next_pid,
            procs: Vec::new(),
        }
    }

    fn run_script(&mut self, script: &str) -> i32 {
        let src: Vec<char> = script.chars().collect();
        self.work += src.len() as u64 / BYTES_PER_UNIT;
        let mut status = match self.run_source(&src, 1, TOP, "") {
            Ok(s) | Err(Flow::Exit(s) | Flow::Return(s)) => s,
            Err(Flow::Break(_) | Flow::Continue(_)) => 0,
            Err(Flow::Abort) => return self.abort(),
        };
        if let Some(trap) = self.exit_trap.take() {
            self.status = status;
            let src: Vec<char> = trap.chars().collect();
            match self.run_source(&src, self.line, TOP, "") {
                Err(Flow::Exit(s)) => status = s,
                Err(Flow::Abort) => return self.abort(),
                _ => {}
            }
        }
        status
    }

    fn abort(&mut self) -> i32 {
        self.write(1, "sh: simulator: work limit exceeded, script stopped\n");
        ABORT_STATUS
    }

    /// Parses and runs source text command by command, as dash does: a syntax
    /// error stops it (status 2) after the commands before it ran.
    fn run_source(&mut self, src: &[char], line: usize, io: Io, what: &str) -> Ex {
        let mut p = Parser::new(src, line, 0);
        let mut status = 0;
        loop {
            match p.next_command() {
                Ok(None) => return Ok(status),
                Ok(Some(list)) => status = self.run_list(&list, &mut Input::new(""), io)?,
                Err(e) => {
                    let prefix = if e.bare { "" } else { "Syntax error: " };
                    let msg = format!("sh: {}: {what}{prefix}{}\n", e.line, e.msg);
                    self.write(io.err, &msg);
                    self.status = 2;
                    return Err(Flow::Exit(2));
                }
            }
        }
    }

    fn finish(mut self, status: i32) -> Outcome {
        let end = self.clock_us.max(self.bg_until_us);
        let stderr = std::mem::take(&mut self.bufs[1]);
        let stdout = std::mem::take(&mut self.bufs[0]);
        Outcome {
            stdout,
            stderr,
            exit_code: status,
            duration_ms: end.div_ceil(1000),
        }
    }

    // --- output ---

    fn write(&mut self, t: usize, s: &str) {
        if t == NULL || s.is_empty() {
            return;
        }
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let used = if t <= 1 {
            self.bufs[0].len() + self.bufs[1].len()
        } else {
            self.bufs[t].len()
        };
        let n = floor_boundary(s, OUTPUT_CAP.saturating_sub(used));
        self.bufs[t].push_str(&s[..n]);
    }

    /// `sh: LINE: msg` on `err`.
    fn say(&mut self, err: usize, msg: &str) {
        let line = format!("sh: {}: {msg}\n", self.line);
        self.write(err, &line);
    }

    fn charge(&mut self, units: u64) -> Result<(), Flow> {
        self.work += units;
        if self.work > WORK_LIMIT {
            Err(Flow::Abort)
        } else {
            Ok(())
        }
    }

    fn alloc(&mut self) -> usize {
        self.bufs.push(String::new());
        self.bufs.len() - 1
    }

    fn release(&mut self, t: usize) -> String {
        let s = std::mem::take(&mut self.bufs[t]);
        self.bufs.truncate(t);
        s
    }

    // --- variables ---

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    fn set_var(&mut self, name: &str, value: String) {
        match self.vars.get_mut(name) {
            Some(v) => v.value = value,
            None => {
                self.vars.insert(
                    name.to_owned(),
                    ShVar {
                        value,
                        exported: false,
                    },
                );
            }
        }
    }

    fn param(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.host.shell_pid.to_string()),
            "#" => Some(self.args.len().to_string()),
            "0" => Some("sh".to_owned()),
            "!" => self.last_bg.map(|p| p.to_string()),
            "-" => {
                let mut f = String::new();
                for (on, c) in [(self.errexit, 'e'), (self.nounset, 'u'), (self.xtrace, 'x')] {
                    if on {
                        f.push(c);
                    }
                }
                Some(f)
            }
            "@" | "*" => {
                let sep = self.var("IFS").map_or(Some(' '), |ifs| ifs.chars().next());
                Some(self.args.join(&sep.map(String::from).unwrap_or_default()))
            }
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0)
                .and_then(|i| self.args.get(i - 1).cloned()),
            _ => self.var(name).map(str::to_owned),
        }
    }

    // --- lists and commands ---

    fn run_list(&mut self, list: &List, inp: &mut Input, io: Io) -> Ex {
        let mut st = 0;
        for (ao, bg) in list {
            st = if *bg {
                self.background(ao, io)?
            } else {
                self.run_and_or(ao, inp, io)?
            };
            self.status = st;
        }
        Ok(st)
    }

    fn background(&mut self, ao: &AndOr, io: Io) -> Ex {
        let start = self.clock_us;
        let r = self.subshell(|sh| sh.run_and_or(ao, &mut Input::new(""), io));
        self.bg_until_us = self.bg_until_us.max(self.clock_us);
        self.clock_us = start;
        self.last_bg = Some(self.next_pid);
        self.next_pid += 1;
        r.map(|_| 0)
    }

    fn run_and_or(&mut self, ao: &AndOr, inp: &mut Input, io: Io) -> Ex {
        let mut st = self.run_guarded(&ao.first, inp, io, ao.rest.is_empty())?;
        for (i, (and, p)) in ao.rest.iter().enumerate() {
            if *and == (st == 0) {
                st = self.run_guarded(p, inp, io, i + 1 == ao.rest.len())?;
            }
        }
        Ok(st)
    }

    /// A pipeline, with `set -e` applied if it is the last of its and-or list.
    fn run_guarded(&mut self, p: &Pipeline, inp: &mut Input, io: Io, last: bool) -> Ex {
        if !last {
            self.cond += 1;
        }
        let r = self.run_pipeline(p, inp, io);
        if !last {
            self.cond -= 1;
        }
        let st = r?;
        self.status = st;
        if last && st != 0 && self.errexit && self.cond == 0 && !p.bang {
            return Err(Flow::Exit(st));
        }
        Ok(st)
    }

    fn run_pipeline(&mut self, p: &Pipeline, inp: &mut Input, io: Io) -> Ex {
        let st = if let [only] = p.cmds.as_slice() {
            self.run_cmd(only, inp, io)?
        } else {
            let procs = p.cmds.iter().map(|c| self.describe(c)).collect();
            let saved = std::mem::replace(&mut self.procs, procs);
            let r = self.run_stages(p, inp, io);
            self.procs = saved;
            r?
        };
        Ok(if p.bang { i32::from(st == 0) } else { st })
    }

    fn run_stages(&mut self, p: &Pipeline, inp: &mut Input, io: Io) -> Ex {
        let mut data = String::new();
        let mut st = 0;
        let mut failed = 0;
        for (i, c) in p.cmds.iter().enumerate() {
            let last = i + 1 == p.cmds.len();
            let out = if last { io.out } else { self.alloc() };
            let sio = Io { out, err: io.err };
            let r = if i == 0 {
                self.subshell(|sh| sh.run_cmd(c, inp, sio))
            } else {
                let mut pin = Input::new(&data);
                self.subshell(|sh| sh.run_cmd(c, &mut pin, sio))
            };
            if !last {
                data = self.release(out);
            }
            st = r?;
            if st != 0 {
                failed = st;
            }
        }
        Ok(if self.pipefail && st == 0 { failed } else { st })
    }

    /// The command line `ps` shows for a pipeline stage.
    fn describe(&self, c: &Cmd) -> String {
        let Cmd::Simple(s) = c else {
            return "sh".to_owned();
        };
        let mut words = Vec::new();
        for w in &s.words {
            let mut text = String::new();
            for p in &w.parts {
                match p {
                    Part::Lit(t) | Part::Quoted(t) => text.push_str(t),
                    Part::Param(p) => text.push_str(&self.param(&p.name).unwrap_or_default()),
                    Part::Sub(..) | Part::Arith(..) => {}
                }
            }
            words.push(text);
        }
        words.join(" ")
    }

    /// Runs `f` in a subshell: variables, functions, options, directory and
    /// traps are restored afterwards, and `exit` only leaves the subshell.
    fn subshell(&mut self, f: impl FnOnce(&mut Self) -> Ex) -> Ex {
        let bytes: usize = self.vars.values().map(|v| v.value.len()).sum();
        self.charge(1 + bytes as u64 / BYTES_PER_UNIT)?;
        let vars = self.vars.clone();
        let args = self.args.clone();
        let funcs = self.funcs.clone();
        let cwd = self.cwd.clone();
        let opts = (self.errexit, self.nounset, self.xtrace, self.pipefail);
        let trap = self.exit_trap.take();
        let loops = std::mem::replace(&mut self.loops, 0);
        let locals = self.locals.len();
        let r = f(self);
        self.vars = vars;
        self.args = args;
        self.funcs = funcs;
        self.cwd = cwd;
        (self.errexit, self.nounset, self.xtrace, self.pipefail) = opts;
        self.exit_trap = trap;
        self.loops = loops;
        self.locals.truncate(locals);
        match r {
            Ok(s) | Err(Flow::Exit(s) | Flow::Return(s)) => Ok(s),
            Err(Flow::Break(_) | Flow::Continue(_)) => Ok(0),
            Err(Flow::Abort) => Err(Flow::Abort),
        }
    }

    fn run_cmd(&mut self, c: &Cmd, inp: &mut Input, io: Io) -> Ex {
        match c {
            Cmd::Simple(s) => self.run_simple(s, inp, io),
            Cmd::Func(name, body) => {
                self.funcs.insert(name.clone(), body.clone());
                Ok(0)
            }
            Cmd::Compound(body, redirs) if redirs.is_empty() => self.run_compound(body, inp, io),
            Cmd::Compound(body, redirs) => {
                let mark = self.bufs.len();
                match self.open_redirs(redirs, io)? {
                    Err(st) => Ok(st),
                    Ok(mut rd) => {
                        let r = match rd.input.take() {
                            Some(text) => self.run_compound(body, &mut Input::new(&text), rd.io),
                            None => self.run_compound(body, inp, rd.io),
                        };
                        self.close_redirs(rd, mark);
                        r
                    }
                }
            }
        }
    }

    fn run_compound(&mut self, c: &Compound, inp: &mut Input, io: Io) -> Ex {
        self.depth += 1;
        let r = if self.depth > MAX_NEST * 2 {
            self.say(io.err, "nesting too deep");
            Err(Flow::Exit(2))
        } else {
            self.run_compound_inner(c, inp, io)
        };
        self.depth -= 1;
        r
    }

    fn run_compound_inner(&mut self, c: &Compound, inp: &mut Input, io: Io) -> Ex {
        match c {
            Compound::Brace(l) => self.run_list(l, inp, io),
            Compound::Sub(l) => self.subshell(|sh| sh.run_list(l, inp, io)),
            Compound::If(arms, els) => {
                for (cond, body) in arms {
                    if self.condition(cond, inp, io)? == 0 {
                        return self.run_list(body, inp, io);
                    }
                }
                match els {
                    Some(b) => self.run_list(b, inp, io),
                    None => Ok(0),
                }
            }
            Compound::For(name, words, body) => {
                let items = match words {
                    Some(ws) => {
                        let mut items = Vec::new();
                        for w in ws {
                            self.expand_fields(w, io.err, &mut items)?;
                        }
                        items
                    }
                    None => self.args.clone(),
                };
                self.loops += 1;
                let r = self.for_loop(name, items, body, inp, io);
                self.loops -= 1;
                r
            }
            Compound::Loop(until, cond, body) => {
                self.loops += 1;
                let r = self.while_loop(*until, cond, body, inp, io);
                self.loops -= 1;
                r
            }
            Compound::Case(word, arms) => {
                let w = self.expand_string(word, io.err)?;
                for (pats, body) in arms {
                    for p in pats {
                        let pat = self.expand_pattern(p, io.err)?;
                        let pc: Vec<char> = pat.chars().collect();
                        let wc: Vec<char> = w.chars().collect();
                        self.charge((pc.len() * wc.len() / 1024) as u64)?;
                        if glob_match(&pc, &wc) {
                            return self.run_list(body, inp, io);
                        }
                    }
                }
                Ok(0)
            }
        }
    }

    fn condition(&mut self, cond: &List, inp: &mut Input, io: Io) -> Ex {
        self.cond += 1;
        let r = self.run_list(cond, inp, io);
        self.cond -= 1;
        r
    }

    fn for_loop(
        &mut self,
        name: &str,
        items: Vec<String>,
        body: &List,
        inp: &mut Input,
        io: Io,
    ) -> Ex {
        let mut st = 0;
        for item in items {
            self.charge(1)?;
            self.set_var(name, item);
            match self.run_list(body, inp, io) {
                Ok(s) => st = s,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => st = 0,
                Err(e) => return Err(e),
            }
        }
        Ok(st)
    }

    fn while_loop(&mut self, until: bool, cond: &List, body: &List, inp: &mut Input, io: Io) -> Ex {
        let mut st = 0;
        loop {
            self.charge(1)?;
            let c = match self.condition(cond, inp, io) {
                Ok(c) => c,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => continue,
                Err(e) => return Err(e),
            };
            if (c == 0) == until {
                return Ok(st);
            }
            match self.run_list(body, inp, io) {
                Ok(s) => st = s,
                Err(Flow::Break(n)) => {
                    return if n > 1 {
                        Err(Flow::Break(n - 1))
                    } else {
                        Ok(0)
                    };
                }
                Err(Flow::Continue(n)) if n > 1 => return Err(Flow::Continue(n - 1)),
                Err(Flow::Continue(_)) => st = 0,
                Err(e) => return Err(e),
            }
        }
    }

    fn run_simple(&mut self, s: &Simple, inp: &mut Input, io: Io) -> Ex {
        self.line = s.line;
        self.charge(1)?;
        self.sub_status = None;
        let mut argv = Vec::new();
        for w in &s.words {
            self.expand_fields(w, io.err, &mut argv)?;
        }
        let mut assigned = Vec::new();
        for (name, w) in &s.assigns {
            let v = self.expand_string(w, io.err)?;
            assigned.push((name.clone(), v));
        }
        if self.xtrace {
            let mut t: Vec<String> = assigned.iter().map(|(n, v)| format!("{n}={v}")).collect();
            t.extend(argv.iter().cloned());
            let ps4 = self.var("PS4").unwrap_or("+ ").to_owned();
            let line = format!("{ps4}{}\n", t.join(" "));
            self.write(io.err, &line);
        }
        if argv.is_empty() {
            for (name, v) in assigned {
                self.set_var(&name, v);
            }
            let st = self.sub_status.unwrap_or(0);
            let mark = self.bufs.len();
            return match self.open_redirs(&s.redirs, io)? {
                Ok(rd) => {
                    self.close_redirs(rd, mark);
                    Ok(st)
                }
                Err(code) => Ok(code),
            };
        }
        let mut saved = Vec::new();
        for (name, v) in assigned {
            let old = self.vars.insert(
                name.clone(),
                ShVar {
                    value: v,
                    exported: true,
                },
            );
            saved.push((name, old));
        }
        let mark = self.bufs.len();
        let r = match self.open_redirs(&s.redirs, io) {
            Err(f) => Err(f),
            Ok(Err(code)) => Ok(code),
            Ok(Ok(mut rd)) => {
                let r = match rd.input.take() {
                    Some(text) => self.dispatch(&argv, &mut Input::new(&text), rd.io),
                    None => self.dispatch(&argv, inp, rd.io),
                };
                self.close_redirs(rd, mark);
                r
            }
        };
        for (name, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
        r
    }

    // --- redirections and files ---

    fn open_redirs(&mut self, redirs: &[Redir], io: Io) -> Result<Result<Redirected, i32>, Flow> {
        let mut rd = Redirected {
            io,
            input: None,
            files: Vec::new(),
        };
        for r in redirs {
            let target = match &r.here {
                Some(body) => {
                    let w = body.borrow().clone();
                    let text = self.expand_string(&w, io.err)?;
                    if r.fd == 0 {
                        rd.input = Some(text);
                    }
                    continue;
                }
                None => self.expand_string(&r.target, io.err)?,
            };
            let t = match r.op {
                ROp::Out | ROp::Append | ROp::ReadWrite => {
                    match self.open_write(&target, r.op == ROp::Append, &mut rd) {
                        Ok(t) => t,
                        Err(msg) => {
                            self.say(io.err, &msg);
                            return Ok(Err(2));
                        }
                    }
                }
                ROp::In => match self.lookup(&target) {
                    Lookup::File(text) => {
                        if r.fd == 0 {
                            rd.input = Some(text);
                        }
                        continue;
                    }
                    _ => {
                        self.say(io.err, &format!("cannot open {target}: No such file"));
                        return Ok(Err(2));
                    }
                },
                ROp::DupOut | ROp::DupIn => match target.as_str() {
                    "1" => rd.io.out,
                    "2" => rd.io.err,
                    "-" => NULL,
                    "0" if r.op == ROp::DupIn => continue,
                    _ => {
                        self.say(io.err, &format!("{target}: Bad file descriptor"));
                        return Ok(Err(2));
                    }
                },
                ROp::Here => continue,
            };
            match r.fd {
                1 => rd.io.out = t,
                2 => rd.io.err = t,
                _ => {}
            }
        }
        Ok(Ok(rd))
    }

    fn open_write(
        &mut self,
        target: &str,
        append: bool,
        rd: &mut Redirected,
    ) -> Result<usize, String> {
        let path = self.resolve(target);
        match path.as_str() {
            "/dev/null" => return Ok(NULL),
            "/dev/stdout" | "/dev/fd/1" => return Ok(rd.io.out),
            "/dev/stderr" | "/dev/fd/2" => return Ok(rd.io.err),
            _ => {}
        }
        if self.is_dir(&path) {
            return Err(format!("cannot create {target}: Is a directory"));
        }
        if !self.is_dir(parent(&path)) {
            return Err(format!("cannot create {target}: Directory nonexistent"));
        }
        let t = self.alloc();
        rd.files.push((t, path, append));
        Ok(t)
    }

    /// Stores what went to file redirections, and frees their buffers.
    fn close_redirs(&mut self, rd: Redirected, mark: usize) {
        for (t, path, append) in rd.files {
            let text = std::mem::take(&mut self.bufs[t]);
            self.store_file(&path, &text, append);
        }
        self.bufs.truncate(mark);
    }

    fn store_file(&mut self, path: &str, text: &str, append: bool) {
        let mut content = if append {
            match self.lookup(path) {
                Lookup::File(old) => old,
                _ => String::new(),
            }
        } else {
            String::new()
        };
        content.push_str(text);
        let others: usize = self
            .files
            .iter()
            .filter(|(k, _)| *k != path)
            .map(|(_, v)| v.len())
            .sum();
        truncate_at(&mut content, FILES_CAP.saturating_sub(others));
        self.removed.remove(path);
        self.files.insert(path.to_owned(), content);
    }

    fn resolve(&self, p: &str) -> String {
        normalize(&self.cwd, p)
    }

    fn is_dir(&self, path: &str) -> bool {
        !self.removed.contains(path)
            && (self.made_dirs.contains(path)
                || if self.host.is_mac() {
                    MAC_DIRS.contains(&path)
                } else {
                    LINUX_DIRS.contains(&path)
                }
                || self.extra_dir(path))
    }

    fn extra_dir(&self, path: &str) -> bool {
        let user = default_user(self.host.platform);
        if self.host.is_mac() {
            return false;
        }
        path == format!("/home/{user}")
            || (path == "/snap" || path == "/snap/bin")
                && matches!(
                    self.host.platform,
                    SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404
                )
    }

    fn lookup(&self, p: &str) -> Lookup {
        let path = self.resolve(p);
        if let Some(c) = self.files.get(&path) {
            return Lookup::File(c.clone());
        }
        if self.is_dir(&path) {
            return Lookup::Dir;
        }
        if self.removed.contains(&path) {
            return Lookup::Missing;
        }
        match self.system_file(&path) {
            Some(c) => Lookup::File(c),
            None => Lookup::Missing,
        }
    }

    /// Files the simulated system has.
    fn system_file(&self, path: &str) -> Option<String> {
        let h = &self.host;
        let p = h.platform;
        if path == "/dev/null" {
            return Some(String::new());
        }
        if h.is_mac() {
            return match path {
                "/etc/hosts" | "/private/etc/hosts" => Some(
                    "##\n# Host Database\n#\n# localhost is used to configure the loopback interface\n\
                     # when the system is booting.  Do not change this entry.\n##\n\
                     127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n"
                        .to_owned(),
                ),
                "/etc/shells" | "/private/etc/shells" => {
                    Some("/bin/bash\n/bin/csh\n/bin/dash\n/bin/ksh\n/bin/sh\n/bin/tcsh\n/bin/zsh\n".to_owned())
                }
                _ => None,
            };
        }
        let (release, version) = kernel(p);
        Some(match path {
            "/etc/os-release" | "/usr/lib/os-release" => os_release(p)?.to_owned(),
            "/etc/hostname" => format!("{}\n", h.hostname),
            "/etc/hosts" => match p {
                SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9 => "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n\
                     ::1         localhost6 localhost6.localdomain6\n"
                    .to_owned(),
                _ => format!(
                    "127.0.0.1 localhost\n{} {}\n\n# The following lines are desirable for IPv6 capable hosts\n\
                     ::1 ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\n\
                     ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\nff02::3 ip6-allhosts\n",
                    h.ip, h.hostname
                ),
            },
            "/etc/machine-id" => format!("{:016x}{:016x}\n", h.rand("machine-id"), h.rand("machine-id-2")),
            "/etc/system-release" => match p {
                SimPlatform::AmazonLinux2023 => "Amazon Linux release 2023.6.20241010 (Amazon Linux)\n".to_owned(),
                SimPlatform::Rhel9 => "Red Hat Enterprise Linux release 9.4 (Plow)\n".to_owned(),
                _ => return None,
            },
            "/etc/redhat-release" if p == SimPlatform::Rhel9 => {
                "Red Hat Enterprise Linux release 9.4 (Plow)\n".to_owned()
            }
            "/etc/debian_version" => match p {
                SimPlatform::Debian12 => "12.7\n".to_owned(),
                SimPlatform::Ubuntu2204 => "bookworm/sid\n".to_owned(),
                SimPlatform::Ubuntu2404 => "trixie/sid\n".to_owned(),
                _ => return None,
            },
            "/etc/lsb-release" => match p {
                SimPlatform::Ubuntu2204 => "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n\
                                            DISTRIB_DESCRIPTION=\"Ubuntu 22.04.5 LTS\"\n"
                    .to_owned(),
                SimPlatform::Ubuntu2404 => "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\nDISTRIB_CODENAME=noble\n\
                                            DISTRIB_DESCRIPTION=\"Ubuntu 24.04.1 LTS\"\n"
                    .to_owned(),
                _ => return None,
            },
            "/etc/shells" => "/bin/sh\n/bin/bash\n/usr/bin/sh\n/usr/bin/bash\n".to_owned(),
            "/etc/passwd" => format!(
                "root:x:0:0:root:/root:/bin/bash\n\
                 daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                 nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n\
                 sshd:x:74:74:Privilege-separated SSH:/usr/share/empty.sshd:/sbin/nologin\n\
                 {u}:x:1000:1000::/home/{u}:/bin/bash\n",
                u = default_user(p)
            ),
            "/proc/uptime" => {
                let up = h.now_ms - h.boot_ms;
                let idle = up / 10 * i64::from(h.cpus) * 9;
                format!("{}.{:02} {}.{:02}\n", up / 1000, up % 1000 / 10, idle / 1000, idle % 1000 / 10)
            }
            "/proc/loadavg" => format!(
                "{} {} {} 1/{} {}\n",
                hundredths(h.load[0]),
                hundredths(h.load[1]),
                hundredths(h.load[2]),
                180 + h.rand("threads") % 120,
                h.shell_pid + 1
            ),
            "/proc/meminfo" => {
                let m = &h.mem;
                let rows = [
                    ("MemTotal", m.total),
                    ("MemFree", m.free),
                    ("MemAvailable", m.available),
                    ("Buffers", m.cache / 20),
                    ("Cached", m.cache - m.cache / 20 - m.cache / 10),
                    ("SwapCached", 0),
                    ("Shmem", m.shared),
                    ("SReclaimable", m.cache / 10),
                    ("SwapTotal", 0),
                    ("SwapFree", 0),
                ];
                rows.iter().map(|(k, v)| format!("{:<16}{v:>8} kB\n", format!("{k}:"))).collect()
            }
            "/proc/version" => format!(
                "Linux version {release} (mockbuild@builder) (gcc (GCC) 11.4.1 20231218, GNU ld version 2.39) \
                 {version}\n"
            ),
            "/proc/cpuinfo" => (0..h.cpus)
                .map(|i| {
                    format!(
                        "processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum \
                         8259CL CPU @ 2.50GHz\ncpu MHz\t\t: 2499.998\ncpu cores\t: {}\n\n",
                        h.cpus.div_ceil(2)
                    )
                })
                .collect(),
            _ => return None,
        })
    }
}

fn hundredths(v: u32) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// Absolute, with `.` and `..` resolved.
fn normalize(cwd: &str, p: &str) -> String {
    let full = if p.starts_with('/') {
        p.to_owned()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Shell pattern matching: `*`, `?`, `[...]` and backslash escapes.
fn glob_match(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let step = match p[pi] {
                '*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                '?' => Some(1),
                '[' => match bracket(p, pi, s[si]) {
                    Some((true, next)) => Some(next - pi),
                    Some((false, _)) => None,
                    None => (s[si] == '[').then_some(1),
                },
                '\\' if pi + 1 < p.len() => (p[pi + 1] == s[si]).then_some(2),
                c => (c == s[si]).then_some(1),
            };
            if let Some(n) = step {
                pi += n;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at `p[i]`: whether it matches `c`, and where it ends.
fn bracket(p: &[char], i: usize, c: char) -> Option<(bool, usize)> {
    let mut j = i + 1;
    let negate = matches!(p.get(j), Some('!' | '^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(j)?;
        if ch == ']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        if ch == '[' && p.get(j + 1) == Some(&':') {
            let rest: String = p[j + 2..].iter().collect();
            let end = rest.find(":]")?;
            let class = &rest[..end];
            matched |= match class {
                "alpha" => c.is_alphabetic(),
                "digit" => c.is_ascii_digit(),
                "alnum" => c.is_alphanumeric(),
                "upper" => c.is_uppercase(),
                "lower" => c.is_lowercase(),
                "space" => c.is_whitespace(),
                "blank" => c == ' ' || c == '\t',
                "punct" => c.is_ascii_punctuation(),
                "xdigit" => c.is_ascii_hexdigit(),
                _ => false,
            };
            j += 2 + end + 2;
            continue;
        }
        if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|&e| e != ']') {
            let hi = p[j + 2];
            matched |= ch <= c && c <= hi;
            j += 3;
        } else {
            matched |= ch == c;
            j += 1;
        }
    }
}

// --- expansion ---

impl Sh {
    /// Expands a word into fields (field splitting, no globbing).
    fn expand_fields(&mut self, w: &Word, err: usize, out: &mut Vec<String>) -> Result<(), Flow> {
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let ifs = if pieces.iter().any(|p| matches!(p, Piece::Split(_))) {
            self.var("IFS").unwrap_or(" \t\n").to_owned()
        } else {
            String::new()
        };
        let mut cur = String::new();
        let mut has = false;
        let mut after_space = false;
        let mut no_args = false;
        let mut content = false;
        for p in pieces {
            match p {
                Piece::Lit(s) | Piece::Quoted(s) => {
                    content |= !s.is_empty();
                    cur.push_str(&s);
                    has = true;
                    after_space = false;
                }
                Piece::NoArgs => no_args = true,
                Piece::Split(s) => {
                    content |= !s.is_empty();
                    for ch in s.chars() {
                        if !ifs.contains(ch) {
                            cur.push(ch);
                            has = true;
                            after_space = false;
                        } else if ch == ' ' || ch == '\t' || ch == '\n' {
                            if has {
                                out.push(std::mem::take(&mut cur));
                                has = false;
                                after_space = true;
                            }
                        } else {
                            if has || !after_space {
                                out.push(std::mem::take(&mut cur));
                            }
                            has = false;
                            after_space = false;
                        }
                    }
                }
                Piece::Break => {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
        }
        if has && (content || !no_args) {
            out.push(cur);
        }
        Ok(())
    }

    /// Expands a word into one string (assignments, redirections, `case`).
    fn expand_string(&mut self, w: &Word, err: usize) -> Result<String, Flow> {
        if let [Part::Lit(s) | Part::Quoted(s)] = w.parts.as_slice()
            && !s.starts_with('~')
        {
            return Ok(s.clone());
        }
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let mut s = String::new();
        for p in pieces {
            match p {
                Piece::Lit(t) | Piece::Quoted(t) | Piece::Split(t) => s.push_str(&t),
                Piece::Break => s.push(' '),
                Piece::NoArgs => {}
            }
        }
        truncate_at(&mut s, OUTPUT_CAP);
        Ok(s)
    }

    /// Expands a word into a pattern: quoted characters lose their magic.
    fn expand_pattern(&mut self, w: &Word, err: usize) -> Result<String, Flow> {
        let mut pieces = Vec::new();
        self.expand_pieces(w, err, &mut pieces)?;
        let mut s = String::new();
        for p in pieces {
            match p {
                Piece::Lit(t) | Piece::Split(t) => s.push_str(&t),
                Piece::Quoted(t) => {
                    for c in t.chars() {
                        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                            s.push('\\');
                        }
                        s.push(c);
                    }
                }
                Piece::Break => s.push(' '),
                Piece::NoArgs => {}
            }
        }
        Ok(s)
    }

    fn expand_pieces(&mut self, w: &Word, err: usize, pieces: &mut Vec<Piece>) -> Result<(), Flow> {
        for (i, part) in w.parts.iter().enumerate() {
            match part {
                Part::Lit(s) if i == 0 && s.starts_with('~') => {
                    let end = s.find('/').unwrap_or(s.len());
                    match &s[1..end] {
                        "" | "root" => {
                            let home = self.var("HOME").unwrap_or("/root").to_owned();
                            pieces.push(Piece::Quoted(home));
                            pieces.push(Piece::Lit(s[end..].to_owned()));
                        }
                        _ => pieces.push(Piece::Lit(s.clone())),
                    }
                }
                Part::Lit(s) => pieces.push(Piece::Lit(s.clone())),
                Part::Quoted(s) => pieces.push(Piece::Quoted(s.clone())),
                Part::Param(p) => self.expand_param(p, err, pieces)?,
                Part::Sub(list, quoted) => {
                    let s = self.command_sub(list, err)?;
                    self.charge(s.len() as u64 / BYTES_PER_UNIT)?;
                    pieces.push(if *quoted {
                        Piece::Quoted(s)
                    } else {
                        Piece::Split(s)
                    });
                }
                Part::Arith(expr, quoted) => {
                    let text = self.expand_string(expr, err)?;
                    let v = self.arith(&text, err)?.to_string();
                    pieces.push(if *quoted {
                        Piece::Quoted(v)
                    } else {
                        Piece::Split(v)
                    });
                }
            }
        }
        Ok(())
    }

    fn expand_param(&mut self, p: &Param, err: usize, pieces: &mut Vec<Piece>) -> Result<(), Flow> {
        let wrap = |s: String| {
            if p.quoted {
                Piece::Quoted(s)
            } else {
                Piece::Split(s)
            }
        };
        if p.name == "@" && p.quoted && p.op == POp::Plain {
            if self.args.is_empty() {
                pieces.push(Piece::NoArgs);
            }
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    pieces.push(Piece::Break);
                }
                pieces.push(Piece::Quoted(a.clone()));
            }
            return Ok(());
        }
        let val = self.param(&p.name);
        let special = p.name == "@" || p.name == "*";
        let unset_or_null = |colon: bool| match &val {
            None => true,
            Some(v) => colon && v.is_empty(),
        };
        let value = match p.op {
            POp::Plain | POp::Len => {
                let v = match val {
                    Some(v) => v,
                    None if self.nounset && !special => return Err(self.unset_error(&p.name, err)),
                    None => String::new(),
                };
                if p.op == POp::Len {
                    v.chars().count().to_string()
                } else {
                    v
                }
            }
            POp::Default(colon) => {
                if unset_or_null(colon) {
                    self.expand_string(&p.arg, err)?
                } else {
                    val.unwrap_or_default()
                }
            }
            POp::Assign(colon) => {
                if unset_or_null(colon) {
                    let v = self.expand_string(&p.arg, err)?;
                    if !is_name(&p.name) {
                        self.say(err, &format!("{}: bad variable name", p.name));
                        return Err(Flow::Exit(2));
                    }
                    self.set_var(&p.name, v.clone());
                    v
                } else {
                    val.unwrap_or_default()
                }
            }
            POp::Alt(colon) => {
                if unset_or_null(colon) {
                    String::new()
                } else {
                    self.expand_string(&p.arg, err)?
                }
            }
            POp::Error(colon) => {
                if unset_or_null(colon) {
                    let mut msg = self.expand_string(&p.arg, err)?;
                    if msg.is_empty() {
                        msg = if colon {
                            "parameter not set or null"
                        } else {
                            "parameter not set"
                        }
                        .to_owned();
                    }
                    self.say(err, &format!("{}: {msg}", p.name));
                    return Err(Flow::Exit(2));
                }
                val.unwrap_or_default()
            }
            POp::TrimFront(longest) | POp::TrimBack(longest) => {
                let v = match val {
                    Some(v) => v,
                    None if self.nounset && !special => return Err(self.unset_error(&p.name, err)),
                    None => String::new(),
                };
                let pat: Vec<char> = self.expand_pattern(&p.arg, err)?.chars().collect();
                self.trim(v, &pat, matches!(p.op, POp::TrimFront(_)), longest)?
            }
        };
        self.charge(value.len() as u64 / BYTES_PER_UNIT)?;
        pieces.push(wrap(value));
        Ok(())
    }

    fn unset_error(&mut self, name: &str, err: usize) -> Flow {
        self.say(err, &format!("{name}: parameter not set"));
        Flow::Exit(2)
    }

    fn trim(
        &mut self,
        v: String,
        pat: &[char],
        front: bool,
        longest: bool,
    ) -> Result<String, Flow> {
        let chars: Vec<char> = v.chars().collect();
        let n = chars.len();
        let cands: Vec<usize> = if front == longest {
            (0..=n).rev().collect()
        } else {
            (0..=n).collect()
        };
        for i in cands {
            let part = if front { &chars[..i] } else { &chars[i..] };
            self.charge(1 + (part.len() * pat.len().max(1)) as u64 / 256)?;
            if glob_match(pat, part) {
                let rest = if front { &chars[i..] } else { &chars[..i] };
                return Ok(rest.iter().collect());
            }
        }
        Ok(v)
    }

    fn command_sub(&mut self, list: &List, err: usize) -> Result<String, Flow> {
        let t = self.alloc();
        self.depth += 1;
        let r = if self.depth > MAX_NEST * 2 {
            self.say(err, "nesting too deep");
            Err(Flow::Exit(2))
        } else {
            self.subshell(|sh| sh.run_list(list, &mut Input::new(""), Io { out: t, err }))
        };
        self.depth -= 1;
        let mut s = self.release(t);
        let st = r?;
        self.sub_status = Some(st);
        let keep = s.trim_end_matches('\n').len();
        s.truncate(keep);
        Ok(s)
    }

    fn arith(&mut self, expr: &str, err: usize) -> Result<i64, Flow> {
        let mut a = Arith {
            s: expr.as_bytes(),
            pos: 0,
            depth: 0,
            skip: 0,
        };
        match a.full(self) {
            Ok(v) => Ok(v),
            Err((plain, msg)) => {
                let text = if plain {
                    msg
                } else {
                    format!("arithmetic expression: {msg}: \"{}\"", expr.trim())
                };
                self.say(err, &text);
                Err(Flow::Exit(2))
            }
        }
    }
}

/// `$((...))`: C integer arithmetic over shell variables.
struct Arith<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    /// Inside a branch that is not taken: no assignments, no errors for `/0`.
    skip: u32,
}

type ARes = Result<i64, (bool, String)>;

const ARITH_OPS: &[&str] = &[
    "<<=", ">>=", "||", "&&", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=",
    "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", "?", ":", "=",
    "(", ")",
];

impl Arith<'_> {
    fn ws(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn op(&mut self) -> Option<&'static str> {
        self.ws();
        let rest = &self.s[self.pos..];
        ARITH_OPS
            .iter()
            .copied()
            .find(|o| rest.starts_with(o.as_bytes()))
    }

    fn syntax<T>(&self, msg: &str) -> Result<T, (bool, String)> {
        Err((false, msg.to_owned()))
    }

    fn full(&mut self, sh: &mut Sh) -> ARes {
        self.ws();
        if self.pos == self.s.len() {
            return Ok(0);
        }
        let v = self.assign(sh)?;
        self.ws();
        if self.pos != self.s.len() {
            return self.syntax("expecting EOF");
        }
        Ok(v)
    }

    fn name(&mut self) -> Option<String> {
        self.ws();
        let start = self.pos;
        if !self
            .s
            .get(self.pos)
            .is_some_and(|c| *c == b'_' || c.is_ascii_alphabetic())
        {
            return None;
        }
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| *c == b'_' || c.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn assign(&mut self, sh: &mut Sh) -> ARes {
        let save = self.pos;
        if let Some(name) = self.name() {
            let op = self.op();
            if let Some(
                op @ ("=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | "&=" | "^=" | "|="),
            ) = op
            {
                self.pos += op.len();
                let rhs = self.assign(sh)?;
                let v = if op == "=" {
                    rhs
                } else {
                    let cur = self.var_value(sh, &name)?;
                    self.apply(&op[..op.len() - 1], cur, rhs)?
                };
                if self.skip == 0 {
                    sh.set_var(&name, v.to_string());
                }
                return Ok(v);
            }
        }
        self.pos = save;
        self.ternary(sh)
    }

    fn ternary(&mut self, sh: &mut Sh) -> ARes {
        let c = self.binary(sh, 0)?;
        if self.op() != Some("?") {
            return Ok(c);
        }
        self.pos += 1;
        self.skip += u32::from(c == 0);
        let a = self.assign(sh);
        self.skip -= u32::from(c == 0);
        let a = a?;
        if self.op() != Some(":") {
            return self.syntax("expecting ':'");
        }
        self.pos += 1;
        self.skip += u32::from(c != 0);
        let b = self.ternary(sh);
        self.skip -= u32::from(c != 0);
        let b = b?;
        Ok(if c != 0 { a } else { b })
    }

    fn binary(&mut self, sh: &mut Sh, level: usize) -> ARes {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary(sh);
        }
        let mut left = self.binary(sh, level + 1)?;
        while let Some(op) = self.op() {
            if !LEVELS[level].contains(&op) {
                break;
            }
            self.pos += op.len();
            let short = match op {
                "&&" => left == 0,
                "||" => left != 0,
                _ => false,
            };
            self.skip += u32::from(short);
            let right = self.binary(sh, level + 1);
            self.skip -= u32::from(short);
            left = self.apply(op, left, right?)?;
        }
        Ok(left)
    }

    fn apply(&self, op: &str, a: i64, b: i64) -> ARes {
        Ok(match op {
            "||" => i64::from(a != 0 || b != 0),
            "&&" => i64::from(a != 0 && b != 0),
            "|" => a | b,
            "^" => a ^ b,
            "&" => a & b,
            "==" => i64::from(a == b),
            "!=" => i64::from(a != b),
            "<" => i64::from(a < b),
            "<=" => i64::from(a <= b),
            ">" => i64::from(a > b),
            ">=" => i64::from(a >= b),
            "<<" => a.wrapping_shl(b as u32),
            ">>" => a.wrapping_shr(b as u32),
            "+" => a.wrapping_add(b),
            "-" => a.wrapping_sub(b),
            "*" => a.wrapping_mul(b),
            "/" | "%" if b == 0 => {
                if self.skip > 0 {
                    0
                } else {
                    return self.syntax("division by zero");
                }
            }
            "/" => a.wrapping_div(b),
            "%" => a.wrapping_rem(b),
            _ => return self.syntax("expecting primary"),
        })
    }

    fn unary(&mut self, sh: &mut Sh) -> ARes {
        self.depth += 1;
        if self.depth > MAX_NEST {
            return self.syntax("expression too deeply nested");
        }
        let r = match self.op() {
            Some(op @ ("-" | "+" | "!" | "~")) => {
                self.pos += 1;
                let v = self.unary(sh)?;
                Ok(match op {
                    "-" => v.wrapping_neg(),
                    "+" => v,
                    "!" => i64::from(v == 0),
                    _ => !v,
                })
            }
            Some("(") => {
                self.pos += 1;
                let v = self.assign(sh)?;
                if self.op() != Some(")") {
                    return self.syntax("expecting ')'");
                }
                self.pos += 1;
                Ok(v)
            }
            _ => self.primary(sh),
        };
        self.depth -= 1;
        r
    }

    fn primary(&mut self, sh: &mut Sh) -> ARes {
        self.ws();
        if let Some(name) = self.name() {
            return self.var_value(sh, &name);
        }
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(u8::is_ascii_alphanumeric) {
            self.pos += 1;
        }
        if start == self.pos {
            return self.syntax("expecting primary");
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        parse_c_int(&text).ok_or_else(|| (false, "expecting EOF".to_owned()))
    }

    fn var_value(&self, sh: &Sh, name: &str) -> ARes {
        let v = sh.var(name).unwrap_or("").trim();
        if v.is_empty() {
            return Ok(0);
        }
        parse_c_int(v).ok_or_else(|| (true, format!("Illegal number: {v}")))
    }
}

/// A C integer constant: decimal, `0x` hex or `0` octal, with an optional sign.
fn parse_c_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<u64>().ok()?
    } as i64;
    Some(if neg { v.wrapping_neg() } else { v })
}

// --- builtins ---

/// dash's builtins, for `type` and `command -v`.
const BUILTINS: &[&str] = &[
    ".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec",
    "exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf",
    "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
    "ulimit", "umask", "unalias", "unset", "wait",
];
const SPECIAL_BUILTINS: &[&str] = &[
    ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "trap", "unset",
];

/// Commands found on a Linux node's PATH.
const LINUX_COMMANDS: &[&str] = &[
    "[",
    "basename",
    "bash",
    "cat",
    "cut",
    "date",
    "df",
    "dirname",
    "echo",
    "egrep",
    "env",
    "false",
    "fgrep",
    "free",
    "grep",
    "head",
    "hostname",
    "id",
    "ls",
    "mkdir",
    "nproc",
    "printenv",
    "printf",
    "ps",
    "pwd",
    "rm",
    "seq",
    "sh",
    "sleep",
    "sort",
    "systemctl",
    "tail",
    "tee",
    "test",
    "touch",
    "tr",
    "true",
    "uname",
    "uniq",
    "uptime",
    "wc",
    "which",
    "whoami",
    "yes",
];
/// Commands found on a macOS node's PATH.
const MAC_COMMANDS: &[&str] = &[
    "[", "basename", "bash", "cat", "cut", "date", "df", "dirname", "echo", "egrep", "env",
    "false", "fgrep", "grep", "head", "hostname", "id", "ls", "mkdir", "printenv", "printf", "ps",
    "pwd", "rm", "seq", "sh", "sleep", "sort", "sw_vers", "tail", "tee", "test", "touch", "tr",
    "true", "uname", "uniq", "uptime", "wc", "which", "whoami", "yes",
];

/// Quotes a value as `set` and `export -p` print it.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

impl Sh {
    fn dispatch(&mut self, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        if let Some(body) = self.funcs.get(&argv[0]).cloned() {
            return self.call_function(&body, argv, inp, io);
        }
        self.run_command(argv, inp, io)
    }

    fn call_function(&mut self, body: &Cmd, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        if self.depth >= MAX_NEST {
            self.say(io.err, &format!("{}: function nesting too deep", argv[0]));
            return Err(Flow::Exit(2));
        }
        self.depth += 1;
        self.clock_us += BUILTIN_US;
        let args = std::mem::replace(&mut self.args, argv[1..].to_vec());
        let loops = std::mem::replace(&mut self.loops, 0);
        self.locals.push(Vec::new());
        let r = self.run_cmd(body, inp, io);
        if let Some(frame) = self.locals.pop() {
            for (name, old) in frame.into_iter().rev() {
                match old {
                    Some(v) => self.vars.insert(name, v),
                    None => self.vars.remove(&name),
                };
            }
        }
        self.loops = loops;
        self.args = args;
        self.depth -= 1;
        match r {
            Err(Flow::Return(s)) => Ok(s),
            r => r,
        }
    }

    fn has_command(&self, name: &str) -> bool {
        if self.host.is_mac() {
            MAC_COMMANDS.contains(&name)
        } else {
            LINUX_COMMANDS.contains(&name)
        }
    }

    /// Where an external command lives.
    fn command_path(&self, name: &str) -> Option<String> {
        if !self.has_command(name) {
            return None;
        }
        let dir = if self.host.is_mac() {
            const BIN: &[&str] = &[
                "[", "bash", "cat", "date", "df", "echo", "hostname", "ls", "mkdir", "ps", "pwd",
                "rm", "sh", "sleep", "test",
            ];
            if BIN.contains(&name) {
                "/bin"
            } else {
                "/usr/bin"
            }
        } else {
            "/usr/bin"
        };
        Some(format!("{dir}/{name}"))
    }

    /// Runs a builtin or external command (functions are looked up before).
    fn run_command(&mut self, argv: &[String], inp: &mut Input, io: Io) -> Ex {
        let name = argv[0].as_str();
        let args = &argv[1..];
        match name {
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<u64>() {
                        Ok(n) if a.bytes().all(|b| b.is_ascii_digit()) => (n & 255) as i32,
                        _ => {
                            self.say(io.err, &format!("exit: Illegal number: {a}"));
                            2
                        }
                    },
                };
                return Err(Flow::Exit(code));
            }
            "return" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<u64>() {
                        Ok(n) => (n & 255) as i32,
                        Err(_) => {
                            self.say(io.err, &format!("return: Illegal number: {a}"));
                            return Err(Flow::Exit(2));
                        }
                    },
                };
                return Err(if self.locals.is_empty() {
                    Flow::Exit(code)
                } else {
                    Flow::Return(code)
                });
            }
            "break" | "continue" => {
                let n = match args.first() {
                    None => 1,
                    Some(a) => match a.parse::<u32>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            self.say(io.err, &format!("{name}: Illegal number: {a}"));
                            return Err(Flow::Exit(2));
                        }
                    },
                };
                if self.loops == 0 {
                    return Ok(0);
                }
                let n = n.min(self.loops);
                return Err(if name == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                });
            }
            "eval" => {
                if args.is_empty() {
                    return Ok(0);
                }
                let src: Vec<char> = args.join(" ").chars().collect();
                return self.nested(io, |sh| sh.run_source(&src, sh.line, io, "eval: "));
            }
            "." => {
                let Some(file) = args.first() else {
                    self.say(io.err, ".: .: not enough arguments");
                    return Err(Flow::Exit(2));
                };
                let Lookup::File(text) = self.lookup(file) else {
                    self.say(io.err, &format!(".: cannot open {file}: No such file"));
                    return Err(Flow::Exit(2));
                };
                let src: Vec<char> = text.chars().collect();
                return self.nested(io, |sh| sh.run_source(&src, 1, io, ""));
            }
            "exec" => {
                if args.is_empty() {
                    return Ok(0);
                }
                let st = self.run_command(args, inp, io)?;
                return Err(Flow::Exit(st));
            }
            "command" => return self.b_command(args, inp, io),
            "set" => return self.b_set(args, io),
            "local" if self.locals.is_empty() => {
                self.say(io.err, "local: not in a function");
                return Err(Flow::Exit(2));
            }
            "shift" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        self.say(io.err, &format!("shift: Illegal number: {}", args[0]));
                        return Err(Flow::Exit(2));
                    }
                };
                if n > self.args.len() {
                    self.say(io.err, "shift: can't shift that many");
                    return Err(Flow::Exit(2));
                }
                self.args.drain(..n);
                return Ok(0);
            }
            _ => {}
        }
        let base = match name.rsplit_once('/') {
            Some((dir, base))
                if matches!(dir, "/bin" | "/usr/bin" | "/sbin" | "/usr/sbin")
                    && self.command_path(base).is_some() =>
            {
                base
            }
            Some(_) => "",
            None => name,
        };
        if base == "sh" || base == "bash" {
            self.clock_us += EXTERNAL_US;
            return self.b_sh(args, inp, io);
        }
        if base == "env" && !args.is_empty() {
            self.clock_us += EXTERNAL_US;
            return self.b_env(args, inp, io);
        }
        let mut o = Out::default();
        let status = if let Some(st) = (base == name)
            .then(|| self.builtin(name, args, inp, &mut o))
            .flatten()
        {
            self.clock_us += BUILTIN_US;
            st
        } else if let Some(st) = (!base.is_empty())
            .then(|| self.external(base, args, inp, &mut o))
            .flatten()
        {
            st
        } else {
            self.clock_us += BUILTIN_US;
            if name.contains('/') && matches!(self.lookup(name), Lookup::Dir) {
                o.err = format!("sh: {}: {name}: Permission denied\n", self.line);
                126
            } else {
                o.err = format!("sh: {}: {name}: not found\n", self.line);
                127
            }
        };
        truncate_at(&mut o.out, OUTPUT_CAP);
        self.write(io.out, &o.out);
        self.write(io.err, &o.err);
        Ok(status)
    }

    /// Runs `f` one level deeper (eval, `.`, `sh -c`), within the nesting limit.
    fn nested(&mut self, io: Io, f: impl FnOnce(&mut Self) -> Ex) -> Ex {
        if self.depth >= MAX_NEST {
            self.say(io.err, "nesting too deep");
            return Err(Flow::Exit(2));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn b_command(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut i = 0;
        let mut mode = None;
        while let Some(a) = args.get(i) {
            match a.as_str() {
                "-v" | "-V" => mode = Some(a.clone()),
                "-p" => {}
                "--" => {
                    i += 1;
                    break;
                }
                _ => break,
            }
            i += 1;
        }
        let rest = &args[i..];
        let Some(first) = rest.first() else {
            return Ok(0);
        };
        match mode.as_deref() {
            Some("-v") => {
                let line = if BUILTINS.contains(&first.as_str()) || self.funcs.contains_key(first) {
                    Some(first.clone())
                } else {
                    self.command_path(first)
                };
                match line {
                    Some(l) => {
                        self.write(io.out, &format!("{l}\n"));
                        Ok(0)
                    }
                    None => Ok(127),
                }
            }
            Some(_) => {
                let mut o = Out::default();
                let st = self.b_type(std::slice::from_ref(first), &mut o);
                self.write(io.out, &o.out);
                Ok(st)
            }
            None => self.run_command(rest, inp, io),
        }
    }

    fn b_set(&mut self, args: &[String], io: Io) -> Ex {
        self.clock_us += BUILTIN_US;
        if args.is_empty() {
            let listing: String = self
                .vars
                .iter()
                .map(|(k, v)| format!("{k}={}\n", sh_quote(&v.value)))
                .collect();
            self.write(io.out, &listing);
            return Ok(0);
        }
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if a == "--" {
                self.args = args[i + 1..].to_vec();
                return Ok(0);
            }
            let on = a.starts_with('-');
            if !(on || a.starts_with('+')) || a.len() < 2 {
                self.args = args[i..].to_vec();
                return Ok(0);
            }
            for c in a[1..].chars() {
                let ok = match c {
                    'e' => {
                        self.errexit = on;
                        true
                    }
                    'u' => {
                        self.nounset = on;
                        true
                    }
                    'x' => {
                        self.xtrace = on;
                        true
                    }
                    'o' => {
                        i += 1;
                        let Some(opt) = args.get(i) else {
                            let listing = format!(
                                "Current option settings\nerrexit\t\t{}\nnounset\t\t{}\nxtrace\t\t{}\n",
                                onoff(self.errexit),
                                onoff(self.nounset),
                                onoff(self.xtrace)
                            );
                            self.write(io.out, &listing);
                            return Ok(0);
                        };
                        match opt.as_str() {
                            "errexit" => self.errexit = on,
                            "nounset" => self.nounset = on,
                            "xtrace" => self.xtrace = on,
                            "pipefail" if self.host.sh_is_bash() => self.pipefail = on,
                            "noglob" | "verbose" | "noclobber" | "allexport" | "notify"
                            | "noexec" | "ignoreeof" | "monitor" | "vi" | "emacs" | "nolog"
                            | "debug" => {}
                            _ => {
                                self.say(io.err, &format!("set: Illegal option -o {opt}"));
                                return Err(Flow::Exit(2));
                            }
                        }
                        true
                    }
                    'a' | 'b' | 'C' | 'f' | 'h' | 'm' | 'n' | 'v' => true,
                    _ => false,
                };
                if !ok {
                    self.say(io.err, &format!("set: Illegal option -{c}"));
                    return Err(Flow::Exit(2));
                }
            }
            i += 1;
        }
        Ok(0)
    }

    /// `sh -c 'script'`, `sh file`, or a script on standard input.
    fn b_sh(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut i = 0;
        let mut flags = Vec::new();
        let mut command = false;
        while let Some(a) = args.get(i) {
            if a == "-c" {
                command = true;
            } else if a.starts_with('-') && a.len() > 1 && a != "--" {
                flags.extend(a[1..].chars().filter(|&c| c != 'c'));
                command |= a.contains('c');
            } else {
                break;
            }
            i += 1;
        }
        let rest = &args[i..];
        let (text, positional) = if command {
            let Some(t) = rest.first() else {
                self.write(io.err, "sh: 0: -c requires an argument\n");
                return Ok(2);
            };
            (t.clone(), rest.get(2..).unwrap_or(&[]).to_vec())
        } else if let Some(file) = rest.first() {
            match self.lookup(file) {
                Lookup::File(t) => (t, rest[1..].to_vec()),
                _ => {
                    self.write(
                        io.err,
                        &format!("sh: 0: cannot open {file}: No such file\n"),
                    );
                    return Ok(2);
                }
            }
        } else {
            (inp.rest().to_owned(), Vec::new())
        };
        let src: Vec<char> = text.chars().collect();
        self.nested(io, |sh| {
            sh.subshell(|sh| {
                sh.vars.retain(|_, v| v.exported);
                sh.vars.insert(
                    "IFS".to_owned(),
                    ShVar {
                        value: " \t\n".to_owned(),
                        exported: false,
                    },
                );
                sh.funcs.clear();
                sh.args = positional;
                (sh.errexit, sh.nounset, sh.xtrace) = (
                    flags.contains(&'e'),
                    flags.contains(&'u'),
                    flags.contains(&'x'),
                );
                sh.run_source(&src, 1, io, "")
            })
        })
    }

    /// `env NAME=value... command args...`.
    fn b_env(&mut self, args: &[String], inp: &mut Input, io: Io) -> Ex {
        let mut saved = Vec::new();
        let mut i = 0;
        while let Some((k, v)) = args.get(i).and_then(|a| a.split_once('=')) {
            let old = self.vars.insert(
                k.to_owned(),
                ShVar {
                    value: v.to_owned(),
                    exported: true,
                },
            );
            saved.push((k.to_owned(), old));
            i += 1;
        }
        let r = if i < args.len() {
            let rest = &args[i..];
            if self.command_path(&rest[0]).is_some() || BUILTINS.contains(&rest[0].as_str()) {
                self.run_command(rest, inp, io)
            } else {
                self.write(
                    io.err,
                    &format!("env: '{}': No such file or directory\n", rest[0]),
                );
                Ok(127)
            }
        } else {
            let mut o = Out::default();
            self.c_env(&mut o);
            self.write(io.out, &o.out);
            Ok(0)
        };
        for (k, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(k, v),
                None => self.vars.remove(&k),
            };
        }
        r
    }

    /// Builtins without control flow; `None` if `name` is not one.
    fn builtin(
        &mut self,
        name: &str,
        args: &[String],
        inp: &mut Input,
        o: &mut Out,
    ) -> Option<i32> {
        let line = self.line;
        let err = |o: &mut Out, msg: &str| o.err_line(&format!("sh: {line}: {name}: {msg}"));
        Some(match name {
            "echo" => {
                echo_dash(args, o);
                0
            }
            "printf" => match args.split_first() {
                None => {
                    err(o, "usage: printf format [arg ...]");
                    2
                }
                Some((fmt, rest)) => {
                    let (st, msgs) = printf(fmt, rest, &mut o.out);
                    for m in msgs {
                        err(o, &m);
                    }
                    st
                }
            },
            "true" | ":" => 0,
            "false" => 1,
            "pwd" => {
                o.line(&self.cwd.clone());
                0
            }
            "cd" => {
                let target = match args.iter().find(|a| !matches!(a.as_str(), "-L" | "-P")) {
                    None => self.var("HOME").unwrap_or("/").to_owned(),
                    Some(a) if a == "-" => match self.var("OLDPWD") {
                        Some(d) => d.to_owned(),
                        None => {
                            err(o, "OLDPWD not set");
                            return Some(2);
                        }
                    },
                    Some(a) => a.clone(),
                };
                let path = self.resolve(&target);
                if !self.is_dir(&path) {
                    err(o, &format!("can't cd to {target}"));
                    return Some(2);
                }
                if args.first().is_some_and(|a| a == "-") {
                    o.line(&path);
                }
                let old = std::mem::replace(&mut self.cwd, path.clone());
                self.set_var("OLDPWD", old);
                self.set_var("PWD", path);
                0
            }
            "export" | "readonly" => {
                let export = name == "export";
                let names: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
                if names.is_empty() {
                    for (k, v) in &self.vars {
                        if !export || v.exported {
                            o.line(&format!("{name} {k}={}", sh_quote(&v.value)));
                        }
                    }
                    return Some(0);
                }
                for a in names {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_owned())),
                        None => (a.as_str(), None),
                    };
                    if !is_name(k) {
                        err(o, &format!("{k}: bad variable name"));
                        return Some(2);
                    }
                    let entry = self.vars.entry(k.to_owned()).or_insert(ShVar {
                        value: String::new(),
                        exported: false,
                    });
                    if let Some(v) = v {
                        entry.value = v;
                    }
                    entry.exported |= export;
                }
                0
            }
            "unset" => {
                let funcs = args.first().is_some_and(|a| a == "-f");
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if funcs {
                        self.funcs.remove(a);
                    } else {
                        self.vars.remove(a);
                    }
                }
                0
            }
            "local" => {
                if self.locals.is_empty() {
                    err(o, "not in a function");
                    return Some(2);
                }
                for a in args {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                        None => (a.clone(), None),
                    };
                    let old = self.vars.get(&k).cloned();
                    if let Some(frame) = self.locals.last_mut() {
                        frame.push((k.clone(), old));
                    }
                    if let Some(v) = v {
                        self.set_var(&k, v);
                    }
                }
                0
            }
            "read" => self.b_read(args, inp),
            "test" | "[" => {
                let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
                if name == "[" {
                    if words.last() != Some(&"]") {
                        err(o, "missing ]");
                        return Some(2);
                    }
                    words.pop();
                }
                match self.test(&words) {
                    Ok(b) => i32::from(!b),
                    Err(msg) => {
                        err(o, &msg);
                        2
                    }
                }
            }
            "type" => self.b_type(args, o),
            "trap" => {
                if args.is_empty() {
                    if let Some(t) = &self.exit_trap {
                        o.line(&format!("trap -- {} EXIT", sh_quote(t)));
                    }
                    return Some(0);
                }
                let (action, sigs) = (&args[0], &args[1..]);
                for s in sigs {
                    match s.trim_start_matches("SIG") {
                        "EXIT" | "0" => {
                            self.exit_trap = (action != "-").then(|| action.clone());
                        }
                        "HUP" | "INT" | "QUIT" | "TERM" | "USR1" | "USR2" | "PIPE" | "ALRM"
                        | "CHLD" | "1" | "2" | "3" | "15" => {}
                        _ => {
                            err(o, &format!("{s}: bad trap"));
                            return Some(1);
                        }
                    }
                }
                0
            }
            "wait" => {
                self.clock_us = self.clock_us.max(self.bg_until_us);
                0
            }
            "umask" => {
                if args.is_empty() {
                    o.line("0022");
                }
                0
            }
            "ulimit" => {
                o.line("unlimited");
                0
            }
            _ => return None,
        })
    }

    fn b_type(&self, args: &[String], o: &mut Out) -> i32 {
        let mut st = 0;
        for a in args {
            let s = a.as_str();
            if self.funcs.contains_key(s) {
                o.line(&format!("{s} is a shell function"));
            } else if SPECIAL_BUILTINS.contains(&s) {
                o.line(&format!("{s} is a special shell builtin"));
            } else if BUILTINS.contains(&s) {
                o.line(&format!("{s} is a shell builtin"));
            } else if let Some(p) = self.command_path(s) {
                o.line(&format!("{s} is {p}"));
            } else {
                o.line(&format!("{s}: not found"));
                st = 127;
            }
        }
        st
    }

    fn b_read(&mut self, args: &[String], inp: &mut Input) -> i32 {
        let mut raw = false;
        let mut names = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-r" => raw = true,
                "-p" => {
                    it.next();
                }
                _ => names.push(a.clone()),
            }
        }
        if names.is_empty() {
            names.push("REPLY".to_owned());
        }
        let Some((first, mut complete)) = inp.line() else {
            for n in &names {
                self.set_var(n, String::new());
            }
            return 1;
        };
        let mut line = first.to_owned();
        if !raw {
            while complete && line.ends_with('\\') {
                line.pop();
                match inp.line() {
                    Some((next, c)) => {
                        line.push_str(next);
                        complete = c;
                    }
                    None => complete = false,
                }
            }
            let mut unescaped = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        unescaped.push(n);
                    }
                } else {
                    unescaped.push(c);
                }
            }
            line = unescaped;
        }
        let ifs = self.var("IFS").unwrap_or(" \t\n").to_owned();
        let is_ifs = |c: char| ifs.contains(c);
        let mut rest = line.trim_start_matches(is_ifs);
        for (i, n) in names.iter().enumerate() {
            if i + 1 == names.len() {
                let v = rest.trim_end_matches(is_ifs).to_owned();
                self.set_var(n, v);
            } else {
                let end = rest.find(is_ifs).unwrap_or(rest.len());
                let v = rest[..end].to_owned();
                rest = rest[end..].trim_start_matches(is_ifs);
                self.set_var(n, v);
            }
        }
        i32::from(!complete)
    }

    /// `test`: the POSIX rules by argument count, then a general parser.
    fn test(&self, a: &[&str]) -> Result<bool, String> {
        match a.len() {
            0 => Ok(false),
            1 => Ok(!a[0].is_empty()),
            2 if a[0] == "!" => Ok(a[1].is_empty()),
            2 => self.test_unary(a[0], a[1]),
            3 if is_test_binary(a[1]) => self.test_binary(a[0], a[1], a[2]),
            3 if a[0] == "!" => self.test(&a[1..]).map(|b| !b),
            3 if a[0] == "(" && a[2] == ")" => Ok(!a[1].is_empty()),
            4 if a[0] == "!" => self.test(&a[1..]).map(|b| !b),
            _ => {
                let mut pos = 0;
                let v = self.test_or(a, &mut pos, 0)?;
                if pos != a.len() {
                    return Err(format!("{}: unexpected operator", a[pos]));
                }
                Ok(v)
            }
        }
    }

    fn test_or(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        let mut v = self.test_and(a, pos, depth)?;
        while a.get(*pos) == Some(&"-o") {
            *pos += 1;
            let r = self.test_and(a, pos, depth)?;
            v = v || r;
        }
        Ok(v)
    }

    fn test_and(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        let mut v = self.test_not(a, pos, depth)?;
        while a.get(*pos) == Some(&"-a") {
            *pos += 1;
            let r = self.test_not(a, pos, depth)?;
            v = v && r;
        }
        Ok(v)
    }

    fn test_not(&self, a: &[&str], pos: &mut usize, depth: usize) -> Result<bool, String> {
        if depth > 100 {
            return Err("expression too complex".to_owned());
        }
        match a.get(*pos) {
            Some(&"!") => {
                *pos += 1;
                self.test_not(a, pos, depth + 1).map(|b| !b)
            }
            Some(&"(") => {
                *pos += 1;
                let v = self.test_or(a, pos, depth + 1)?;
                if a.get(*pos) != Some(&")") {
                    return Err("closing paren expected".to_owned());
                }
                *pos += 1;
                Ok(v)
            }
            Some(x)
                if a.get(*pos + 1).is_some_and(|op| is_test_binary(op))
                    && a.get(*pos + 2).is_some() =>
            {
                let v = self.test_binary(x, a[*pos + 1], a[*pos + 2])?;
                *pos += 3;
                Ok(v)
            }
            Some(x) if x.starts_with('-') && x.len() == 2 && a.get(*pos + 1).is_some() => {
                let v = self.test_unary(x, a[*pos + 1])?;
                *pos += 2;
                Ok(v)
            }
            Some(x) => {
                *pos += 1;
                Ok(!x.is_empty())
            }
            None => Err("argument expected".to_owned()),
        }
    }

    fn test_unary(&self, op: &str, v: &str) -> Result<bool, String> {
        let file = || self.lookup(v);
        Ok(match op {
            "-n" => !v.is_empty(),
            "-z" => v.is_empty(),
            "-e" | "-r" | "-w" => !matches!(file(), Lookup::Missing),
            "-f" => matches!(file(), Lookup::File(_)),
            "-d" => matches!(file(), Lookup::Dir),
            "-s" => {
                matches!(file(), Lookup::File(c) if !c.is_empty()) || matches!(file(), Lookup::Dir)
            }
            "-x" => {
                matches!(file(), Lookup::Dir)
                    || v.rsplit_once('/').is_some_and(|(d, b)| {
                        self.command_path(b)
                            .is_some_and(|p| p == format!("{d}/{b}"))
                    })
            }
            "-L" | "-h" | "-b" | "-c" | "-p" | "-S" | "-t" | "-g" | "-u" | "-k" | "-G" | "-O" => {
                false
            }
            _ => return Err(format!("{op}: unexpected operator")),
        })
    }

    fn test_binary(&self, l: &str, op: &str, r: &str) -> Result<bool, String> {
        let num = |s: &str| -> Result<i64, String> {
            s.trim()
                .parse::<i64>()
                .map_err(|_| format!("Illegal number: {s}"))
        };
        Ok(match op {
            "=" | "==" => l == r,
            "!=" => l != r,
            "<" => l < r,
            ">" => l > r,
            "-eq" => num(l)? == num(r)?,
            "-ne" => num(l)? != num(r)?,
            "-lt" => num(l)? < num(r)?,
            "-le" => num(l)? <= num(r)?,
            "-gt" => num(l)? > num(r)?,
            "-ge" => num(l)? >= num(r)?,
            _ => false,
        })
    }
}

fn onoff(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn is_test_binary(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-lt"
            | "-le"
            | "-gt"
            | "-ge"
            | "-nt"
            | "-ot"
            | "-ef"
    )
}

/// dash's `echo`: only `-n`, and backslash escapes always on.
fn echo_dash(args: &[String], o: &mut Out) {
    let (newline, args) = match args.first() {
        Some(a) if a == "-n" => (false, &args[1..]),
        _ => (true, args),
    };
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            o.out.push(' ');
        }
        if push_escapes(&mut o.out, a) {
            return;
        }
        if o.full() {
            return;
        }
    }
    if newline {
        o.out.push('\n');
    }
}

/// GNU `echo` (`/bin/echo`): `-n`, `-e`, `-E`; no escapes by default.
fn echo_gnu(args: &[String], o: &mut Out) {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() < 2
            || !a.starts_with('-')
            || !a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            break;
        }
        for c in a[1..].chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    for (j, a) in args[i..].iter().enumerate() {
        if j > 0 {
            o.out.push(' ');
        }
        if escapes {
            if push_escapes(&mut o.out, a) {
                return;
            }
        } else {
            o.out.push_str(a);
        }
        if o.full() {
            return;
        }
    }
    if newline {
        o.out.push('\n');
    }
}

/// Appends `s` with echo's backslash escapes done; `true` if `\c` ended the output.
fn push_escapes(out: &mut String, s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i == chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'c' => return true,
            'e' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '0'..='7' => {
                let mut v = 0u32;
                let mut n = 0;
                if e != '0' {
                    v = e as u32 - '0' as u32;
                    n = 1;
                }
                while n < 3 && i < chars.len() && ('0'..='7').contains(&chars[i]) {
                    v = v * 8 + (chars[i] as u32 - '0' as u32);
                    i += 1;
                    n += 1;
                }
                out.push(char::from_u32(v & 0xFF).unwrap_or('?'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    false
}

/// `printf FORMAT ARGS...` into `out`: the status and any error messages.
fn printf(fmt: &str, args: &[String], out: &mut String) -> (i32, Vec<String>) {
    let f: Vec<char> = fmt.chars().collect();
    let mut ai = 0;
    let mut status = 0;
    let mut msgs = Vec::new();
    let next_arg = |ai: &mut usize| -> Option<String> {
        let a = args.get(*ai).cloned();
        *ai += 1;
        a
    };
    loop {
        let start_ai = ai;
        let mut i = 0;
        while i < f.len() {
            if out.len() >= OUTPUT_CAP {
                return (status, msgs);
            }
            let c = f[i];
            i += 1;
            if c == '\\' && i < f.len() {
                let e = f[i];
                i += 1;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'e' => out.push('\x1b'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'c' => return (status, msgs),
                    '0'..='7' => {
                        let mut v = e as u32 - '0' as u32;
                        let mut n = 1;
                        while n < 3 && i < f.len() && ('0'..='7').contains(&f[i]) {
                            v = v * 8 + (f[i] as u32 - '0' as u32);
                            i += 1;
                            n += 1;
                        }
                        out.push(char::from_u32(v & 0xFF).unwrap_or('?'));
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            if c != '%' {
                out.push(c);
                continue;
            }
            if f.get(i) == Some(&'%') {
                out.push('%');
                i += 1;
                continue;
            }
            let spec_start = i - 1;
            let mut flags = String::new();
            while let Some(&fl) = f.get(i).filter(|c| "-+ #0".contains(**c)) {
                flags.push(fl);
                i += 1;
            }
            let mut width: usize = 0;
            if f.get(i) == Some(&'*') {
                i += 1;
                let a = next_arg(&mut ai).unwrap_or_default();
                let (v, _) = num_arg(&a);
                if v < 0 {
                    flags.push('-');
                }
                width = v.unsigned_abs() as usize;
            } else {
                while let Some(d) = f.get(i).and_then(|c| c.to_digit(10)) {
                    width = width.saturating_mul(10).saturating_add(d as usize);
                    i += 1;
                }
            }
            let mut prec: Option<usize> = None;
            if f.get(i) == Some(&'.') {
                i += 1;
                let mut p = 0usize;
                if f.get(i) == Some(&'*') {
                    i += 1;
                    let a = next_arg(&mut ai).unwrap_or_default();
                    p = num_arg(&a).0.max(0) as usize;
                } else {
                    while let Some(d) = f.get(i).and_then(|c| c.to_digit(10)) {
                        p = p.saturating_mul(10).saturating_add(d as usize);
                        i += 1;
                    }
                }
                prec = Some(p.min(OUTPUT_CAP));
            }
            while matches!(f.get(i), Some('l' | 'h' | 'L' | 'q' | 'j' | 'z' | 't'))
                && f.get(i + 1).is_some_and(|c| "diouxXfeEgGcs".contains(*c))
            {
                i += 1;
            }
            let width = width.min(OUTPUT_CAP);
            let Some(&conv) = f.get(i) else {
                let spec: String = f[spec_start..].iter().collect();
                msgs.push(format!("{spec}: invalid directive"));
                return (2, msgs);
            };
            i += 1;
            let left = flags.contains('-');
            let zero = flags.contains('0') && !left;
            let body = match conv {
                's' => {
                    let mut s = next_arg(&mut ai).unwrap_or_default();
                    if let Some(p) = prec {
                        s = s.chars().take(p).collect();
                    }
                    s
                }
                'b' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let mut s = String::new();
                    if push_escapes(&mut s, &a) {
                        out.push_str(&pad(&s, "", width, left, false));
                        return (status, msgs);
                    }
                    s
                }
                'c' => next_arg(&mut ai)
                    .and_then(|a| a.chars().next())
                    .map(String::from)
                    .unwrap_or_default(),
                'd' | 'i' | 'o' | 'u' | 'x' | 'X' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let (v, ok) = num_arg(&a);
                    if !ok {
                        msgs.push(format!("{a}: expected numeric value"));
                        status = 1;
                    }
                    let (sign, digits) = match conv {
                        'd' | 'i' => (
                            if v < 0 {
                                "-"
                            } else if flags.contains('+') {
                                "+"
                            } else if flags.contains(' ') {
                                " "
                            } else {
                                ""
                            },
                            v.unsigned_abs().to_string(),
                        ),
                        'o' => ("", format!("{:o}", v as u64)),
                        'u' => ("", (v as u64).to_string()),
                        'x' => (
                            if flags.contains('#') && v != 0 {
                                "0x"
                            } else {
                                ""
                            },
                            format!("{:x}", v as u64),
                        ),
                        _ => (
                            if flags.contains('#') && v != 0 {
                                "0X"
                            } else {
                                ""
                            },
                            format!("{:X}", v as u64),
                        ),
                    };
                    let digits = match prec {
                        Some(p) if digits.len() < p => {
                            format!("{}{digits}", "0".repeat(p - digits.len()))
                        }
                        _ => digits,
                    };
                    out.push_str(&pad(&digits, sign, width, left, zero && prec.is_none()));
                    continue;
                }
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                    let a = next_arg(&mut ai).unwrap_or_default();
                    let v = match a.trim().parse::<f64>() {
                        Ok(v) => v,
                        Err(_) if a.is_empty() => 0.0,
                        Err(_) => {
                            msgs.push(format!("{a}: expected numeric value"));
                            status = 1;
                            0.0
                        }
                    };
                    let p = prec.unwrap_or(6);
                    let s = format_float(v.abs(), conv, p, flags.contains('#'));
                    let sign = if v < 0.0 || (v == 0.0 && v.is_sign_negative()) {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else if flags.contains(' ') {
                        " "
                    } else {
                        ""
                    };
                    out.push_str(&pad(&s, sign, width, left, zero));
                    continue;
                }
                other => {
                    msgs.push(format!("%{other}: invalid directive"));
                    return (2, msgs);
                }
            };
            out.push_str(&pad(&body, "", width, left, false));
        }
        if ai >= args.len() || ai == start_ai {
            return (status, msgs);
        }
    }
}

/// `sign` and `body` padded to `width`.
fn pad(body: &str, sign: &str, width: usize, left: bool, zero: bool) -> String {
    let len = body.chars().count() + sign.len();
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = width - len;
    if left {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

/// C's `%f`, `%e` and `%g` for a non-negative value.
fn format_float(v: f64, conv: char, prec: usize, alt: bool) -> String {
    if !v.is_finite() {
        let s = if v.is_nan() { "nan" } else { "inf" };
        return if conv.is_ascii_uppercase() {
            s.to_uppercase()
        } else {
            s.to_owned()
        };
    }
    let prec = prec.min(60);
    let exp_form = |p: usize| -> String {
        let s = format!("{v:.p$e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        let out = format!("{m}e{sign}{:02}", e.abs());
        if conv.is_ascii_uppercase() {
            out.to_uppercase()
        } else {
            out
        }
    };
    match conv {
        'f' | 'F' => format!("{v:.prec$}"),
        'e' | 'E' => exp_form(prec),
        _ => {
            let p = prec.max(1);
            let e = if v == 0.0 {
                0
            } else {
                let s = format!("{v:.*e}", p - 1);
                s.split_once('e')
                    .and_then(|(_, e)| e.parse::<i32>().ok())
                    .unwrap_or(0)
            };
            let mut s = if e < -4 || e >= p as i32 {
                exp_form(p - 1)
            } else {
                let digits = (p as i32 - 1 - e).max(0) as usize;
                format!("{v:.digits$}")
            };
            if !alt {
                if let Some(epos) = s.find(['e', 'E']) {
                    let (m, rest) = s.split_at(epos);
                    let m = if m.contains('.') {
                        m.trim_end_matches('0').trim_end_matches('.')
                    } else {
                        m
                    };
                    s = format!("{m}{rest}");
                } else if s.contains('.') {
                    s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
                }
            }
            s
        }
    }
}

/// A numeric printf argument: its value, and whether it converted cleanly.
fn num_arg(a: &str) -> (i64, bool) {
    let t = a.trim_start();
    if t.is_empty() {
        return (0, true);
    }
    if let Some(rest) = t.strip_prefix(['\'', '"']) {
        return (rest.chars().next().map_or(0, |c| c as i64), true);
    }
    if let Some(v) = parse_c_int(t) {
        return (v, true);
    }
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    (t[..end].parse().unwrap_or(0), false)
}

// --- external commands ---

/// GNU's complaint about an unknown option; the status is `status`.
fn bad_option(o: &mut Out, cmd: &str, opt: &str, status: i32) -> i32 {
    match opt.strip_prefix("--") {
        Some(long) => o.err_line(&format!("{cmd}: unrecognized option '--{long}'")),
        None => {
            let c = opt.chars().nth(1).unwrap_or('-');
            o.err_line(&format!("{cmd}: invalid option -- '{c}'"));
        }
    }
    o.err_line(&format!("Try '{cmd} --help' for more information."));
    status
}

fn missing_operand(o: &mut Out, cmd: &str) -> i32 {
    o.err_line(&format!("{cmd}: missing operand"));
    o.err_line(&format!("Try '{cmd} --help' for more information."));
    1
}

/// The lines of a text, without their newlines.
fn text_lines(s: &str) -> impl Iterator<Item = &str> {
    s.strip_suffix('\n')
        .unwrap_or(s)
        .split('\n')
        .filter(move |_| !s.is_empty())
}

/// A count argument of head/tail: `N`, `-N` or `+N`.
fn count_arg(s: &str) -> Option<(i64, bool)> {
    let plus = s.starts_with('+');
    let body = s.trim_start_matches('+');
    let v: i64 = body.parse().ok()?;
    Some((v, plus))
}

/// A process as ps shows it.
struct Proc {
    pid: u32,
    ppid: u32,
    user: &'static str,
    /// Percent CPU, tenths.
    cpu: u32,
    vsz: u64,
    rss: u64,
    tty: &'static str,
    stat: &'static str,
    start_ms: i64,
    /// CPU time used, seconds.
    time_s: u64,
    cmd: String,
}

impl Proc {
    /// The short command name (`comm`).
    fn comm(&self) -> String {
        let first = self.cmd.split(' ').next().unwrap_or("");
        let name = if first.starts_with('[') {
            self.cmd
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        } else {
            first
                .rsplit('/')
                .next()
                .unwrap_or(first)
                .trim_end_matches(':')
                .to_owned()
        };
        name.chars().take(15).collect()
    }
}

/// A mounted file system: device, type, size and use (KiB), mount point.
struct Mount {
    dev: &'static str,
    fstype: &'static str,
    size: u64,
    used: u64,
    avail: u64,
    target: &'static str,
}

/// `df -h`: 1024-based, rounded up, one decimal below 10.
fn human_ceil(kib: u64, si: bool) -> String {
    if kib == 0 {
        return "0".to_owned();
    }
    let base = if si { 1000.0 } else { 1024.0 };
    let mut v = kib as f64 * 1024.0;
    let units = ["B", "K", "M", "G", "T", "P"];
    let mut u = 0;
    while v >= base && u < units.len() - 1 {
        v /= base;
        u += 1;
    }
    let mut t = (v * 10.0).ceil() / 10.0;
    if t >= base {
        t = 1.0;
        u += 1;
    }
    let unit = if u == 0 { "" } else { units[u] };
    if t < 10.0 {
        format!("{t:.1}{unit}")
    } else {
        format!("{}{unit}", t.ceil() as u64)
    }
}

/// `free -h`: `Gi`/`Mi` units, one decimal below 10.
fn human_free(kib: u64) -> String {
    if kib == 0 {
        return "0B".to_owned();
    }
    let mut v = kib as f64;
    let units = ["Ki", "Mi", "Gi", "Ti"];
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if v < 10.0 {
        format!("{v:.1}{}", units[u])
    } else {
        format!("{}{}", v.round() as u64, units[u])
    }
}

/// `1 week 5 days`, `3h 4min`, as systemd says how long ago.
fn systemd_ago(secs: u64) -> String {
    let (w, d, h, m) = (
        secs / 604_800,
        secs / 86_400 % 7,
        secs / 3600 % 24,
        secs / 60 % 60,
    );
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if w > 0 {
        if d > 0 {
            format!(
                "{} {}",
                plural(w, "week", "weeks"),
                plural(d, "day", "days")
            )
        } else {
            plural(w, "week", "weeks")
        }
    } else if d > 0 {
        if h > 0 {
            format!("{} {h}h", plural(d, "day", "days"))
        } else {
            plural(d, "day", "days")
        }
    } else if h > 0 {
        format!("{h}h {m}min")
    } else {
        format!("{m}min {}s", secs % 60)
    }
}

impl Sh {
    /// An external command; `None` if it is not installed.
    fn external(
        &mut self,
        name: &str,
        args: &[String],
        inp: &mut Input,
        o: &mut Out,
    ) -> Option<i32> {
        if !self.has_command(name) {
            return None;
        }
        self.clock_us += EXTERNAL_US;
        Some(match name {
            "echo" => {
                echo_gnu(args, o);
                0
            }
            "printf" => match args.split_first() {
                None => {
                    o.err_line("printf: missing operand");
                    1
                }
                Some((fmt, rest)) => {
                    let (st, msgs) = printf(fmt, rest, &mut o.out);
                    for m in msgs {
                        o.err_line(&format!("printf: {m}"));
                    }
                    st
                }
            },
            "true" => 0,
            "false" => 1,
            "test" | "[" => self.builtin(name, args, inp, o).unwrap_or(2),
            "pwd" => {
                o.line(&self.cwd.clone());
                0
            }
            "hostname" => self.c_hostname(args, o),
            "uname" => self.c_uname(args, o),
            "whoami" => {
                o.line("root");
                0
            }
            "id" => self.c_id(args, o),
            "uptime" => self.c_uptime(args, o),
            "date" => self.c_date(args, o),
            "cat" => self.c_cat(args, inp, o),
            "df" => self.c_df(args, o),
            "free" => self.c_free(args, o),
            "ps" => {
                self.clock_us += 10_000;
                self.c_ps(args, o)
            }
            "sleep" => self.c_sleep(args, o),
            "seq" => self.c_seq(args, o),
            "grep" | "egrep" | "fgrep" => self.c_grep(name, args, inp, o),
            "head" | "tail" => self.c_head_tail(name, args, inp, o),
            "wc" => self.c_wc(args, inp, o),
            "sort" => self.c_sort(args, inp, o),
            "uniq" => self.c_uniq(args, inp, o),
            "tr" => c_tr(args, inp, o),
            "cut" => self.c_cut(args, inp, o),
            "tee" => self.c_tee(args, inp, o),
            "ls" => self.c_ls(args, o),
            "mkdir" => self.c_mkdir(args, o),
            "touch" => self.c_touch(args, o),
            "rm" => self.c_rm(args, o),
            "basename" => match args.iter().find(|a| !a.starts_with('-') || a.len() == 1) {
                None => missing_operand(o, "basename"),
                Some(p) => {
                    let trimmed = p.trim_end_matches('/');
                    let mut base = if trimmed.is_empty() && !p.is_empty() {
                        "/".to_owned()
                    } else {
                        trimmed.rsplit('/').next().unwrap_or("").to_owned()
                    };
                    let pos = args.iter().position(|a| a == p).unwrap_or(0);
                    if let Some(suffix) = args.get(pos + 1)
                        && base.len() > suffix.len()
                        && base.ends_with(suffix.as_str())
                    {
                        base.truncate(base.len() - suffix.len());
                    }
                    o.line(&base);
                    0
                }
            },
            "dirname" => {
                if args.is_empty() {
                    return Some(missing_operand(o, "dirname"));
                }
                for p in args {
                    let t = p.trim_end_matches('/');
                    let d = match t.rfind('/') {
                        None if p.starts_with('/') => "/",
                        None => ".",
                        Some(i) => {
                            let d = t[..i].trim_end_matches('/');
                            if d.is_empty() { "/" } else { d }
                        }
                    };
                    o.line(d);
                }
                0
            }
            "env" => {
                self.c_env(o);
                0
            }
            "printenv" => {
                if args.is_empty() {
                    self.c_env(o);
                    return Some(0);
                }
                let mut st = 0;
                for a in args {
                    match self.vars.get(a).filter(|v| v.exported) {
                        Some(v) => o.line(&v.value.clone()),
                        None => st = 1,
                    }
                }
                st
            }
            "which" => {
                let mut st = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    match self.command_path(a) {
                        Some(p) => o.line(&p),
                        None => {
                            st = 1;
                            if matches!(
                                self.host.platform,
                                SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9
                            ) {
                                let path = self.var("PATH").unwrap_or("").to_owned();
                                o.err_line(&format!("/usr/bin/which: no {a} in ({path})"));
                            }
                        }
                    }
                }
                st
            }
            "nproc" => {
                o.line(&self.host.cpus.to_string());
                0
            }
            "yes" => {
                let line = if args.is_empty() {
                    "y".to_owned()
                } else {
                    args.join(" ")
                } + "\n";
                let mut s = line.repeat(OUTPUT_CAP / line.len() + 1);
                truncate_at(&mut s, OUTPUT_CAP);
                o.out = s;
                0
            }
            "systemctl" => self.c_systemctl(args, o),
            "sw_vers" => {
                let rows = [
                    ("ProductName", "macOS"),
                    ("ProductVersion", "14.6.1"),
                    ("BuildVersion", "23G93"),
                ];
                match args.first().map(|a| a.trim_start_matches('-')) {
                    None => {
                        for (k, v) in rows {
                            o.line(&format!("{k}:\t\t{v}"));
                        }
                    }
                    Some(want) => match rows.iter().find(|(k, _)| k.eq_ignore_ascii_case(want)) {
                        Some((_, v)) => o.line(v),
                        None => {
                            o.err_line(
                                "usage: sw_vers [-productName|-productVersion|-buildVersion]",
                            );
                            return Some(1);
                        }
                    },
                }
                0
            }
            _ => return None,
        })
    }

    fn c_env(&self, o: &mut Out) {
        for (k, v) in &self.vars {
            if v.exported {
                o.line(&format!("{k}={}", v.value));
            }
        }
    }

    /// The contents of a filter's operands, or its standard input.
    fn inputs(
        &self,
        cmd: &str,
        files: &[String],
        inp: &mut Input,
        o: &mut Out,
        ok: &mut bool,
    ) -> Vec<(String, String)> {
        if files.is_empty() {
            return vec![("-".to_owned(), inp.rest().to_owned())];
        }
        let mut v = Vec::new();
        for f in files {
            if f == "-" {
                v.push(("-".to_owned(), inp.rest().to_owned()));
                continue;
            }
            match self.lookup(f) {
                Lookup::File(c) => v.push((f.clone(), c)),
                Lookup::Dir => {
                    o.err_line(&format!("{cmd}: {f}: Is a directory"));
                    *ok = false;
                }
                Lookup::Missing => {
                    o.err_line(&format!("{cmd}: {f}: No such file or directory"));
                    *ok = false;
                }
            }
        }
        v
    }

    fn c_hostname(&mut self, args: &[String], o: &mut Out) -> i32 {
        let name = self.host.hostname.clone();
        match args.first().map(String::as_str) {
            None | Some("-f" | "--fqdn" | "--long" | "-A" | "--all-fqdns") => o.line(&name),
            Some("-s" | "--short") => o.line(name.split('.').next().unwrap_or(&name)),
            Some("-i" | "--ip-address") => o.line(&self.host.ip.clone()),
            Some("-I" | "--all-ip-addresses") => o.line(&format!("{} ", self.host.ip)),
            Some("-d" | "--domain") => o.line(name.split_once('.').map_or("", |(_, d)| d)),
            Some(a) if a.starts_with('-') => return bad_option(o, "hostname", a, 1),
            Some(new) => {
                self.host.hostname = new.to_owned();
                self.set_var("HOSTNAME", new.to_owned());
            }
        }
        0
    }

    fn c_uname(&self, args: &[String], o: &mut Out) -> i32 {
        let mac = self.host.is_mac();
        let mut flags = String::new();
        for a in args {
            if let Some(long) = a.strip_prefix("--") {
                let f = match long {
                    "all" => 'a',
                    "kernel-name" => 's',
                    "nodename" => 'n',
                    "kernel-release" => 'r',
                    "kernel-version" => 'v',
                    "machine" => 'm',
                    "processor" => 'p',
                    "hardware-platform" => 'i',
                    "operating-system" => 'o',
                    _ => return bad_option(o, "uname", a, 1),
                };
                flags.push(f);
            } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
                let allowed = if mac { "amnprsv" } else { "asnrvmpio" };
                if let Some(c) = short.chars().find(|c| !allowed.contains(*c)) {
                    if mac {
                        o.err_line(&format!("uname: illegal option -- {c}"));
                        o.err_line("usage: uname [-amnprsv]");
                        return 1;
                    }
                    return bad_option(o, "uname", &format!("-{c}"), 1);
                }
                flags.push_str(short);
            } else {
                if mac {
                    o.err_line("usage: uname [-amnprsv]");
                } else {
                    o.err_line(&format!("uname: extra operand '{a}'"));
                    o.err_line("Try 'uname --help' for more information.");
                }
                return 1;
            }
        }
        if flags.is_empty() {
            flags.push('s');
        }
        let (release, version) = kernel(self.host.platform);
        let unknown_cpu = self.host.platform == SimPlatform::Debian12;
        let (sysname, machine, cpu) = if mac {
            ("Darwin", "arm64", "arm")
        } else {
            (
                "Linux",
                "x86_64",
                if unknown_cpu { "unknown" } else { "x86_64" },
            )
        };
        let all = flags.contains('a');
        let mut out = Vec::new();
        for (f, v) in [
            ('s', sysname),
            ('n', self.host.hostname.as_str()),
            ('r', release),
            ('v', version),
            ('m', machine),
            ('p', cpu),
            ('i', if mac { "" } else { cpu }),
            ('o', if mac { "" } else { "GNU/Linux" }),
        ] {
            let wanted = flags.contains(f);
            let in_all = all && (v != "unknown" && !v.is_empty()) && !(mac && f == 'p');
            if wanted || in_all {
                out.push(v);
            }
        }
        o.line(&out.join(" "));
        0
    }

    fn c_id(&self, args: &[String], o: &mut Out) -> i32 {
        let mac = self.host.is_mac();
        let mut flags = String::new();
        let mut user = None;
        for a in args {
            match a.strip_prefix('-') {
                Some(f) if !f.is_empty() && f.chars().all(|c| "ugGnr".contains(c)) => {
                    flags.push_str(f)
                }
                Some(_) => return bad_option(o, "id", a, 1),
                None => user = Some(a.as_str()),
            }
        }
        let du = default_user(self.host.platform);
        let (uid, gid, name, group, groups): (u32, u32, &str, &str, Vec<(u32, &str)>) = match user {
            None | Some("root" | "0") => {
                if mac {
                    (
                        0,
                        0,
                        "root",
                        "wheel",
                        vec![
                            (0, "wheel"),
                            (1, "daemon"),
                            (2, "kmem"),
                            (3, "sys"),
                            (4, "tty"),
                            (5, "operator"),
                            (8, "procview"),
                            (9, "procmod"),
                            (12, "everyone"),
                            (20, "staff"),
                            (29, "certusers"),
                            (61, "localaccounts"),
                            (80, "admin"),
                            (33, "_appstore"),
                            (98, "_lpadmin"),
                            (100, "_lpoperator"),
                            (204, "_developer"),
                            (250, "_analyticsusers"),
                            (395, "com.apple.access_ftp"),
                            (398, "com.apple.access_screensharing"),
                            (399, "com.apple.access_ssh"),
                            (400, "com.apple.access_remote_ae"),
                        ],
                    )
                } else {
                    (0, 0, "root", "root", vec![(0, "root")])
                }
            }
            Some(u) if u == du && !mac => {
                let extra = match self.host.platform {
                    SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => vec![
                        (4, "adm"),
                        (24, "cdrom"),
                        (27, "sudo"),
                        (30, "dip"),
                        (105, "lxd"),
                    ],
                    SimPlatform::Debian12 => vec![(4, "adm"), (27, "sudo")],
                    _ => vec![(4, "adm"), (10, "wheel"), (190, "systemd-journal")],
                };
                let mut g = vec![(1000, du)];
                g.extend(extra);
                (1000, 1000, du, du, g)
            }
            Some(u) => {
                o.err_line(&format!("id: '{u}': no such user"));
                return 1;
            }
        };
        let names = flags.contains('n');
        if flags.contains('u') {
            o.line(&if names {
                name.to_owned()
            } else {
                uid.to_string()
            });
        } else if flags.contains('G') {
            let v: Vec<String> = groups
                .iter()
                .map(|(g, n)| {
                    if names {
                        (*n).to_owned()
                    } else {
                        g.to_string()
                    }
                })
                .collect();
            o.line(&v.join(" "));
        } else if flags.contains('g') {
            o.line(&if names {
                group.to_owned()
            } else {
                gid.to_string()
            });
        } else {
            let gs: Vec<String> = groups.iter().map(|(g, n)| format!("{g}({n})")).collect();
            let mut line = format!(
                "uid={uid}({name}) gid={gid}({group}) groups={}",
                gs.join(",")
            );
            if user.is_none()
                && matches!(
                    self.host.platform,
                    SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9
                )
            {
                line.push_str(" context=system_u:system_r:unconfined_service_t:s0");
            }
            o.line(&line);
        }
        0
    }

    fn c_uptime(&self, args: &[String], o: &mut Out) -> i32 {
        let h = &self.host;
        let up = h.uptime_s();
        let now = tm(h.now_ms);
        let (days, hours, mins) = (up / 86_400, up / 3600 % 24, up / 60 % 60);
        let loads = h.load.map(hundredths);
        if h.is_mac() {
            let mut s = format!("{:02}:{:02}  up ", now.hour, now.min);
            if days > 0 {
                let _ = write!(s, "{days} day{}, ", if days == 1 { "" } else { "s" });
            }
            if hours > 0 {
                let _ = write!(s, "{hours:2}:{mins:02},");
            } else {
                let _ = write!(s, "{mins} min{},", if mins == 1 { "" } else { "s" });
            }
            let _ = write!(
                s,
                " 0 users, load averages: {} {} {}",
                loads[0], loads[1], loads[2]
            );
            o.line(&s);
            return 0;
        }
        match args.first().map(String::as_str) {
            None => {
                let procps4 = matches!(h.platform, SimPlatform::Debian12 | SimPlatform::Ubuntu2404);
                let mut s = format!(" {:02}:{:02}:{:02} up ", now.hour, now.min, now.sec);
                if days > 0 {
                    let _ = write!(s, "{days} day{}, ", if days == 1 { "" } else { "s" });
                }
                if hours > 0 {
                    let _ = write!(s, "{hours:2}:{mins:02}, ");
                } else {
                    let _ = write!(s, "{mins} min, ");
                }
                let users = if procps4 { " 0 user" } else { " 0 users" };
                let _ = write!(
                    s,
                    "{users},  load average: {}, {}, {}",
                    loads[0], loads[1], loads[2]
                );
                o.line(&s);
            }
            Some("-p" | "--pretty") => {
                let mut parts = Vec::new();
                let plural =
                    |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
                let (weeks, d) = (days / 7, days % 7);
                if weeks > 0 {
                    parts.push(plural(weeks, "week"));
                }
                if d > 0 {
                    parts.push(plural(d, "day"));
                }
                if hours > 0 {
                    parts.push(plural(hours, "hour"));
                }
                if mins > 0 || parts.is_empty() {
                    parts.push(plural(mins, "minute"));
                }
                o.line(&format!("up {}", parts.join(", ")));
            }
            Some("-s" | "--since") => o.line(&strftime("%Y-%m-%d %H:%M:%S", &tm(h.boot_ms))),
            Some(a) => return bad_option(o, "uptime", a, 1),
        }
        0
    }

    fn c_date(&self, args: &[String], o: &mut Out) -> i32 {
        let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_owned();
        for a in args {
            match a.as_str() {
                "-u" | "--utc" | "--universal" => {}
                "-R" | "--rfc-email" => fmt = "%a, %d %b %Y %H:%M:%S +0000".to_owned(),
                "-I" | "--iso-8601" | "-Idate" | "--iso-8601=date" => fmt = "%Y-%m-%d".to_owned(),
                "-Iseconds" | "--iso-8601=seconds" => fmt = "%Y-%m-%dT%H:%M:%S+00:00".to_owned(),
                "-Iminutes" | "--iso-8601=minutes" => fmt = "%Y-%m-%dT%H:%M+00:00".to_owned(),
                "-Ihours" | "--iso-8601=hours" => fmt = "%Y-%m-%dT%H+00:00".to_owned(),
                "-Ins" | "--iso-8601=ns" => fmt = "%Y-%m-%dT%H:%M:%S,%N+00:00".to_owned(),
                f if f.starts_with('+') => fmt = f[1..].to_owned(),
                f if f.starts_with('-') => return bad_option(o, "date", f, 1),
                other => {
                    o.err_line(&format!("date: invalid date '{other}'"));
                    return 1;
                }
            }
        }
        o.line(&strftime(&fmt, &tm(self.host.now_ms)));
        0
    }

    fn c_cat(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut number = false;
        let mut files = Vec::new();
        for a in args {
            if a.len() > 1 && a.starts_with('-') {
                if a == "-n" || a == "--number" {
                    number = true;
                } else if !a[1..].chars().all(|c| "bsAETuv".contains(c)) {
                    return bad_option(o, "cat", a, 1);
                }
            } else {
                files.push(a.clone());
            }
        }
        let mut ok = true;
        let mut n = 0;
        for (_, content) in self.inputs("cat", &files, inp, o, &mut ok) {
            if number {
                for l in content.split_inclusive('\n') {
                    n += 1;
                    let _ = write!(o.out, "{n:6}\t{l}");
                    if o.full() {
                        break;
                    }
                }
            } else {
                o.out.push_str(&content);
            }
            if o.full() {
                break;
            }
        }
        i32::from(!ok)
    }

    fn mounts(&self) -> Vec<Mount> {
        let h = &self.host;
        let (size, used) = h.disk;
        let mem = h.mem.total;
        let run_used = 400 + h.rand("run-used") % 900;
        let m = |dev, fstype, size: u64, used: u64, target| Mount {
            dev,
            fstype,
            size,
            used,
            avail: size - used,
            target,
        };
        let ext4 = |dev, size: u64, used: u64, target| Mount {
            dev,
            fstype: "ext4",
            size,
            used,
            avail: (size - used).saturating_sub(size / 20),
            target,
        };
        match h.platform {
            SimPlatform::AmazonLinux2023 => vec![
                m("devtmpfs", "devtmpfs", 4096, 0, "/dev"),
                m("tmpfs", "tmpfs", mem / 2, 0, "/dev/shm"),
                m("tmpfs", "tmpfs", mem / 5, run_used, "/run"),
                m("/dev/nvme0n1p1", "xfs", size, used, "/"),
                m("tmpfs", "tmpfs", mem / 2, 4, "/tmp"),
                m("/dev/nvme0n1p128", "vfat", 10_202, 1_302, "/boot/efi"),
            ],
            SimPlatform::Ubuntu2204 => vec![
                ext4("/dev/root", size, used, "/"),
                m("tmpfs", "tmpfs", mem / 2, 0, "/dev/shm"),
                m("tmpfs", "tmpfs", mem / 5, run_used, "/run"),
                m("tmpfs", "tmpfs", 5120, 0, "/run/lock"),
                m("/dev/nvme0n1p15", "vfat", 106_858, 6_186, "/boot/efi"),
            ],
            SimPlatform::Ubuntu2404 => vec![
                ext4("/dev/root", size, used, "/"),
                m("tmpfs", "tmpfs", mem / 2, 0, "/dev/shm"),
                m("tmpfs", "tmpfs", mem / 5, run_used, "/run"),
                m("tmpfs", "tmpfs", 5120, 0, "/run/lock"),
                ext4("/dev/nvme0n1p16", 901_520, 78_512, "/boot"),
                m("/dev/nvme0n1p15", "vfat", 106_832, 6_246, "/boot/efi"),
            ],
            SimPlatform::Rhel9 => vec![
                m("devtmpfs", "devtmpfs", 4096, 0, "/dev"),
                m("tmpfs", "tmpfs", mem / 2, 0, "/dev/shm"),
                m("tmpfs", "tmpfs", mem / 5, run_used, "/run"),
                m("/dev/nvme0n1p4", "xfs", size, used, "/"),
                m("/dev/nvme0n1p3", "xfs", 983_040, 207_876, "/boot"),
                m("/dev/nvme0n1p2", "vfat", 204_580, 7_142, "/boot/efi"),
            ],
            _ => vec![
                m("udev", "devtmpfs", mem / 2, 0, "/dev"),
                m("tmpfs", "tmpfs", mem / 5, run_used, "/run"),
                ext4("/dev/nvme0n1p1", size, used, "/"),
                m("tmpfs", "tmpfs", mem / 2, 0, "/dev/shm"),
                m("tmpfs", "tmpfs", 5120, 0, "/run/lock"),
                m("/dev/nvme0n1p15", "vfat", 126_678, 11_840, "/boot/efi"),
            ],
        }
    }

    fn c_df(&self, args: &[String], o: &mut Out) -> i32 {
        let mut human = None;
        let mut mib = false;
        let mut show_type = false;
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-h" | "--human-readable" => human = Some(false),
                "-H" | "--si" => human = Some(true),
                "-k" => mib = false,
                "-m" => mib = true,
                "-T" | "--print-type" => show_type = true,
                "-t" | "-x" => {
                    it.next();
                }
                "-l" | "--local" | "-a" | "--all" | "-P" | "--portability" => {}
                f if f.starts_with('-') && f.len() > 1 => {
                    let mut ok = true;
                    for c in f[1..].chars() {
                        match c {
                            'h' => human = Some(false),
                            'H' => human = Some(true),
                            'T' => show_type = true,
                            'k' => mib = false,
                            'm' => mib = true,
                            'l' | 'a' | 'P' => {}
                            _ => ok = false,
                        }
                    }
                    if !ok {
                        return bad_option(o, "df", f, 1);
                    }
                }
                p => paths.push(p.to_owned()),
            }
        }
        if self.host.is_mac() {
            return self.c_df_mac(o);
        }
        let mounts = self.mounts();
        let mut selected: Vec<&Mount> = Vec::new();
        let mut st = 0;
        if paths.is_empty() {
            selected.extend(mounts.iter());
        } else {
            for p in &paths {
                if matches!(self.lookup(p), Lookup::Missing) {
                    o.err_line(&format!("df: {p}: No such file or directory"));
                    st = 1;
                    continue;
                }
                let abs = self.resolve(p);
                let best = mounts
                    .iter()
                    .filter(|m| {
                        abs == m.target
                            || m.target == "/"
                            || abs.starts_with(&format!("{}/", m.target))
                    })
                    .max_by_key(|m| m.target.len());
                if let Some(m) = best {
                    selected.push(m);
                }
            }
        }
        let size = |kib: u64| match human {
            Some(si) => human_ceil(kib, si),
            None if mib => kib.div_ceil(1024).to_string(),
            None => kib.to_string(),
        };
        let (size_h, avail_h) = match (human, mib) {
            (Some(_), _) => ("Size", "Avail"),
            (None, true) => ("1M-blocks", "Available"),
            (None, false) => ("1K-blocks", "Available"),
        };
        let mut rows: Vec<Vec<String>> = vec![];
        let mut header = vec!["Filesystem".to_owned()];
        if show_type {
            header.push("Type".to_owned());
        }
        header.extend([size_h, "Used", avail_h, "Use%", "Mounted on"].map(str::to_owned));
        rows.push(header);
        for m in selected {
            let pct = if m.size == 0 {
                "-".to_owned()
            } else {
                format!("{}%", (m.used * 100).div_ceil(m.used + m.avail).min(100))
            };
            let mut r = vec![m.dev.to_owned()];
            if show_type {
                r.push(m.fstype.to_owned());
            }
            r.extend([
                size(m.size),
                size(m.used),
                size(m.avail),
                pct,
                m.target.to_owned(),
            ]);
            rows.push(r);
        }
        let ncol = rows[0].len();
        let mins: Vec<usize> = (0..ncol)
            .map(|i| {
                if i == 0 {
                    14
                } else if (show_type && i == 1) || i == ncol - 2 {
                    4
                } else {
                    5
                }
            })
            .collect();
        let widths: Vec<usize> = (0..ncol)
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].len())
                    .max()
                    .unwrap_or(0)
                    .max(mins[i])
            })
            .collect();
        for r in &rows {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                let left = i == 0 || (show_type && i == 1);
                if i == ncol - 1 {
                    line.push_str(cell);
                } else if left {
                    let _ = write!(line, "{cell:<w$} ", w = widths[i]);
                } else {
                    let _ = write!(line, "{cell:>w$} ", w = widths[i]);
                }
            }
            o.line(&line);
        }
        st
    }

    fn c_df_mac(&self, o: &mut Out) -> i32 {
        let (size, used) = self.host.disk;
        let size = size * 4;
        let avail = size - used - size / 20;
        let g = |kib: u64| human_free(kib);
        o.line("Filesystem        Size    Used   Avail Capacity iused ifree %iused  Mounted on");
        let rows = [
            ("/dev/disk3s1s1", size, 10_485_760u64, "404k", "/"),
            ("devfs", 203, 203, "702", "/dev"),
            ("/dev/disk3s6", size, 1_048_576, "1", "/System/Volumes/VM"),
            (
                "/dev/disk3s2",
                size,
                6_606_028,
                "1.2k",
                "/System/Volumes/Preboot",
            ),
            ("/dev/disk3s4", size, 3_482, "50", "/System/Volumes/Update"),
            ("/dev/disk3s5", size, used, "1.1M", "/System/Volumes/Data"),
        ];
        for (dev, sz, u, iused, target) in rows {
            let av = if dev == "devfs" { 0 } else { avail };
            let cap = (u * 100).div_ceil(u + av).min(100);
            let (ifree, ipct) = if dev == "devfs" {
                ("0", "100%")
            } else {
                ("1.5G", "0%")
            };
            o.line(&format!(
                "{dev:<16}{:>6}{:>8}{:>8}{:>8}%{iused:>6}{ifree:>6}{ipct:>7}   {target}",
                g(sz),
                g(u),
                if av == 0 { "0Bi".to_owned() } else { g(av) },
                cap
            ));
        }
        0
    }

    fn c_free(&self, args: &[String], o: &mut Out) -> i32 {
        let mut unit: Box<dyn Fn(u64) -> String> = Box::new(|k: u64| k.to_string());
        let mut total = false;
        for a in args {
            match a.as_str() {
                "-k" | "--kibi" => unit = Box::new(|k: u64| k.to_string()),
                "-m" | "--mebi" => unit = Box::new(|k: u64| (k / 1024).to_string()),
                "-g" | "--gibi" => unit = Box::new(|k: u64| (k / 1024 / 1024).to_string()),
                "-b" | "--bytes" => unit = Box::new(|k: u64| (k * 1024).to_string()),
                "-h" | "--human" => unit = Box::new(human_free),
                "-t" | "--total" => total = true,
                "-w" | "--wide" => {}
                _ => return bad_option(o, "free", a, 1),
            }
        }
        let m = self.host.mem;
        o.line(&format!(
            "{:8}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}",
            "", "total", "used", "free", "shared", "buff/cache", "available"
        ));
        o.line(&format!(
            "{:8}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}",
            "Mem:",
            unit(m.total),
            unit(m.used),
            unit(m.free),
            unit(m.shared),
            unit(m.cache),
            unit(m.available)
        ));
        o.line(&format!(
            "{:8}{:>12}{:>12}{:>12}",
            "Swap:",
            unit(0),
            unit(0),
            unit(0)
        ));
        if total {
            o.line(&format!(
                "{:8}{:>12}{:>12}{:>12}",
                "Total:",
                unit(m.total),
                unit(m.used),
                unit(m.free)
            ));
        }
        0
    }

    fn processes(&self) -> Vec<Proc> {
        let h = &self.host;
        let p = h.platform;
        let boot = h.boot_ms;
        let now = h.now_ms;
        let up = h.uptime_s();
        let r = |what: &str| h.rand(what);
        let mut v = Vec::new();
        let mut add = |pid: u32,
                       ppid: u32,
                       stat: &'static str,
                       vsz: u64,
                       rss: u64,
                       start: i64,
                       time_s: u64,
                       cmd: String| {
            v.push(Proc {
                pid,
                ppid,
                user: "root",
                cpu: 0,
                vsz,
                rss,
                tty: "?",
                stat,
                start_ms: start,
                time_s,
                cmd,
            });
        };
        let debian_like = matches!(
            p,
            SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 | SimPlatform::Debian12
        );
        if h.is_mac() {
            add(
                1,
                0,
                "Ss",
                34_177_808,
                15_888,
                boot,
                up / 900,
                "/sbin/launchd".to_owned(),
            );
            add(
                88,
                1,
                "Ss",
                33_855_760,
                8_928,
                boot + 3_000,
                up / 2000,
                "/usr/libexec/logd".to_owned(),
            );
            add(
                91,
                1,
                "Ss",
                33_812_224,
                6_400,
                boot + 3_100,
                up / 9000,
                "/usr/libexec/UserEventAgent (System)".to_owned(),
            );
            add(
                97,
                1,
                "Ss",
                33_834_496,
                9_856,
                boot + 3_300,
                up / 4000,
                "/usr/libexec/configd".to_owned(),
            );
            add(
                104,
                1,
                "Ss",
                33_866_304,
                11_664,
                boot + 3_500,
                up / 3000,
                "/usr/sbin/mDNSResponder".to_owned(),
            );
            add(140, 1, "Ss", 33_978_496, 31_072, boot + 4_000, up / 1500, "/System/Library/Frameworks/CoreServices.framework/Frameworks/Metadata.framework/Support/mds".to_owned());
            add(
                h.agent_pid,
                1,
                "Ss",
                35_245_688,
                33_104,
                boot + 21_000,
                up / 1200,
                agent_bin(p, "amazon-ssm-agent"),
            );
            add(
                h.agent_pid + 17,
                h.agent_pid,
                "S",
                35_312_736,
                41_216,
                boot + 22_000,
                up / 1400,
                agent_bin(p, "ssm-agent-worker"),
            );
        } else {
            let systemd = if debian_like {
                "/sbin/init".to_owned()
            } else {
                "/usr/lib/systemd/systemd --switched-root --system --deserialize=32".to_owned()
            };
            add(
                1,
                0,
                "Ss",
                105_960 + r("vsz1") % 60_000,
                12_000 + r("rss1") % 5_000,
                boot,
                up / 3000 + 1,
                systemd,
            );
            add(2, 0, "S", 0, 0, boot, 0, "[kthreadd]".to_owned());
            add(3, 2, "I<", 0, 0, boot, 0, "[rcu_gp]".to_owned());
            add(4, 2, "I<", 0, 0, boot, 0, "[rcu_par_gp]".to_owned());
            add(
                6,
                2,
                "I<",
                0,
                0,
                boot,
                0,
                "[kworker/0:0H-events_highpri]".to_owned(),
            );
            add(
                12,
                2,
                "S",
                0,
                0,
                boot,
                up / 20_000,
                "[ksoftirqd/0]".to_owned(),
            );
            add(
                13,
                2,
                "I",
                0,
                0,
                boot,
                up / 8_000,
                "[rcu_preempt]".to_owned(),
            );
            add(14, 2, "S", 0, 0, boot, 0, "[migration/0]".to_owned());
            add(35, 2, "S", 0, 0, boot, 0, "[kswapd0]".to_owned());
            let j = 380 + (r("journal") % 200) as u32;
            add(
                j,
                1,
                "Ss",
                40_400,
                15_000 + r("rssj") % 9_000,
                boot + 1_500,
                up / 5000,
                "/usr/lib/systemd/systemd-journald".to_owned(),
            );
            add(
                j + 32,
                1,
                "Ss",
                30_000,
                8_000 + r("rssu") % 4_000,
                boot + 1_700,
                up / 20_000,
                "/usr/lib/systemd/systemd-udevd".to_owned(),
            );
            let base = j + 200 + (r("daemons") % 100) as u32;
            let mut daemons: Vec<(&'static str, String)> = Vec::new();
            match p {
                SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9 => {
                    daemons.push(("S<sl", "/sbin/auditd".to_owned()));
                }
                _ => {}
            }
            match p {
                SimPlatform::Rhel9 => {
                    daemons.push(("Ssl", "/usr/sbin/NetworkManager --no-daemon".to_owned()))
                }
                SimPlatform::Debian12 => daemons.push((
                    "Ss",
                    "dhclient -4 -v -i -pf /run/dhclient.ens5.pid ens5".to_owned(),
                )),
                _ => {
                    daemons.push(("Ss", "/usr/lib/systemd/systemd-networkd".to_owned()));
                    daemons.push(("Ss", "/usr/lib/systemd/systemd-resolved".to_owned()));
                }
            }
            if debian_like {
                daemons.push(("Ss", "@dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only".to_owned()));
            } else {
                daemons.push((
                    "Ss",
                    "/usr/bin/dbus-broker-launch --scope system --audit".to_owned(),
                ));
            }
            daemons.push(("Ss", "/usr/lib/systemd/systemd-logind".to_owned()));
            match p {
                SimPlatform::Ubuntu2204 => {
                    daemons.push(("Ssl", "/lib/systemd/systemd-timesyncd".to_owned()))
                }
                SimPlatform::Debian12 | SimPlatform::Ubuntu2404 => {
                    daemons.push(("S", "/usr/sbin/chronyd -F 1".to_owned()))
                }
                _ => daemons.push(("S", "/usr/sbin/chronyd -F 2".to_owned())),
            }
            match p {
                SimPlatform::Rhel9 => {
                    daemons.push(("Ssl", "/usr/sbin/rsyslogd -n".to_owned()));
                    daemons.push(("Ss", "/usr/sbin/crond -n".to_owned()));
                }
                SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => {
                    daemons.push(("Ssl", "/usr/sbin/rsyslogd -n -iNONE".to_owned()));
                    daemons.push(("Ss", "/usr/sbin/cron -f -P".to_owned()));
                    daemons.push(("Ssl", "/usr/lib/snapd/snapd".to_owned()));
                }
                SimPlatform::Debian12 => daemons.push(("Ss", "/usr/sbin/cron -f".to_owned())),
                _ => {}
            }
            daemons.push((
                "Ss",
                "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups".to_owned(),
            ));
            daemons.push((
                "Ss+",
                "/sbin/agetty -o -p -- \\u --keep-baud 115200,57600,38400,9600 - vt220".to_owned(),
            ));
            for (i, (stat, cmd)) in daemons.into_iter().enumerate() {
                let pid = base + i as u32 * 23;
                let rss = 4_000 + label(&cmd) % 12_000;
                let vsz = rss * 3 + 10_000 + r(&cmd) % 90_000;
                add(
                    pid,
                    1,
                    stat,
                    vsz,
                    rss,
                    boot + 2_500 + i as i64 * 150,
                    up / (3000 + label(&cmd) % 20_000),
                    cmd,
                );
            }
            add(
                h.agent_pid.max(base + 400),
                1,
                "Ssl",
                1_845_120 + r("avsz") % 90_000,
                23_000 + r("arss") % 6_000,
                boot + 4_200,
                up / 1100,
                agent_bin(p, "amazon-ssm-agent"),
            );
            add(
                h.agent_pid.max(base + 400) + 21,
                h.agent_pid.max(base + 400),
                "Sl",
                1_916_680 + r("wvsz") % 90_000,
                31_000 + r("wrss") % 9_000,
                boot + 5_100,
                up / 1600,
                agent_bin(p, "ssm-agent-worker"),
            );
        }
        let worker = h.agent_pid.max(if h.is_mac() { 0 } else { 1000 }) + 21;
        add(
            h.shell_pid - 3,
            worker,
            "Sl",
            1_770_000 + r("dvsz") % 50_000,
            27_000 + r("drss") % 5_000,
            now - 900,
            0,
            agent_bin(p, "ssm-document-worker"),
        );
        add(
            h.shell_pid,
            h.shell_pid - 3,
            "S",
            2_576,
            900,
            now - 40,
            0,
            "sh -c /var/lib/sysman/run/_script.sh".to_owned(),
        );
        v
    }

    fn c_ps(&self, args: &[String], o: &mut Out) -> i32 {
        let mac = self.host.is_mac();
        let joined: String = args.join(" ");
        let style = match joined.trim_start_matches('-') {
            "" => "plain",
            "e" | "A" | "ax" | "e -o" => "all",
            "ef" | "eF" | "ef -ww" | "efww" | "aef" => "full",
            "aux" | "auxww" | "auxw" | "axu" | "aux -ww" | "uax" | "ux" => "aux",
            _ => {
                if mac {
                    o.err_line("ps: illegal option");
                    o.err_line(
                        "usage: ps [-AaCcEefhjlMmrSTvwXx] [-O fmt | -o fmt] [-G gid[,gid...]]",
                    );
                } else {
                    o.err_line("error: unsupported option (BSD syntax)");
                    o.err_line("");
                    o.err_line("Usage:");
                    o.err_line(" ps [options]");
                    o.err_line("");
                    o.err_line(" Try 'ps --help <simple|list|output|threads|misc|all>'");
                    o.err_line("  or 'ps --help <s|l|o|t|m|a>'");
                    o.err_line(" for additional help text.");
                    o.err_line("");
                    o.err_line("For more details see ps(1).");
                }
                return 1;
            }
        };
        let mut procs = self.processes();
        let now = self.host.now_ms;
        let cmds: Vec<String> = if self.procs.is_empty() {
            vec![
                std::iter::once("ps")
                    .chain(args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        } else {
            self.procs.clone()
        };
        for (i, c) in cmds.into_iter().enumerate() {
            let is_ps = c.split(' ').next().is_some_and(|w| w.ends_with("ps"));
            procs.push(Proc {
                pid: self.host.shell_pid + 1 + i as u32,
                ppid: self.host.shell_pid,
                user: "root",
                cpu: 0,
                vsz: if is_ps {
                    7_068
                } else {
                    2_576 + label(&c) % 6_000
                },
                rss: if is_ps {
                    2_912
                } else {
                    900 + label(&c) % 1_500
                },
                tty: "?",
                stat: if is_ps { "R" } else { "S" },
                start_ms: now,
                time_s: 0,
                cmd: c,
            });
        }
        let total = self.host.mem.total.max(1);
        let hms = |s: u64| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        match style {
            "plain" | "all" if mac => {
                o.line("  PID TTY           TIME CMD");
                if style == "all" {
                    for p in &procs {
                        o.line(&format!(
                            "{:>5} ??       {:>2}:{:02}.{:02} {}",
                            p.pid,
                            p.time_s / 60,
                            p.time_s % 60,
                            p.pid % 100,
                            p.cmd
                        ));
                    }
                }
            }
            "plain" | "all" => {
                o.line("    PID TTY          TIME CMD");
                for p in &procs {
                    o.line(&format!(
                        "{:>7} {:<8} {:>8} {}",
                        p.pid,
                        p.tty,
                        hms(p.time_s),
                        p.comm()
                    ));
                }
            }
            "full" if mac => {
                o.line("  UID   PID  PPID   C STIME   TTY           TIME CMD");
                for p in &procs {
                    o.line(&format!(
                        "{:>5} {:>5} {:>5} {:>3} {:>5}   ??       {:>2}:{:02}.{:02} {}",
                        0,
                        p.pid,
                        p.ppid,
                        0,
                        ps_start(p.start_ms, now),
                        p.time_s / 60,
                        p.time_s % 60,
                        p.pid % 100,
                        p.cmd
                    ));
                }
            }
            "full" => {
                o.line("UID          PID    PPID  C STIME TTY          TIME CMD");
                for p in &procs {
                    o.line(&format!(
                        "{:<8} {:>7} {:>7} {:>2} {:<5} {:<8} {:>8} {}",
                        p.user,
                        p.pid,
                        p.ppid,
                        p.cpu / 10,
                        ps_start(p.start_ms, now),
                        p.tty,
                        hms(p.time_s),
                        p.cmd
                    ));
                }
            }
            _ => {
                if mac {
                    o.line("USER               PID  %CPU %MEM      VSZ    RSS   TT  STAT STARTED      TIME COMMAND");
                } else {
                    o.line("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND");
                }
                for p in &procs {
                    let elapsed = ((now - p.start_ms) / 1000).max(1) as u64;
                    let cpu = p.time_s * 1000 / elapsed;
                    let mem = p.rss * 1000 / total;
                    let pct = |t: u64| format!("{}.{}", t / 10, t % 10);
                    if mac {
                        o.line(&format!(
                            "{:<16} {:>5} {:>5} {:>4} {:>8} {:>6}   ??  {:<4} {:>7} {:>9} {}",
                            p.user,
                            p.pid,
                            pct(cpu),
                            pct(mem),
                            p.vsz,
                            p.rss,
                            p.stat,
                            ps_start(p.start_ms, now),
                            format!("{}:{:02}.{:02}", p.time_s / 60, p.time_s % 60, p.pid % 100),
                            p.cmd
                        ));
                    } else {
                        o.line(&format!(
                            "{:<8} {:>7} {:>4} {:>4} {:>6} {:>5} {:<8} {:<4} {:>5} {:>6} {}",
                            p.user,
                            p.pid,
                            pct(cpu),
                            pct(mem),
                            p.vsz,
                            p.rss,
                            p.tty,
                            p.stat,
                            ps_start(p.start_ms, now),
                            format!("{}:{:02}", p.time_s / 60, p.time_s % 60),
                            p.cmd
                        ));
                    }
                }
            }
        }
        0
    }

    fn c_sleep(&mut self, args: &[String], o: &mut Out) -> i32 {
        let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "--").collect();
        if args.is_empty() {
            return missing_operand(o, "sleep");
        }
        let mut total = 0.0f64;
        for a in &args {
            let (num, mult) = match a.chars().last() {
                Some('s') => (&a[..a.len() - 1], 1.0),
                Some('m') => (&a[..a.len() - 1], 60.0),
                Some('h') => (&a[..a.len() - 1], 3600.0),
                Some('d') => (&a[..a.len() - 1], 86_400.0),
                _ => (a.as_str(), 1.0),
            };
            let v = match num {
                "inf" | "infinity" => f64::INFINITY,
                n if n.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !n.is_empty()
                    && n != "." =>
                {
                    n.parse::<f64>().unwrap_or(-1.0)
                }
                _ => -1.0,
            };
            if v.is_nan() || v < 0.0 {
                o.err_line(&format!("sleep: invalid time interval '{a}'"));
                o.err_line("Try 'sleep --help' for more information.");
                return 1;
            }
            total += v * mult;
        }
        let us = (total * 1e6).min(MAX_SLEEP_US as f64) as u64;
        self.clock_us += us;
        0
    }

    fn c_seq(&self, args: &[String], o: &mut Out) -> i32 {
        let mut sep = "\n".to_owned();
        let mut equal_width = false;
        let mut nums: Vec<&String> = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let is_num = a.parse::<f64>().is_ok();
            match a.as_str() {
                "-s" => {
                    i += 1;
                    sep = args.get(i).cloned().unwrap_or_default();
                }
                "-w" | "--equal-width" => equal_width = true,
                s if s.starts_with("-s") => sep = s[2..].to_owned(),
                s if s.starts_with('-') && s.len() > 1 && !is_num => {
                    return bad_option(o, "seq", s, 1);
                }
                _ => nums.push(a),
            }
            i += 1;
        }
        if nums.is_empty() {
            return missing_operand(o, "seq");
        }
        if nums.len() > 3 {
            o.err_line(&format!("seq: extra operand '{}'", nums[3]));
            o.err_line("Try 'seq --help' for more information.");
            return 1;
        }
        let mut vals = Vec::new();
        for n in &nums {
            match n.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => vals.push(v),
                _ => {
                    o.err_line(&format!("seq: invalid floating point argument: '{n}'"));
                    o.err_line("Try 'seq --help' for more information.");
                    return 1;
                }
            }
        }
        let (first, incr, last) = match vals.as_slice() {
            [l] => (1.0, 1.0, *l),
            [f, l] => (*f, 1.0, *l),
            [f, i, l] => (*f, *i, *l),
            _ => return 1,
        };
        if incr == 0.0 {
            o.err_line(&format!("seq: invalid Zero increment value: '{}'", nums[1]));
            o.err_line("Try 'seq --help' for more information.");
            return 1;
        }
        let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len());
        let prec = if nums.len() == 1 {
            0
        } else {
            decimals(nums[0]).max(if nums.len() == 3 {
                decimals(nums[1])
            } else {
                0
            })
        };
        let fmt = |v: f64| format!("{v:.prec$}");
        let width = if equal_width {
            fmt(first).len().max(fmt(last).len())
        } else {
            0
        };
        let ints: Vec<i64> = nums
            .iter()
            .filter_map(|n| n.trim().parse::<i64>().ok())
            .collect();
        if ints.len() == nums.len() && width == 0 {
            // The common case, without floating point.
            let (first, incr, last) = match ints.as_slice() {
                [l] => (1, 1, *l),
                [f, l] => (*f, 1, *l),
                [f, i, l] => (*f, *i, *l),
                _ => return 1,
            };
            let mut v = first;
            let mut wrote = false;
            while ((incr > 0 && v <= last) || (incr < 0 && v >= last)) && !o.full() {
                if wrote {
                    o.out.push_str(&sep);
                }
                let _ = write!(o.out, "{v}");
                wrote = true;
                let Some(next) = v.checked_add(incr) else {
                    break;
                };
                v = next;
            }
            if wrote {
                o.out.push('\n');
            }
            return 0;
        }
        let mut k = 0u64;
        let mut wrote = false;
        loop {
            let v = first + incr * k as f64;
            if (incr > 0.0 && v > last + 1e-9) || (incr < 0.0 && v < last - 1e-9) || o.full() {
                break;
            }
            if wrote {
                o.out.push_str(&sep);
            }
            let s = fmt(v);
            if width > s.len() {
                let (sign, digits) = if let Some(d) = s.strip_prefix('-') {
                    ("-", d)
                } else {
                    ("", s.as_str())
                };
                let _ = write!(o.out, "{sign}{}{digits}", "0".repeat(width - s.len()));
            } else {
                o.out.push_str(&s);
            }
            wrote = true;
            k += 1;
        }
        if wrote {
            o.out.push('\n');
        }
        0
    }

    fn c_grep(&self, name: &str, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut icase, mut invert, mut count, mut quiet, mut number, mut list) =
            (false, false, false, false, false, false);
        let (mut no_name, mut with_name, mut only, mut line_x, mut word, mut silent) =
            (false, false, false, false, false, false);
        let mut extended = name == "egrep";
        let mut fixed = name == "fgrep";
        let mut patterns: Vec<String> = Vec::new();
        let mut operands: Vec<String> = Vec::new();
        let mut i = 0;
        let usage = |o: &mut Out| {
            o.err_line("Usage: grep [OPTION]... PATTERNS [FILE]...");
            o.err_line("Try 'grep --help' for more information.");
            2
        };
        while let Some(a) = args.get(i) {
            i += 1;
            if a == "--" {
                operands.extend(args[i..].iter().cloned());
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                match long {
                    "ignore-case" => icase = true,
                    "invert-match" => invert = true,
                    "count" => count = true,
                    "quiet" | "silent" => quiet = true,
                    "line-number" => number = true,
                    "files-with-matches" => list = true,
                    "no-filename" => no_name = true,
                    "with-filename" => with_name = true,
                    "only-matching" => only = true,
                    "line-regexp" => line_x = true,
                    "word-regexp" => word = true,
                    "extended-regexp" => extended = true,
                    "fixed-strings" => fixed = true,
                    "no-messages" => silent = true,
                    l if l.starts_with("color") || l.starts_with("colour") => {}
                    l if l.starts_with("regexp=") => patterns.push(l[7..].to_owned()),
                    _ => return bad_option(o, "grep", a, 2),
                }
                continue;
            }
            if a.len() > 1 && a.starts_with('-') {
                let chars: Vec<char> = a[1..].chars().collect();
                let mut j = 0;
                while j < chars.len() {
                    match chars[j] {
                        'i' | 'y' => icase = true,
                        'v' => invert = true,
                        'c' => count = true,
                        'q' => quiet = true,
                        'n' => number = true,
                        'l' => list = true,
                        'h' => no_name = true,
                        'H' => with_name = true,
                        'o' => only = true,
                        'x' => line_x = true,
                        'w' => word = true,
                        'E' => extended = true,
                        'F' => fixed = true,
                        'G' => extended = false,
                        's' => silent = true,
                        'r' | 'R' | 'a' | 'I' | 'U' => {}
                        'e' => {
                            let rest: String = chars[j + 1..].iter().collect();
                            if rest.is_empty() {
                                match args.get(i) {
                                    Some(p) => patterns.push(p.clone()),
                                    None => return usage(o),
                                }
                                i += 1;
                            } else {
                                patterns.push(rest);
                            }
                            j = chars.len();
                            continue;
                        }
                        'A' | 'B' | 'C' | 'm' => {
                            if j + 1 == chars.len() {
                                i += 1;
                            }
                            j = chars.len();
                            continue;
                        }
                        c => return bad_option(o, "grep", &format!("-{c}"), 2),
                    }
                    j += 1;
                }
                continue;
            }
            operands.push(a.clone());
        }
        if patterns.is_empty() {
            if operands.is_empty() {
                return usage(o);
            }
            patterns.push(operands.remove(0));
        }
        let mut alts = Vec::new();
        for p in patterns.iter().flat_map(|p| p.split('\n')) {
            let re = if fixed {
                regex::escape(p)
            } else {
                match posix_to_regex(p, extended) {
                    Ok(r) => r,
                    Err(msg) => {
                        o.err_line(&format!("grep: {msg}"));
                        return 2;
                    }
                }
            };
            alts.push(format!("(?:{re})"));
        }
        let mut re = alts.join("|");
        if line_x {
            re = format!("^(?:{re})$");
        } else if word {
            re = format!("(?:^|\\W)(?:{re})(?:\\W|$)");
        }
        let regex = match RegexBuilder::new(&re)
            .case_insensitive(icase)
            .size_limit(1 << 22)
            .build()
        {
            Ok(r) => r,
            Err(_) => {
                o.err_line("grep: Invalid regular expression");
                return 2;
            }
        };
        let mut ok = true;
        let mut quiet_o = Out::default();
        let inputs = self.inputs(
            "grep",
            &operands,
            inp,
            if silent { &mut quiet_o } else { o },
            &mut ok,
        );
        let show_name = (operands.len() > 1 || with_name) && !no_name;
        let mut any = false;
        for (fname, content) in &inputs {
            let shown = if fname == "-" {
                "(standard input)"
            } else {
                fname.as_str()
            };
            let mut n = 0;
            for (ln, line) in text_lines(content).enumerate() {
                let hit = regex.is_match(line) != invert;
                if !hit {
                    continue;
                }
                any = true;
                n += 1;
                if quiet {
                    return 0;
                }
                if list || count {
                    continue;
                }
                let prefix = format!(
                    "{}{}",
                    if show_name {
                        format!("{shown}:")
                    } else {
                        String::new()
                    },
                    if number {
                        format!("{}:", ln + 1)
                    } else {
                        String::new()
                    }
                );
                if only && !invert {
                    for m in regex.find_iter(line).filter(|m| !m.as_str().is_empty()) {
                        o.line(&format!("{prefix}{}", m.as_str()));
                    }
                } else {
                    o.line(&format!("{prefix}{line}"));
                }
                if o.full() {
                    break;
                }
            }
            if count {
                o.line(&if show_name {
                    format!("{shown}:{n}")
                } else {
                    n.to_string()
                });
            } else if list && n > 0 {
                o.line(shown);
            }
        }
        if !ok {
            2
        } else if any {
            0
        } else {
            1
        }
    }

    fn c_head_tail(&self, name: &str, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let head = name == "head";
        let mut n: i64 = 10;
        let mut from_start = false;
        let mut bytes = false;
        let mut files = Vec::new();
        let mut i = 0;
        let bad = |o: &mut Out, v: &str, bytes: bool| {
            o.err_line(&format!(
                "{name}: invalid number of {}: '{v}'",
                if bytes { "bytes" } else { "lines" }
            ));
            1
        };
        while let Some(a) = args.get(i) {
            i += 1;
            let (flag, val): (&str, Option<String>) = if a == "-n" || a == "-c" {
                let v = args.get(i).cloned();
                i += 1;
                (a.as_str(), v)
            } else if let Some(v) = a.strip_prefix("--lines=") {
                ("-n", Some(v.to_owned()))
            } else if let Some(v) = a.strip_prefix("--bytes=") {
                ("-c", Some(v.to_owned()))
            } else if a.starts_with("-n") || a.starts_with("-c") {
                (&a[..2], Some(a[2..].to_owned()))
            } else if a.len() > 1
                && a.starts_with('-')
                && a[1..].chars().all(|c| c.is_ascii_digit())
            {
                ("-n", Some(a[1..].to_owned()))
            } else if matches!(
                a.as_str(),
                "-f" | "-F" | "--follow" | "-q" | "-v" | "--quiet" | "--silent"
            ) {
                continue;
            } else if a.len() > 1 && a.starts_with('-') {
                return bad_option(o, name, a, 1);
            } else {
                files.push(a.clone());
                continue;
            };
            bytes = flag == "-c";
            let Some(val) = val else {
                o.err_line(&format!(
                    "{name}: option requires an argument -- '{}'",
                    &flag[1..]
                ));
                o.err_line(&format!("Try '{name} --help' for more information."));
                return 1;
            };
            match count_arg(&val) {
                Some((v, plus)) => {
                    n = v;
                    from_start = plus;
                }
                None => return bad(o, &val, bytes),
            }
        }
        let mut ok = true;
        let inputs = self.inputs(name, &files, inp, o, &mut ok);
        let many = inputs.len() > 1;
        for (k, (fname, content)) in inputs.iter().enumerate() {
            if many {
                if k > 0 {
                    o.out.push('\n');
                }
                o.line(&format!(
                    "==> {} <==",
                    if fname == "-" {
                        "standard input"
                    } else {
                        fname
                    }
                ));
            }
            if bytes {
                let b = content.as_bytes();
                let len = b.len() as i64;
                let (s, e) = if head {
                    if n >= 0 {
                        (0, n.min(len))
                    } else {
                        (0, (len + n).max(0))
                    }
                } else if from_start {
                    ((n - 1).clamp(0, len), len)
                } else {
                    ((len - n.abs()).max(0), len)
                };
                o.out
                    .push_str(&String::from_utf8_lossy(&b[s as usize..e as usize]));
                continue;
            }
            let lines: Vec<&str> = content.split_inclusive('\n').collect();
            let len = lines.len() as i64;
            let (s, e) = if head {
                if n >= 0 {
                    (0, n.min(len))
                } else {
                    (0, (len + n).max(0))
                }
            } else if from_start {
                ((n - 1).clamp(0, len), len)
            } else {
                ((len - n.abs()).max(0), len)
            };
            for l in &lines[s as usize..e as usize] {
                o.out.push_str(l);
            }
        }
        i32::from(!ok)
    }

    fn c_wc(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut flags = String::new();
        let mut files = Vec::new();
        for a in args {
            match a.as_str() {
                "--lines" => flags.push('l'),
                "--words" => flags.push('w'),
                "--bytes" => flags.push('c'),
                "--chars" => flags.push('m'),
                f if f.len() > 1 && f.starts_with('-') => {
                    if let Some(c) = f[1..].chars().find(|c| !"lwcm".contains(*c)) {
                        return bad_option(o, "wc", &format!("-{c}"), 1);
                    }
                    flags.push_str(&f[1..]);
                }
                f => files.push(f.to_owned()),
            }
        }
        if flags.is_empty() {
            flags.push_str("lwc");
        }
        let order: Vec<char> = "lwmc".chars().filter(|c| flags.contains(*c)).collect();
        let mut ok = true;
        let inputs = self.inputs("wc", &files, inp, o, &mut ok);
        let counts = |s: &str| -> Vec<u64> {
            order
                .iter()
                .map(|c| match c {
                    'l' => s.bytes().filter(|&b| b == b'\n').count() as u64,
                    'w' => s.split_whitespace().count() as u64,
                    'm' => s.chars().count() as u64,
                    _ => s.len() as u64,
                })
                .collect()
        };
        let rows: Vec<(String, Vec<u64>)> =
            inputs.iter().map(|(n, c)| (n.clone(), counts(c))).collect();
        let mut total = vec![0u64; order.len()];
        for (_, r) in &rows {
            for (t, v) in total.iter_mut().zip(r) {
                *t += v;
            }
        }
        let stdin = inputs.iter().any(|(n, _)| n == "-");
        let width = if order.len() == 1 && rows.len() == 1 {
            1
        } else if stdin {
            7
        } else {
            let bytes: usize = inputs.iter().map(|(_, c)| c.len()).sum();
            bytes.to_string().len()
        };
        let fmt = |name: &str, r: &[u64]| {
            let nums: Vec<String> = r.iter().map(|v| format!("{v:>width$}")).collect();
            let mut line = nums.join(" ");
            if name != "-" {
                line.push(' ');
                line.push_str(name);
            }
            line
        };
        for (name, r) in &rows {
            o.line(&fmt(name, r));
        }
        if rows.len() > 1 {
            o.line(&fmt("total", &total));
        }
        i32::from(!ok)
    }

    fn c_sort(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut rev, mut numeric, mut uniq, mut fold, mut human) =
            (false, false, false, false, false);
        let mut key: Option<(usize, Option<usize>)> = None;
        let mut sep: Option<char> = None;
        let mut files = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            if a.starts_with("-k")
                || a.starts_with("-t")
                || a.starts_with("--key=")
                || a.starts_with("--field-separator=")
            {
                let (flag, inline) = if let Some(v) = a.strip_prefix("--key=") {
                    ('k', v.to_owned())
                } else if let Some(v) = a.strip_prefix("--field-separator=") {
                    ('t', v.to_owned())
                } else {
                    (a.chars().nth(1).unwrap_or('k'), a[2..].to_owned())
                };
                let v = if inline.is_empty() {
                    i += 1;
                    args.get(i - 1).cloned().unwrap_or_default()
                } else {
                    inline
                };
                if flag == 't' {
                    sep = v.chars().next();
                } else {
                    let mut opts = String::new();
                    let spec: String = v
                        .chars()
                        .filter(|c| {
                            c.is_ascii_digit() || *c == ',' || {
                                opts.push(*c);
                                false
                            }
                        })
                        .collect();
                    rev |= opts.contains('r');
                    numeric |= opts.contains('n');
                    let mut parts = spec.split(',');
                    let start = parts
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(1usize)
                        .max(1);
                    let end = parts.next().and_then(|s| s.parse().ok());
                    key = Some((start, end));
                }
                continue;
            }
            match a.as_str() {
                "-r" | "--reverse" => rev = true,
                "-n" | "--numeric-sort" => numeric = true,
                "-u" | "--unique" => uniq = true,
                "-f" | "--ignore-case" => fold = true,
                "-h" | "--human-numeric-sort" => human = true,
                f if f.len() > 1 && f.starts_with('-') => {
                    for c in f[1..].chars() {
                        match c {
                            'r' => rev = true,
                            'n' | 'g' => numeric = true,
                            'u' => uniq = true,
                            'f' => fold = true,
                            'h' => human = true,
                            'b' | 's' | 'd' | 'V' => {}
                            _ => return bad_option(o, "sort", &format!("-{c}"), 2),
                        }
                    }
                }
                f => files.push(f.to_owned()),
            }
        }
        let mut ok = true;
        let inputs = self.inputs("sort", &files, inp, o, &mut ok);
        if !ok {
            return 2;
        }
        let mut lines: Vec<&str> = inputs.iter().flat_map(|(_, c)| text_lines(c)).collect();
        let keyf = |l: &'_ str| -> String {
            let Some((start, end)) = key else {
                return l.to_owned();
            };
            let fields: Vec<&str> = match sep {
                Some(s) => l.split(s).collect(),
                None => l.split_whitespace().collect(),
            };
            let end = end.unwrap_or(fields.len()).min(fields.len());
            if start > end {
                return String::new();
            }
            fields[start - 1..end].join(&sep.map_or(" ".to_owned(), |c| c.to_string()))
        };
        let num = |s: &str| -> f64 {
            let t = s.trim_start();
            let end = t
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
                .map_or(t.len(), |(i, _)| i);
            let mut v = t[..end].parse::<f64>().unwrap_or(0.0);
            if human {
                let mult = match t[end..].chars().next() {
                    Some('K' | 'k') => 1e3,
                    Some('M') => 1e6,
                    Some('G') => 1e9,
                    Some('T') => 1e12,
                    _ => 1.0,
                };
                v *= mult;
            }
            v
        };
        let cmp_key = |a: &str, b: &str| -> std::cmp::Ordering {
            let (ka, kb) = (keyf(a), keyf(b));
            if numeric || human {
                num(&ka)
                    .partial_cmp(&num(&kb))
                    .unwrap_or(std::cmp::Ordering::Equal)
            } else if fold {
                ka.to_lowercase().cmp(&kb.to_lowercase())
            } else {
                ka.cmp(&kb)
            }
        };
        lines.sort_by(|a, b| {
            let ord = cmp_key(a, b).then_with(|| {
                if uniq {
                    std::cmp::Ordering::Equal
                } else {
                    a.cmp(b)
                }
            });
            if rev { ord.reverse() } else { ord }
        });
        if uniq {
            lines.dedup_by(|a, b| cmp_key(a, b) == std::cmp::Ordering::Equal);
        }
        for l in lines {
            o.line(l);
        }
        0
    }

    fn c_uniq(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let (mut count, mut dups, mut uniques, mut fold) = (false, false, false, false);
        let mut files = Vec::new();
        for a in args {
            match a.as_str() {
                "--count" => count = true,
                "--repeated" => dups = true,
                "--unique" => uniques = true,
                "--ignore-case" => fold = true,
                f if f.len() > 1 && f.starts_with('-') => {
                    for c in f[1..].chars() {
                        match c {
                            'c' => count = true,
                            'd' => dups = true,
                            'u' => uniques = true,
                            'i' => fold = true,
                            _ => return bad_option(o, "uniq", &format!("-{c}"), 1),
                        }
                    }
                }
                f => files.push(f.to_owned()),
            }
        }
        let mut ok = true;
        let inputs = self.inputs("uniq", &files[..files.len().min(1)], inp, o, &mut ok);
        let same = |a: &str, b: &str| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let mut groups: Vec<(&str, usize)> = Vec::new();
        for l in inputs.iter().flat_map(|(_, c)| text_lines(c)) {
            match groups.last_mut() {
                Some((g, n)) if same(g, l) => *n += 1,
                _ => groups.push((l, 1)),
            }
        }
        for (l, n) in groups {
            if (dups && n < 2) || (uniques && n > 1) {
                continue;
            }
            if count {
                o.line(&format!("{n:>7} {l}"));
            } else {
                o.line(l);
            }
        }
        i32::from(!ok)
    }

    fn c_cut(&self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let mut delim = '\t';
        let mut list: Option<(char, String)> = None;
        let mut only_delimited = false;
        let mut files = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            let take = |flag: char, inline: &str, i: &mut usize| -> String {
                if inline.is_empty() {
                    *i += 1;
                    args.get(*i - 1).cloned().unwrap_or_default()
                } else {
                    let _ = flag;
                    inline.to_owned()
                }
            };
            if let Some(rest) = a.strip_prefix("-d") {
                delim = take('d', rest, &mut i).chars().next().unwrap_or('\t');
            } else if let Some(rest) = a.strip_prefix("-f") {
                list = Some(('f', take('f', rest, &mut i)));
            } else if let Some(rest) = a.strip_prefix("-c").or_else(|| a.strip_prefix("-b")) {
                list = Some(('c', take('c', rest, &mut i)));
            } else if a == "-s" || a == "--only-delimited" {
                only_delimited = true;
            } else if a.len() > 1 && a.starts_with('-') {
                return bad_option(o, "cut", a, 1);
            } else {
                files.push(a.clone());
            }
        }
        let Some((kind, spec)) = list else {
            o.err_line("cut: you must specify a list of bytes, characters, or fields");
            o.err_line("Try 'cut --help' for more information.");
            return 1;
        };
        let mut ranges = Vec::new();
        for part in spec.split(',') {
            let r = match part.split_once('-') {
                None => part.parse::<usize>().ok().map(|n| (n, n)),
                Some((a, b)) => {
                    let lo = if a.is_empty() {
                        Some(1)
                    } else {
                        a.parse().ok()
                    };
                    let hi = if b.is_empty() {
                        Some(usize::MAX)
                    } else {
                        b.parse().ok()
                    };
                    lo.zip(hi)
                }
            };
            match r {
                Some((lo, hi)) if lo >= 1 && lo <= hi => ranges.push((lo, hi)),
                _ => {
                    o.err_line(&format!("cut: invalid field value '{part}'"));
                    o.err_line("Try 'cut --help' for more information.");
                    return 1;
                }
            }
        }
        let wanted = |n: usize| ranges.iter().any(|&(lo, hi)| lo <= n && n <= hi);
        let mut ok = true;
        for (_, content) in self.inputs("cut", &files, inp, o, &mut ok) {
            for line in text_lines(&content) {
                if kind == 'c' {
                    let s: String = line
                        .chars()
                        .enumerate()
                        .filter(|(i, _)| wanted(i + 1))
                        .map(|(_, c)| c)
                        .collect();
                    o.line(&s);
                } else if !line.contains(delim) {
                    if !only_delimited {
                        o.line(line);
                    }
                } else {
                    let fields: Vec<&str> = line
                        .split(delim)
                        .enumerate()
                        .filter(|(i, _)| wanted(i + 1))
                        .map(|(_, f)| f)
                        .collect();
                    o.line(&fields.join(&delim.to_string()));
                }
                if o.full() {
                    break;
                }
            }
        }
        i32::from(!ok)
    }

    fn c_tee(&mut self, args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
        let append = args.iter().any(|a| a == "-a" || a == "--append");
        let data = inp.rest().to_owned();
        let mut st = 0;
        for f in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(f);
            if path == "/dev/null" {
                continue;
            }
            if self.is_dir(&path) {
                o.err_line(&format!("tee: {f}: Is a directory"));
                st = 1;
            } else if !self.is_dir(parent(&path)) {
                o.err_line(&format!("tee: {f}: No such file or directory"));
                st = 1;
            } else {
                self.store_file(&path, &data, append);
            }
        }
        o.out = data;
        st
    }

    fn c_ls(&self, args: &[String], o: &mut Out) -> i32 {
        let (mut all, mut long) = (false, false);
        let mut paths = Vec::new();
        for a in args {
            if a.len() > 1 && a.starts_with('-') {
                for c in a[1..].chars() {
                    match c {
                        'a' | 'A' => all = true,
                        'l' => long = true,
                        '1' | 'h' | 'F' | 'd' | 't' | 'r' | 'S' | 'G' | 'p' => {}
                        _ => return bad_option(o, "ls", &format!("-{c}"), 2),
                    }
                }
            } else {
                paths.push(a.clone());
            }
        }
        if paths.is_empty() {
            paths.push(".".to_owned());
        }
        let mut st = 0;
        let mut dirs = Vec::new();
        for p in &paths {
            match self.lookup(p) {
                Lookup::Missing => {
                    o.err_line(&format!(
                        "ls: cannot access '{p}': No such file or directory"
                    ));
                    st = 2;
                }
                Lookup::File(c) => {
                    if long {
                        o.line(&self.ls_long(p, Some(c.len())));
                    } else {
                        o.line(p);
                    }
                }
                Lookup::Dir => dirs.push(p.clone()),
            }
        }
        let many = paths.len() > 1;
        for (k, d) in dirs.iter().enumerate() {
            if many {
                if k > 0 || paths.len() > dirs.len() {
                    o.out.push('\n');
                }
                o.line(&format!("{d}:"));
            }
            let abs = self.resolve(d);
            let mut names = self.children(&abs);
            if all {
                names.insert(0, (".".to_owned(), None));
                names.insert(1, ("..".to_owned(), None));
            }
            if long {
                o.line(&format!("total {}", names.len() * 4));
            }
            for (name, size) in names {
                if long {
                    o.line(&self.ls_long(&name, size));
                } else {
                    o.line(&name);
                }
            }
        }
        st
    }

    /// Entries of a directory: names, and sizes of files.
    fn children(&self, dir: &str) -> Vec<(String, Option<usize>)> {
        let mut out: BTreeMap<String, Option<usize>> = BTreeMap::new();
        let known: &[&str] = if self.host.is_mac() {
            MAC_DIRS
        } else {
            LINUX_DIRS
        };
        let user_home = format!("/home/{}", default_user(self.host.platform));
        let dirs = known
            .iter()
            .map(|d| (*d).to_owned())
            .chain(self.made_dirs.iter().cloned())
            .chain([user_home]);
        for d in dirs {
            if d != "/" && parent(&d) == dir && self.is_dir(&d) {
                out.insert(d.rsplit('/').next().unwrap_or("").to_owned(), None);
            }
        }
        const SYSTEM_FILES: &[&str] = &[
            "/etc/os-release",
            "/etc/hostname",
            "/etc/hosts",
            "/etc/machine-id",
            "/etc/system-release",
            "/etc/redhat-release",
            "/etc/debian_version",
            "/etc/lsb-release",
            "/etc/passwd",
            "/etc/shells",
            "/proc/uptime",
            "/proc/loadavg",
            "/proc/meminfo",
            "/proc/version",
            "/proc/cpuinfo",
        ];
        for f in SYSTEM_FILES {
            if parent(f) == dir
                && !self.removed.contains(*f)
                && let Some(c) = self.system_file(f)
            {
                out.insert(f.rsplit('/').next().unwrap_or("").to_owned(), Some(c.len()));
            }
        }
        for (f, c) in &self.files {
            if parent(f) == dir {
                out.insert(f.rsplit('/').next().unwrap_or("").to_owned(), Some(c.len()));
            }
        }
        out.into_iter().collect()
    }

    fn ls_long(&self, name: &str, size: Option<usize>) -> String {
        let when = strftime("%b %e %H:%M", &tm(self.host.boot_ms));
        match size {
            Some(s) => format!("-rw-r--r-- 1 root root {s:>5} {when} {name}"),
            None => format!("drwxr-xr-x 2 root root  4096 {when} {name}"),
        }
    }

    fn c_mkdir(&mut self, args: &[String], o: &mut Out) -> i32 {
        let parents = args.iter().any(|a| a == "-p" || a == "--parents");
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(a);
            if !matches!(self.lookup(&path), Lookup::Missing) {
                if !parents {
                    o.err_line(&format!(
                        "mkdir: cannot create directory '{a}': File exists"
                    ));
                    st = 1;
                }
                continue;
            }
            if !self.is_dir(parent(&path)) && !parents {
                o.err_line(&format!(
                    "mkdir: cannot create directory '{a}': No such file or directory"
                ));
                st = 1;
                continue;
            }
            let mut p = path.clone();
            while p != "/" && !self.is_dir(&p) {
                self.removed.remove(&p);
                self.made_dirs.insert(p.clone());
                p = parent(&p).to_owned();
            }
        }
        st
    }

    fn c_touch(&mut self, args: &[String], o: &mut Out) -> i32 {
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = self.resolve(a);
            if !matches!(self.lookup(&path), Lookup::Missing) {
                continue;
            }
            if self.is_dir(parent(&path)) {
                self.store_file(&path, "", false);
            } else {
                o.err_line(&format!(
                    "touch: cannot touch '{a}': No such file or directory"
                ));
                st = 1;
            }
        }
        st
    }

    fn c_rm(&mut self, args: &[String], o: &mut Out) -> i32 {
        let (mut force, mut recursive) = (false, false);
        for a in args.iter().filter(|a| a.len() > 1 && a.starts_with('-')) {
            for c in a[1..].chars() {
                match c {
                    'f' => force = true,
                    'r' | 'R' => recursive = true,
                    'v' | 'i' | 'd' => {}
                    _ => return bad_option(o, "rm", &format!("-{c}"), 1),
                }
            }
        }
        let mut st = 0;
        for a in args.iter().filter(|a| !a.starts_with('-') || a.len() == 1) {
            let path = self.resolve(a);
            match self.lookup(&path) {
                Lookup::Missing => {
                    if !force {
                        o.err_line(&format!(
                            "rm: cannot remove '{a}': No such file or directory"
                        ));
                        st = 1;
                    }
                }
                Lookup::File(_) => {
                    self.files.remove(&path);
                    self.removed.insert(path);
                }
                Lookup::Dir if !recursive => {
                    o.err_line(&format!("rm: cannot remove '{a}': Is a directory"));
                    st = 1;
                }
                Lookup::Dir if path == "/" => {
                    o.err_line("rm: it is dangerous to operate recursively on '/'");
                    o.err_line("rm: use --no-preserve-root to override this failsafe");
                    st = 1;
                }
                Lookup::Dir => {
                    let prefix = format!("{path}/");
                    self.files.retain(|k, _| !k.starts_with(&prefix));
                    self.made_dirs
                        .retain(|k| k != &path && !k.starts_with(&prefix));
                    self.removed.insert(path);
                }
            }
        }
        st
    }

    fn c_systemctl(&mut self, args: &[String], o: &mut Out) -> i32 {
        let p = self.host.platform;
        let words: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let Some((&verb, units)) = words.split_first() else {
            o.err_line("Too few arguments.");
            return 1;
        };
        let ubuntu = matches!(p, SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404);
        let debian_like = ubuntu || p == SimPlatform::Debian12;
        let agent_unit = if ubuntu {
            "snap.amazon-ssm-agent.amazon-ssm-agent"
        } else {
            "amazon-ssm-agent"
        };
        let known = |u: &str| -> Option<(&'static str, &'static str)> {
            let u = u.trim_end_matches(".service");
            if u == agent_unit {
                return Some((
                    "amazon-ssm-agent",
                    "Service for snap application amazon-ssm-agent.amazon-ssm-agent",
                ));
            }
            Some(match u {
                "sshd" if !debian_like => ("sshd", "OpenSSH server daemon"),
                "ssh" | "sshd" if debian_like => ("sshd", "OpenBSD Secure Shell server"),
                "chronyd" if !debian_like => ("chronyd", "NTP client/server"),
                "chrony" if p == SimPlatform::Debian12 || p == SimPlatform::Ubuntu2404 => {
                    ("chronyd", "chrony, an NTP client/server")
                }
                "systemd-timesyncd" if p == SimPlatform::Ubuntu2204 => {
                    ("systemd-timesyncd", "Network Time Synchronization")
                }
                "crond" if p == SimPlatform::Rhel9 => ("crond", "Command Scheduler"),
                "cron" if debian_like => ("cron", "Regular background program processing daemon"),
                "rsyslog" if ubuntu || p == SimPlatform::Rhel9 => {
                    ("rsyslogd", "System Logging Service")
                }
                "snapd" if ubuntu => ("snapd", "Snap Daemon"),
                "systemd-journald" => ("systemd-journald", "Journal Service"),
                _ => return None,
            })
        };
        match verb {
            "is-active" | "is-enabled" | "is-failed" => {
                let mut st = 0;
                for u in units {
                    match (known(u), verb) {
                        (Some(_), "is-active") => o.line("active"),
                        (Some(_), "is-enabled") => o.line("enabled"),
                        (Some(_), _) => {
                            o.line("active");
                            st = 1;
                        }
                        (None, "is-enabled") => {
                            o.err_line(&format!(
                                "Failed to get unit file state for {}: No such file or directory",
                                unit_name(u)
                            ));
                            st = 1;
                        }
                        (None, _) => {
                            o.line("inactive");
                            st = if verb == "is-active" { 3 } else { 1 };
                        }
                    }
                }
                st
            }
            "status" => {
                let mut st = 0;
                for u in units {
                    let Some((proc_name, desc)) = known(u) else {
                        o.err_line(&format!("Unit {} could not be found.", unit_name(u)));
                        st = 4;
                        continue;
                    };
                    let unit = unit_name(u.trim_end_matches(".service"));
                    let procs = self.processes();
                    let mine: Vec<&Proc> = procs
                        .iter()
                        .filter(|pr| {
                            let exe = pr.cmd.split(' ').next().unwrap_or("");
                            let exe = exe.rsplit('/').next().unwrap_or(exe);
                            exe.starts_with(proc_name)
                                || (proc_name == "amazon-ssm-agent" && exe == "ssm-agent-worker")
                        })
                        .collect();
                    let main = mine.first().map_or(self.host.agent_pid, |pr| pr.pid);
                    let since = mine.first().map_or(self.host.boot_ms, |pr| pr.start_ms);
                    let ago = systemd_ago(((self.host.now_ms - since) / 1000) as u64);
                    let unit_file = if proc_name == "amazon-ssm-agent" && ubuntu {
                        format!("/etc/systemd/system/{unit}")
                    } else if proc_name == "amazon-ssm-agent" {
                        "/etc/systemd/system/amazon-ssm-agent.service".to_owned()
                    } else {
                        format!("/usr/lib/systemd/system/{unit}")
                    };
                    let title = if proc_name == "amazon-ssm-agent" && !ubuntu {
                        "amazon-ssm-agent"
                    } else {
                        desc
                    };
                    o.line(&format!("● {unit} - {title}"));
                    o.line(&format!(
                        "     Loaded: loaded ({unit_file}; enabled; preset: enabled)"
                    ));
                    o.line(&format!(
                        "     Active: active (running) since {}; {ago} ago",
                        strftime("%a %Y-%m-%d %H:%M:%S UTC", &tm(since))
                    ));
                    o.line(&format!(
                        "   Main PID: {main} ({})",
                        mine.first().map_or(proc_name.to_owned(), |pr| pr.comm())
                    ));
                    let mem_k: u64 = mine.iter().map(|pr| pr.rss).sum();
                    o.line(&format!(
                        "      Tasks: {} (limit: {})",
                        3 + mine.len() * 9,
                        self.host.mem.total / 1_000
                    ));
                    o.line(&format!("     Memory: {:.1}M", mem_k as f64 / 1024.0));
                    let cpu: u64 = mine.iter().map(|pr| pr.time_s).sum();
                    o.line(&format!(
                        "        CPU: {}min {}.{:03}s",
                        cpu / 60,
                        cpu % 60,
                        main % 1000
                    ));
                    o.line(&format!("     CGroup: /system.slice/{unit}"));
                    for (k, pr) in mine.iter().enumerate() {
                        let branch = if k + 1 == mine.len() {
                            "└─"
                        } else {
                            "├─"
                        };
                        o.line(&format!("             {branch}{} {}", pr.pid, pr.cmd));
                    }
                }
                st
            }
            "start" | "stop" | "restart" | "reload" | "enable" | "disable" | "try-restart" => {
                for u in units {
                    if known(u).is_none() {
                        o.err_line(&format!(
                            "Failed to {verb} {}: Unit {} not found.",
                            unit_name(u),
                            unit_name(u)
                        ));
                        return 5;
                    }
                }
                0
            }
            "daemon-reload" => 0,
            _ => {
                o.err_line(&format!("Unknown command verb '{verb}'."));
                1
            }
        }
    }
}

fn unit_name(u: &str) -> String {
    const SUFFIXES: &[&str] = &[
        ".service", ".socket", ".timer", ".target", ".mount", ".path", ".slice",
    ];
    if SUFFIXES.iter().any(|s| u.ends_with(s)) {
        u.to_owned()
    } else {
        format!("{u}.service")
    }
}

/// `tr SET1 [SET2]`, with `-d`, `-s` and `-c`.
fn c_tr(args: &[String], inp: &mut Input, o: &mut Out) -> i32 {
    let (mut delete, mut squeeze, mut complement) = (false, false, false);
    let mut sets = Vec::new();
    for a in args {
        if a.len() > 1 && a.starts_with('-') && sets.is_empty() {
            for c in a[1..].chars() {
                match c {
                    'd' => delete = true,
                    's' => squeeze = true,
                    'c' | 'C' => complement = true,
                    't' => {}
                    _ => return bad_option(o, "tr", &format!("-{c}"), 1),
                }
            }
        } else {
            sets.push(expand_tr_set(a));
        }
    }
    let need = if delete && !squeeze {
        1
    } else if delete || !squeeze {
        2
    } else {
        1
    };
    if sets.len() < need {
        if sets.is_empty() {
            return missing_operand(o, "tr");
        }
        o.err_line(&format!(
            "tr: missing operand after '{}'",
            args.last().map_or("", String::as_str)
        ));
        o.err_line("Two strings must be given when translating.");
        o.err_line("Try 'tr --help' for more information.");
        return 1;
    }
    let set1 = sets[0].clone();
    let in1 = |c: char| set1.contains(&c) != complement;
    let data = inp.rest();
    let mut out = String::new();
    let mut last: Option<char> = None;
    let squeeze_set: Vec<char> = if delete {
        sets.get(1).cloned().unwrap_or_default()
    } else {
        sets.last().cloned().unwrap_or_default()
    };
    for c in data.chars() {
        let mapped = if delete {
            if in1(c) {
                continue;
            }
            c
        } else if sets.len() >= 2 && in1(c) {
            let set2 = &sets[1];
            if complement {
                *set2.last().unwrap_or(&c)
            } else {
                let i = set1.iter().rposition(|&x| x == c).unwrap_or(0);
                *set2.get(i).or(set2.last()).unwrap_or(&c)
            }
        } else {
            c
        };
        if squeeze && last == Some(mapped) && squeeze_set.contains(&mapped) {
            continue;
        }
        last = Some(mapped);
        out.push(mapped);
    }
    o.out = out;
    0
}

fn expand_tr_set(s: &str) -> Vec<char> {
    let raw: Vec<char> = s.chars().collect();
    let mut chars = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == '[' && raw.get(i + 1) == Some(&':') {
            let rest: String = raw[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let class: Vec<char> = match &rest[..end] {
                    "lower" => ('a'..='z').collect(),
                    "upper" => ('A'..='Z').collect(),
                    "digit" => ('0'..='9').collect(),
                    "alpha" => ('A'..='Z').chain('a'..='z').collect(),
                    "alnum" => ('0'..='9').chain('A'..='Z').chain('a'..='z').collect(),
                    "space" => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    "blank" => vec![' ', '\t'],
                    "punct" => (33u8..=126)
                        .map(char::from)
                        .filter(char::is_ascii_punctuation)
                        .collect(),
                    _ => Vec::new(),
                };
                chars.extend(class);
                i += 2 + end + 2;
                continue;
            }
        }
        let c = if raw[i] == '\\' && i + 1 < raw.len() {
            i += 1;
            match raw[i] {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                other => other,
            }
        } else {
            raw[i]
        };
        i += 1;
        if raw.get(i) == Some(&'-') && i + 1 < raw.len() {
            let hi = raw[i + 1];
            if hi >= c {
                chars.extend((c..=hi).take(0x1_0000));
            }
            i += 2;
        } else {
            chars.push(c);
        }
    }
    chars
}

/// A POSIX basic (or extended) regular expression as a `regex` pattern.
fn posix_to_regex(p: &str, extended: bool) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut at_start = true;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        let start_here = at_start;
        at_start = false;
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                i += 2;
                match n {
                    '(' if !extended => {
                        depth += 1;
                        out.push('(');
                        at_start = true;
                    }
                    ')' if !extended => {
                        depth -= 1;
                        out.push(')');
                    }
                    '|' if !extended => {
                        out.push('|');
                        at_start = true;
                    }
                    '{' | '}' | '+' | '?' if !extended => out.push(n),
                    '<' | '>' => out.push_str("\\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                    }
                    _ => out.push_str(&regex::escape(&n.to_string())),
                }
                continue;
            }
            '[' => {
                let mut j = i + 1;
                out.push('[');
                if chars.get(j) == Some(&'^') {
                    out.push('^');
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    out.push_str("\\]");
                    j += 1;
                }
                loop {
                    let Some(&b) = chars.get(j) else {
                        return Err("Unmatched [, [^, [:, [., or [=".to_owned());
                    };
                    if b == ']' {
                        out.push(']');
                        j += 1;
                        break;
                    }
                    if b == '[' && chars.get(j + 1) == Some(&':') {
                        let rest: String = chars[j..].iter().collect();
                        if let Some(end) = rest.find(":]") {
                            out.push_str(&rest[..end + 2]);
                            j += rest[..end + 2].chars().count();
                            continue;
                        }
                    }
                    if matches!(b, '\\' | '[' | '&' | '~' | '^') {
                        out.push('\\');
                    }
                    out.push(b);
                    j += 1;
                }
                i = j;
                continue;
            }
            '(' | ')' | '|' | '+' | '?' | '{' | '}' if !extended => {
                out.push_str(&regex::escape(&c.to_string()))
            }
            '(' => {
                depth += 1;
                out.push('(');
                at_start = true;
            }
            ')' => {
                depth -= 1;
                out.push(')');
            }
            '|' => {
                out.push('|');
                at_start = true;
            }
            '{' => {
                let rest: String = chars[i..].iter().collect();
                let valid = rest.find('}').is_some_and(|e| {
                    let inner = &rest[1..e];
                    !inner.is_empty()
                        && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
                        && !inner.starts_with(',')
                });
                match rest.find('}') {
                    Some(e) if valid && !start_here => {
                        out.push_str(&rest[..=e]);
                        i += rest[..=e].chars().count();
                        continue;
                    }
                    _ => out.push_str("\\{"),
                }
            }
            '*' if start_here => out.push_str("\\*"),
            '^' if start_here || extended => {
                out.push('^');
                at_start = true;
            }
            '^' => out.push_str("\\^"),
            '$' => {
                let end = i + 1 == chars.len()
                    || (!extended
                        && chars.get(i + 1) == Some(&'\\')
                        && matches!(chars.get(i + 2), Some(')' | '|')))
                    || (extended && matches!(chars.get(i + 1), Some(')' | '|')));
                out.push_str(if end || extended { "$" } else { "\\$" });
            }
            '.' | '*' | '+' | '?' => out.push(c),
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if depth != 0 {
        return Err("Unmatched ( or \\(".to_owned());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// PowerShell: syntax

#[derive(Debug, Clone)]
enum PT {
    /// A bare word: a command name or an argument.
    Word(String),
    /// `'...'`.
    Str(String),
    /// `"..."`, with expansions.
    XStr(Vec<XPart>),
    /// `$name`, `$env:NAME`, `${name}`.
    Var(String),
    Num(f64),
    /// `-Name`, also operators such as `-eq`.
    Param(String),
    /// `[TypeName]`.
    Type(String),
    /// `.Name` right after a value.
    Member(String),
    Op(&'static str),
    Nl,
    Eof,
}

#[derive(Debug, Clone)]
struct PTok {
    t: PT,
    line: usize,
    col: usize,
    /// Column after the token (on its first line).
    end: usize,
    /// Whether whitespace came before the token.
    space: bool,
}

#[derive(Debug, Clone)]
enum XPart {
    Lit(String),
    Var(String),
    Sub(Rc<Vec<PStmt>>),
}

#[derive(Debug)]
enum PStmt {
    Pipe(PPipe),
    Assign(String, PPipe),
    /// `$x += ...`, `$x -= ...`.
    AssignOp(String, &'static str, PPipe),
    If(Vec<(PPipe, Vec<PStmt>)>, Option<Vec<PStmt>>),
    Foreach(String, PPipe, Vec<PStmt>),
    /// `exit [code]`; `return [value]` when the flag is set.
    Exit(Option<PExpr>, bool),
}

#[derive(Debug)]
struct PPipe {
    elems: Vec<PElem>,
}

#[derive(Debug)]
enum PElem {
    Cmd(PCmd),
    Expr(PExpr),
}

#[derive(Debug)]
struct PCmd {
    name: String,
    args: Vec<PArg>,
    line: usize,
    col: usize,
    end: usize,
}

#[derive(Debug)]
enum PArg {
    Param(String, usize, usize),
    Value(PExpr),
}

#[derive(Debug, Clone)]
enum PExpr {
    Lit(V),
    XStr(Vec<XPart>),
    Var(String),
    Member(Box<PExpr>, String),
    Method(Box<PExpr>, String, Vec<PExpr>),
    Static(String, String, Option<Vec<PExpr>>),
    Sub(Rc<Vec<PStmt>>),
    Block(Rc<Vec<PStmt>>),
    Array(Vec<PExpr>),
    Binary(String, Box<PExpr>, Box<PExpr>),
    Not(Box<PExpr>),
    Neg(Box<PExpr>),
}

/// A PowerShell value.
#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    /// A local date and time (the zone is UTC), epoch milliseconds.
    Date(i64),
    Obj(Rc<PsObj>),
    List(Vec<V>),
    Block(Rc<Vec<PStmt>>),
}

/// How an object is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service,
    Process,
    HotFix,
    Version,
    Location,
    /// Two columns, Name and Value (`$PSVersionTable`).
    Dictionary,
    /// Shown as a list (`Get-ComputerInfo`, `Measure-Object`).
    ListView,
    /// Shown as a table with columns as wide as their contents.
    Generic,
    /// `Select-String` results: the matching line.
    Match,
}

#[derive(Debug)]
struct PsObj {
    kind: Kind,
    props: Vec<(String, V)>,
}

impl PsObj {
    fn get(&self, name: &str) -> Option<&V> {
        self.props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

fn obj(kind: Kind, props: Vec<(&str, V)>) -> V {
    V::Obj(Rc::new(PsObj {
        kind,
        props: props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }))
}

#[derive(Debug)]
struct PsParseError {
    line: usize,
    col: usize,
    len: usize,
    msg: String,
    id: &'static str,
}

const PS_MAX_NEST: usize = 40;
/// Longest array a script may build.
const PS_MAX_ITEMS: usize = 1 << 20;

/// Roughly how many bytes a value holds, for the work budget.
fn value_size(v: &V) -> u64 {
    match v {
        V::Str(s) => s.len() as u64,
        V::List(l) => l.len() as u64 * 16,
        _ => 0,
    }
}

struct PLexer<'a> {
    s: &'a [char],
    pos: usize,
    line: usize,
    col: usize,
    depth: usize,
    toks: Vec<PTok>,
}

fn ps_lex(s: &[char], line: usize, col: usize, depth: usize) -> Result<Vec<PTok>, PsParseError> {
    let mut lx = PLexer {
        s,
        pos: 0,
        line,
        col,
        depth,
        toks: Vec::new(),
    };
    lx.run()?;
    Ok(lx.toks)
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

impl PLexer<'_> {
    fn ch(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.pos + k).copied()
    }

    fn adv(&mut self) {
        if self.ch() == Some('\n') {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        self.pos += 1;
    }

    fn err(
        &self,
        line: usize,
        col: usize,
        len: usize,
        msg: &str,
        id: &'static str,
    ) -> PsParseError {
        PsParseError {
            line,
            col,
            len,
            msg: msg.to_owned(),
            id,
        }
    }

    fn prev_is_value(&self) -> bool {
        matches!(
            self.toks.last().map(|t| &t.t),
            Some(
                PT::Num(_)
                    | PT::Str(_)
                    | PT::XStr(_)
                    | PT::Var(_)
                    | PT::Member(_)
                    | PT::Op(")")
                    | PT::Type(_)
            )
        )
    }

    fn run(&mut self) -> Result<(), PsParseError> {
        loop {
            let mut space = false;
            loop {
                match (self.ch(), self.at(1)) {
                    (Some(c), _) if c.is_whitespace() && c != '\n' => self.adv(),
                    (Some('`'), Some('\n')) => {
                        self.adv();
                        self.adv();
                    }
                    (Some('`'), Some('\r')) if self.at(2) == Some('\n') => {
                        self.adv();
                        self.adv();
                        self.adv();
                    }
                    (Some('<'), Some('#')) => {
                        let (l, c) = (self.line, self.col);
                        while !(self.ch() == Some('#') && self.at(1) == Some('>')) {
                            if self.ch().is_none() {
                                return Err(self.err(
                                    l,
                                    c,
                                    2,
                                    "Missing the end of the block comment.",
                                    "MissingEndOfBlockComment",
                                ));
                            }
                            self.adv();
                        }
                        self.adv();
                        self.adv();
                    }
                    (Some('#'), _) => {
                        while self.ch().is_some_and(|c| c != '\n') {
                            self.adv();
                        }
                    }
                    _ => break,
                }
                space = true;
            }
            let (line, col) = (self.line, self.col);
            let start = self.pos;
            let t = match (self.ch(), self.at(1)) {
                (None, _) => {
                    self.toks.push(PTok {
                        t: PT::Eof,
                        line,
                        col,
                        end: col,
                        space,
                    });
                    return Ok(());
                }
                (Some('\n'), _) => {
                    self.adv();
                    PT::Nl
                }
                (Some('$'), Some('(')) => {
                    self.adv();
                    self.adv();
                    PT::Op("$(")
                }
                (Some('.'), Some('.')) => {
                    self.adv();
                    self.adv();
                    PT::Op("..")
                }
                (Some(c @ ('+' | '-')), Some('=')) => {
                    self.adv();
                    self.adv();
                    PT::Op(if c == '+' { "+=" } else { "-=" })
                }
                (Some('@'), Some('(')) => {
                    self.adv();
                    self.adv();
                    PT::Op("@(")
                }
                (Some('@'), Some('{')) => {
                    self.adv();
                    self.adv();
                    PT::Op("@{")
                }
                (Some(':'), Some(':')) => {
                    self.adv();
                    self.adv();
                    PT::Op("::")
                }
                (Some('*' | '%'), n)
                    if !self.prev_is_value()
                        || (space
                            && n.is_some_and(|n| !n.is_whitespace() && !";|(){},".contains(n))) =>
                {
                    self.word()
                }
                (
                    Some(
                        c @ (';' | '|' | ',' | '(' | ')' | '{' | '}' | '=' | '+' | '*' | '/' | '%'
                        | '!'),
                    ),
                    _,
                ) => {
                    self.adv();
                    PT::Op(match c {
                        ';' => ";",
                        '|' => "|",
                        ',' => ",",
                        '(' => "(",
                        ')' => ")",
                        '{' => "{",
                        '}' => "}",
                        '=' => "=",
                        '+' => "+",
                        '*' => "*",
                        '/' => "/",
                        '%' => "%",
                        _ => "!",
                    })
                }
                (Some('$'), _) => {
                    self.adv();
                    PT::Var(self.var_name())
                }
                (Some('['), _) => {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch() {
                        if c == ']' {
                            break;
                        }
                        if c == '\n' {
                            return Err(self.err(
                                line,
                                col,
                                1,
                                "Missing ] at end of attribute or type literal.",
                                "EndSquareBracketExpectedAtEndOfAttribute",
                            ));
                        }
                        name.push(c);
                        self.adv();
                    }
                    if self.ch().is_none() {
                        return Err(self.err(
                            line,
                            col,
                            1,
                            "Missing ] at end of attribute or type literal.",
                            "EndSquareBracketExpectedAtEndOfAttribute",
                        ));
                    }
                    self.adv();
                    PT::Type(name.trim().to_owned())
                }
                (Some('.'), Some(n))
                    if !space && (is_ident(n) && !n.is_ascii_digit()) && self.prev_is_value() =>
                {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
                        name.push(c);
                        self.adv();
                    }
                    PT::Member(name)
                }
                (Some('\''), _) => {
                    self.adv();
                    let mut text = String::new();
                    loop {
                        match self.ch() {
                            None => {
                                return Err(self.err(
                                    line,
                                    col,
                                    self.s.len() - start,
                                    "The string is missing the terminator: '.",
                                    "TerminatorExpectedAtEndOfString",
                                ));
                            }
                            Some('\'') if self.at(1) == Some('\'') => {
                                text.push('\'');
                                self.adv();
                                self.adv();
                            }
                            Some('\'') => {
                                self.adv();
                                break;
                            }
                            Some(c) => {
                                text.push(c);
                                self.adv();
                            }
                        }
                    }
                    PT::Str(text)
                }
                (Some('"'), _) => {
                    self.adv();
                    PT::XStr(self.xstring(line, col, start)?)
                }
                (Some('-'), Some(n)) if n.is_ascii_alphabetic() => {
                    self.adv();
                    let mut name = String::new();
                    while let Some(c) = self.ch().filter(|c| is_ident(*c) || *c == '-') {
                        name.push(c);
                        self.adv();
                    }
                    PT::Param(name)
                }
                (Some('-'), Some(n))
                    if (n.is_ascii_digit() || n == '.') && !self.prev_is_value() =>
                {
                    self.adv();
                    match self.word() {
                        PT::Num(v) => PT::Num(-v),
                        PT::Word(w) => PT::Word(format!("-{w}")),
                        other => other,
                    }
                }
                (Some('-'), _) => {
                    self.adv();
                    PT::Op("-")
                }
                _ => self.word(),
            };
            let end = if self.line == line { self.col } else { col + 1 };
            self.toks.push(PTok {
                t,
                line,
                col,
                end,
                space,
            });
        }
    }

    /// A bare word, or a number if it reads as one.
    fn word(&mut self) -> PT {
        let mut w = String::new();
        while let Some(c) = self.ch() {
            if !w.is_empty() && (c.is_whitespace() || ";|(){},".contains(c)) {
                break;
            }
            // `1..10`: a number, then the range operator.
            if c == '.'
                && self.at(1) == Some('.')
                && !w.is_empty()
                && w.chars().all(|c| c.is_ascii_digit())
            {
                break;
            }
            w.push(c);
            self.adv();
        }
        let lower = w.to_ascii_lowercase();
        let (body, mult) = if let Some(b) = lower.strip_suffix("kb") {
            (b, 1024.0)
        } else if let Some(b) = lower.strip_suffix("mb") {
            (b, 1024.0 * 1024.0)
        } else if let Some(b) = lower.strip_suffix("gb") {
            (b, 1024.0 * 1024.0 * 1024.0)
        } else {
            (lower.as_str(), 1.0)
        };
        if let Some(h) = body.strip_prefix("0x")
            && let Ok(v) = i64::from_str_radix(h, 16)
        {
            return PT::Num(v as f64 * mult);
        }
        if body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == 'e')
            && let Ok(v) = body.parse::<f64>()
        {
            return PT::Num(v * mult);
        }
        PT::Word(w)
    }

    /// After `$`: a variable name.
    fn var_name(&mut self) -> String {
        if self.ch() == Some('{') {
            self.adv();
            let mut name = String::new();
            while let Some(c) = self.ch().filter(|c| *c != '}') {
                name.push(c);
                self.adv();
            }
            self.adv();
            return name;
        }
        if let Some(c @ ('?' | '$' | '^' | '_')) = self.ch()
            && (c != '_' || !self.at(1).is_some_and(is_ident))
        {
            self.adv();
            return c.to_string();
        }
        let mut name = String::new();
        while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
            name.push(c);
            self.adv();
        }
        if self.ch() == Some(':') && self.at(1).is_some_and(is_ident) && !name.is_empty() {
            name.push(':');
            self.adv();
            while let Some(c) = self.ch().filter(|c| is_ident(*c)) {
                name.push(c);
                self.adv();
            }
        }
        name
    }

    /// After an opening `"`: the parts of an expandable string.
    fn xstring(
        &mut self,
        line: usize,
        col: usize,
        start: usize,
    ) -> Result<Vec<XPart>, PsParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            match self.ch() {
                None => {
                    return Err(self.err(
                        line,
                        col,
                        self.s.len() - start,
                        "The string is missing the terminator: \".",
                        "TerminatorExpectedAtEndOfString",
                    ));
                }
                Some('"') if self.at(1) == Some('"') => {
                    lit.push('"');
                    self.adv();
                    self.adv();
                }
                Some('"') => {
                    self.adv();
                    break;
                }
                Some('`') => {
                    self.adv();
                    let Some(e) = self.ch() else { continue };
                    lit.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'a' => '\x07',
                        'b' => '\x08',
                        'f' => '\x0c',
                        'v' => '\x0b',
                        'e' => '\x1b',
                        other => other,
                    });
                    self.adv();
                }
                Some('$') if self.at(1) == Some('(') => {
                    let (l, c) = (self.line, self.col);
                    self.adv();
                    self.adv();
                    let inner_start = self.pos;
                    let (il, ic) = (self.line, self.col);
                    let mut depth = 0;
                    loop {
                        match self.ch() {
                            None => {
                                return Err(self.err(
                                    l,
                                    c,
                                    2,
                                    "Missing closing ')' in subexpression.",
                                    "MissingEndParenthesisInSubexpression",
                                ));
                            }
                            Some('(') => depth += 1,
                            Some(')') if depth == 0 => break,
                            Some(')') => depth -= 1,
                            _ => {}
                        }
                        self.adv();
                    }
                    let inner = &self.s[inner_start..self.pos];
                    self.adv();
                    if !lit.is_empty() {
                        parts.push(XPart::Lit(std::mem::take(&mut lit)));
                    }
                    if self.depth >= PS_MAX_NEST {
                        return Err(self.err(
                            l,
                            c,
                            2,
                            "The script is nested too deeply.",
                            "ScriptTooDeeplyNested",
                        ));
                    }
                    let toks = ps_lex(inner, il, ic, self.depth + 1)?;
                    let stmts = PParser {
                        toks,
                        pos: 0,
                        depth: self.depth + 1,
                    }
                    .program()?;
                    parts.push(XPart::Sub(Rc::new(stmts)));
                }
                Some('$')
                    if self
                        .at(1)
                        .is_some_and(|c| is_ident(c) || c == '{' || c == '?' || c == '_') =>
                {
                    self.adv();
                    let name = self.var_name();
                    if !lit.is_empty() {
                        parts.push(XPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(XPart::Var(name));
                }
                Some(c) => {
                    lit.push(c);
                    self.adv();
                }
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(XPart::Lit(lit));
        }
        Ok(parts)
    }
}

struct PParser {
    toks: Vec<PTok>,
    pos: usize,
    depth: usize,
}

/// Operators that `-name` means inside an expression.
const PS_OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
    "and",
    "or",
    "not",
    "ieq",
    "ine",
    "ceq",
    "cne",
    "ilike",
    "clike",
    "imatch",
    "cmatch",
    "replace",
];

impl PParser {
    fn peek(&self) -> &PTok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, k: usize) -> &PTok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> PTok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.peek().t, PT::Op(o) if *o == op)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().t, PT::Word(x) if x.eq_ignore_ascii_case(w))
    }

    fn unexpected(&self) -> PsParseError {
        let t = self.peek();
        let text = match &t.t {
            PT::Word(w) => w.clone(),
            PT::Str(s) => format!("'{s}'"),
            PT::XStr(_) => "\"...\"".to_owned(),
            PT::Var(v) => format!("${v}"),
            PT::Num(n) => n.to_string(),
            PT::Param(p) => format!("-{p}"),
            PT::Type(t) => format!("[{t}]"),
            PT::Member(m) => format!(".{m}"),
            PT::Op(o) => (*o).to_owned(),
            PT::Nl | PT::Eof => String::new(),
        };
        PsParseError {
            line: t.line,
            col: t.col,
            len: (t.end - t.col).max(1),
            msg: format!("Unexpected token '{text}' in expression or statement."),
            id: "UnexpectedToken",
        }
    }

    fn missing(&self, open: &PTok, close: &str) -> PsParseError {
        let (msg, id) = if close == "}" {
            (
                "Missing closing '}' in statement block or type definition.",
                "MissingEndCurlyBrace",
            )
        } else {
            (
                "Missing closing ')' in expression.",
                "MissingEndParenthesisInExpression",
            )
        };
        PsParseError {
            line: open.line,
            col: open.col,
            len: 1,
            msg: msg.to_owned(),
            id,
        }
    }

    fn nest(&mut self) -> Result<(), PsParseError> {
        self.depth += 1;
        if self.depth > PS_MAX_NEST {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: 1,
                msg: "The script is nested too deeply.".to_owned(),
                id: "ScriptTooDeeplyNested",
            });
        }
        Ok(())
    }

    fn skip_nl(&mut self) {
        while matches!(self.peek().t, PT::Nl) {
            self.bump();
        }
    }

    fn program(&mut self) -> Result<Vec<PStmt>, PsParseError> {
        let stmts = self.stmts(None)?;
        if !matches!(self.peek().t, PT::Eof) {
            return Err(self.unexpected());
        }
        Ok(stmts)
    }

    /// Statements up to `close` (not consumed) or the end.
    fn stmts(&mut self, close: Option<(&PTok, &'static str)>) -> Result<Vec<PStmt>, PsParseError> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek().t, PT::Nl | PT::Op(";")) {
                self.bump();
            }
            match (&self.peek().t, close) {
                (PT::Eof, Some((open, c))) => return Err(self.missing(open, c)),
                (PT::Eof, None) => return Ok(out),
                (PT::Op(o), Some((_, c))) if *o == c => return Ok(out),
                (PT::Op(")" | "}"), _) => return Err(self.unexpected()),
                _ => {}
            }
            out.push(self.stmt()?);
            match &self.peek().t {
                PT::Nl | PT::Op(";") | PT::Eof => {}
                PT::Op(o) if close.is_some_and(|(_, c)| c == *o) => {}
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn block(&mut self) -> Result<Vec<PStmt>, PsParseError> {
        self.skip_nl();
        if !self.is_op("{") {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: 1,
                msg: "Missing statement block.".to_owned(),
                id: "MissingStatementBlock",
            });
        }
        let open = self.bump();
        self.nest()?;
        let body = self.stmts(Some((&open, "}")))?;
        self.depth -= 1;
        self.bump();
        Ok(body)
    }

    fn paren_pipe(&mut self) -> Result<PPipe, PsParseError> {
        if !self.is_op("(") {
            return Err(self.unexpected());
        }
        let open = self.bump();
        self.skip_nl();
        let p = self.pipeline()?;
        self.skip_nl();
        if !self.is_op(")") {
            return Err(if matches!(self.peek().t, PT::Eof) {
                self.missing(&open, ")")
            } else {
                self.unexpected()
            });
        }
        self.bump();
        Ok(p)
    }

    fn stmt(&mut self) -> Result<PStmt, PsParseError> {
        if self.is_word("if") {
            self.bump();
            let mut arms = Vec::new();
            let cond = self.paren_pipe()?;
            arms.push((cond, self.block()?));
            loop {
                let save = self.pos;
                self.skip_nl();
                if self.is_word("elseif") {
                    self.bump();
                    let cond = self.paren_pipe()?;
                    arms.push((cond, self.block()?));
                } else if self.is_word("else") {
                    self.bump();
                    let els = self.block()?;
                    return Ok(PStmt::If(arms, Some(els)));
                } else {
                    self.pos = save;
                    return Ok(PStmt::If(arms, None));
                }
            }
        }
        if self.is_word("foreach") && matches!(self.peek_at(1).t, PT::Op("(")) {
            self.bump();
            let open = self.bump();
            let PT::Var(var) = self.bump().t else {
                return Err(self.unexpected());
            };
            if !self.is_word("in") {
                return Err(self.unexpected());
            }
            self.bump();
            let items = self.pipeline()?;
            if !self.is_op(")") {
                return Err(if matches!(self.peek().t, PT::Eof) {
                    self.missing(&open, ")")
                } else {
                    self.unexpected()
                });
            }
            self.bump();
            let body = self.block()?;
            return Ok(PStmt::Foreach(var, items, body));
        }
        if self.is_word("exit") || self.is_word("return") {
            let ret = self.is_word("return");
            self.bump();
            if matches!(self.peek().t, PT::Nl | PT::Eof | PT::Op(";" | "}")) {
                return Ok(PStmt::Exit(None, ret));
            }
            return Ok(PStmt::Exit(Some(self.expr()?), ret));
        }
        if let (PT::Var(v), PT::Op(op @ ("=" | "+=" | "-="))) = (&self.peek().t, &self.peek_at(1).t)
        {
            let (v, op) = (v.clone(), *op);
            self.bump();
            self.bump();
            self.skip_nl();
            let value = self.pipeline()?;
            if op == "=" {
                return Ok(PStmt::Assign(v, value));
            }
            return Ok(PStmt::AssignOp(v, &op[..1], value));
        }
        Ok(PStmt::Pipe(self.pipeline()?))
    }

    fn pipeline(&mut self) -> Result<PPipe, PsParseError> {
        let mut elems = vec![self.element(true)?];
        while self.is_op("|") {
            self.bump();
            self.skip_nl();
            elems.push(self.element(false)?);
        }
        Ok(PPipe { elems })
    }

    fn element(&mut self, first: bool) -> Result<PElem, PsParseError> {
        if let PT::Word(_) = &self.peek().t {
            return Ok(PElem::Cmd(self.command()?));
        }
        if !first {
            let t = self.peek();
            return Err(PsParseError {
                line: t.line,
                col: t.col,
                len: (t.end - t.col).max(1),
                msg: "Expressions are only allowed as the first element of a pipeline.".to_owned(),
                id: "ExpressionsMustBeFirstInPipeline",
            });
        }
        Ok(PElem::Expr(self.expr_list()?))
    }

    fn command(&mut self) -> Result<PCmd, PsParseError> {
        let t = self.bump();
        let PT::Word(name) = t.t else {
            return Err(self.unexpected());
        };
        let (line, col) = (t.line, t.col);
        let mut end = t.end;
        let mut args = Vec::new();
        loop {
            let tok = self.peek().clone();
            match &tok.t {
                PT::Nl | PT::Eof | PT::Op(";" | "|" | ")" | "}") => break,
                PT::Param(p) => {
                    self.bump();
                    args.push(PArg::Param(p.clone(), tok.col, tok.end));
                }
                _ => args.push(PArg::Value(self.arg_value()?)),
            }
            let last = &self.toks[self.pos.saturating_sub(1)];
            if last.line == line {
                end = last.end;
            }
        }
        Ok(PCmd {
            name,
            args,
            line,
            col,
            end,
        })
    }

    fn arg_value(&mut self) -> Result<PExpr, PsParseError> {
        let first = self.arg_primary()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op(",") {
            self.bump();
            self.skip_nl();
            items.push(self.arg_primary()?);
        }
        Ok(PExpr::Array(items))
    }

    fn arg_primary(&mut self) -> Result<PExpr, PsParseError> {
        match &self.peek().t {
            PT::Word(w) => {
                let w = w.clone();
                self.bump();
                Ok(PExpr::Lit(V::Str(w)))
            }
            _ => self.postfix(),
        }
    }

    /// An expression, or a comma list of them.
    fn expr_list(&mut self) -> Result<PExpr, PsParseError> {
        let first = self.expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op(",") {
            self.bump();
            self.skip_nl();
            items.push(self.expr()?);
        }
        Ok(PExpr::Array(items))
    }

    fn expr(&mut self) -> Result<PExpr, PsParseError> {
        self.nest()?;
        let r = self.binary(0);
        self.depth -= 1;
        r
    }

    fn binary(&mut self, level: usize) -> Result<PExpr, PsParseError> {
        const LEVELS: &[&[&str]] = &[
            &["or"],
            &["and"],
            &[
                "eq",
                "ne",
                "gt",
                "ge",
                "lt",
                "le",
                "like",
                "notlike",
                "match",
                "notmatch",
                "contains",
                "notcontains",
                "in",
                "notin",
                "ieq",
                "ine",
                "ceq",
                "cne",
                "ilike",
                "clike",
                "imatch",
                "cmatch",
                "replace",
            ],
            &["+", "-"],
            &["*", "/", "%"],
            &[".."],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match &self.peek().t {
                PT::Param(p) => p.to_ascii_lowercase(),
                PT::Op(o) => (*o).to_owned(),
                _ => break,
            };
            if !LEVELS[level].contains(&op.as_str()) {
                break;
            }
            self.bump();
            self.skip_nl();
            let right = self.binary(level + 1)?;
            left = PExpr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<PExpr, PsParseError> {
        match &self.peek().t {
            PT::Op("!") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Not(Box::new(e)))
            }
            PT::Param(p) if p.eq_ignore_ascii_case("not") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Not(Box::new(e)))
            }
            PT::Op("-") => {
                self.bump();
                self.nest()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(PExpr::Neg(Box::new(e)))
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<PExpr, PsParseError> {
        let mut e = self.primary()?;
        while let PT::Member(m) = &self.peek().t {
            let m = m.clone();
            self.bump();
            if self.is_op("(") && !self.peek().space {
                let args = self.call_args()?;
                e = PExpr::Method(Box::new(e), m, args);
            } else {
                e = PExpr::Member(Box::new(e), m);
            }
        }
        Ok(e)
    }

    fn call_args(&mut self) -> Result<Vec<PExpr>, PsParseError> {
        let open = self.bump();
        let mut args = Vec::new();
        self.skip_nl();
        if self.is_op(")") {
            self.bump();
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            self.skip_nl();
            if self.is_op(",") {
                self.bump();
                self.skip_nl();
                continue;
            }
            if self.is_op(")") {
                self.bump();
                return Ok(args);
            }
            return Err(if matches!(self.peek().t, PT::Eof) {
                self.missing(&open, ")")
            } else {
                self.unexpected()
            });
        }
    }

    fn primary(&mut self) -> Result<PExpr, PsParseError> {
        let t = self.peek().clone();
        match t.t {
            PT::Num(n) => {
                self.bump();
                Ok(PExpr::Lit(if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    V::Int(n as i64)
                } else {
                    V::Num(n)
                }))
            }
            PT::Str(s) => {
                self.bump();
                Ok(PExpr::Lit(V::Str(s)))
            }
            PT::XStr(parts) => {
                self.bump();
                Ok(PExpr::XStr(parts))
            }
            PT::Var(v) => {
                self.bump();
                Ok(PExpr::Var(v))
            }
            PT::Word(w) => {
                self.bump();
                Ok(PExpr::Lit(V::Str(w)))
            }
            PT::Type(ty) => {
                self.bump();
                if !self.is_op("::") {
                    return Ok(PExpr::Lit(V::Str(ty)));
                }
                self.bump();
                let PT::Word(word) = self.bump().t else {
                    return Err(self.unexpected());
                };
                // `::OSVersion.Version.Build` lexes as one bare word.
                let mut segs = word.split('.');
                let member = segs.next().unwrap_or_default().to_owned();
                let rest: Vec<String> = segs.map(str::to_owned).collect();
                let mut e = if rest.is_empty() && self.is_op("(") && !self.peek().space {
                    let args = self.call_args()?;
                    PExpr::Static(ty, member, Some(args))
                } else {
                    PExpr::Static(ty, member, None)
                };
                for (i, m) in rest.iter().enumerate() {
                    e = if i + 1 == rest.len() && self.is_op("(") && !self.peek().space {
                        let args = self.call_args()?;
                        PExpr::Method(Box::new(e), m.clone(), args)
                    } else {
                        PExpr::Member(Box::new(e), m.clone())
                    };
                }
                Ok(e)
            }
            PT::Op("(") => {
                let p = self.paren_pipe()?;
                Ok(PExpr::Sub(Rc::new(vec![PStmt::Pipe(p)])))
            }
            PT::Op(o @ ("$(" | "@(")) => {
                let open = self.bump();
                self.nest()?;
                let stmts = self.stmts(Some((&open, ")")))?;
                self.depth -= 1;
                self.bump();
                let sub = PExpr::Sub(Rc::new(stmts));
                Ok(if o == "@(" {
                    PExpr::Array(vec![sub])
                } else {
                    sub
                })
            }
            PT::Op("{") => {
                let body = self.block()?;
                Ok(PExpr::Block(Rc::new(body)))
            }
            PT::Op("-") => {
                self.bump();
                let e = self.unary()?;
                Ok(PExpr::Neg(Box::new(e)))
            }
            PT::Eof => {
                let t = self.peek();
                Err(PsParseError {
                    line: t.line,
                    col: t.col,
                    len: 1,
                    msg: "You must provide a value expression following the operator.".to_owned(),
                    id: "ExpectedValueExpression",
                })
            }
            _ => Err(self.unexpected()),
        }
    }
}

// ---------------------------------------------------------------------------
// PowerShell: execution

/// Simulated cost of starting powershell.exe and of a cmdlet.
const PS_START_US: u64 = 350_000;
const CMDLET_US: u64 = 4_000;

enum PFlow {
    Exit(i32),
    /// A terminating error (already reported): the script stops with 1.
    Stop,
    /// The work budget ran out.
    Abort,
}

type PsRes<T> = Result<T, PFlow>;

/// A running PowerShell.
struct Ps {
    host: Host,
    lines: Vec<String>,
    vars: BTreeMap<String, V>,
    /// Environment, by upper-case name: (name, value).
    env: BTreeMap<String, (String, String)>,
    cwd: String,
    out: String,
    err: String,
    clock_us: u64,
    work: u64,
    depth: usize,
    /// `-ErrorAction` of the command running now.
    error_action: Option<String>,
    last_ok: bool,
}

/// Runs a PowerShell-like script.
///
/// Statements: pipelines, `$var = ...`, `if`/`elseif`/`else`, `foreach`,
/// `exit`, `return`, `;` and newlines, comments, single and double quotes with
/// `$var`, `$env:NAME` and `$(...)` inside, `` ` `` escapes, `(...)`, `@(...)`,
/// arrays, member access, a few methods, arithmetic and comparison operators.
/// Cmdlets: `Write-Output`/`echo`, `Write-Host`, `Write-Error`,
/// `Write-Warning`, `Get-Date`, `Get-Service`, `Get-Process`, `Get-HotFix`,
/// `Get-ComputerInfo`, `Start-Sleep`, `Get-Location`, `Set-Location`,
/// `Test-Path`, `Get-Content`, `Select-Object`, `Where-Object`,
/// `ForEach-Object`, `Sort-Object`, `Measure-Object`, `Select-String`,
/// `Format-Table`, `Format-List`, `Out-String`, `Out-Null`; natives
/// `hostname`, `whoami`, `ipconfig`; `$PSVersionTable`,
/// `[System.Environment]::OSVersion` and friends. An unknown command is
/// reported as PowerShell reports it and ends the script with exit code 1.
pub(crate) fn run_powershell(machine: &Machine, script: &str) -> Outcome {
    let host = Host::new(machine);
    if !host.is_windows() {
        return Outcome {
            stdout: String::new(),
            stderr: "failed to run commands: exec: \"pwsh\": executable file not found in $PATH\n"
                .to_owned(),
            exit_code: 1,
            duration_ms: 0,
        };
    }
    let mut ps = Ps::new(host, script);
    let code = ps.run(script);
    let end = ps.clock_us;
    Outcome {
        stdout: ps.out,
        stderr: ps.err,
        exit_code: code,
        duration_ms: end.div_ceil(1000),
    }
}

/// `Monday, November 23, 2026 8:35:01 PM` and the rest of .NET's en-US formats.
fn dotnet_format(fmt: &str, ms: i64) -> String {
    let t = tm(ms);
    let standard = match fmt {
        "d" => Some("M/d/yyyy"),
        "D" => Some("dddd, MMMM d, yyyy"),
        "f" => Some("dddd, MMMM d, yyyy h:mm tt"),
        "F" | "U" => Some("dddd, MMMM d, yyyy h:mm:ss tt"),
        "g" => Some("M/d/yyyy h:mm tt"),
        "G" => Some("M/d/yyyy h:mm:ss tt"),
        "m" | "M" => Some("MMMM d"),
        "o" | "O" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"),
        "r" | "R" => Some("ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"),
        "s" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss"),
        "t" => Some("h:mm tt"),
        "T" => Some("h:mm:ss tt"),
        "u" => Some("yyyy'-'MM'-'dd HH':'mm':'ss'Z'"),
        "y" | "Y" => Some("MMMM yyyy"),
        _ => None,
    };
    let fmt: Vec<char> = standard.unwrap_or(fmt).chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        let mut n = 1;
        while i + n < fmt.len() && fmt[i + n] == c {
            n += 1;
        }
        let hour12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        let num = |v: u32, n: usize| format!("{v:0n$}");
        match c {
            'y' => {
                let y = if n <= 2 {
                    t.year.rem_euclid(100)
                } else {
                    t.year
                };
                out.push_str(&format!("{y:0w$}", w = if n == 1 { 1 } else { n }));
            }
            'M' => out.push_str(&match n {
                1 | 2 => num(t.mon, n),
                3 => MONTHS[t.mon as usize - 1][..3].to_owned(),
                _ => MONTHS[t.mon as usize - 1].to_owned(),
            }),
            'd' => out.push_str(&match n {
                1 | 2 => num(t.day, n),
                3 => WEEKDAYS[t.wday as usize][..3].to_owned(),
                _ => WEEKDAYS[t.wday as usize].to_owned(),
            }),
            'H' => out.push_str(&num(t.hour, n.min(2))),
            'h' => out.push_str(&num(hour12, n.min(2))),
            'm' => out.push_str(&num(t.min, n.min(2))),
            's' => out.push_str(&num(t.sec, n.min(2))),
            'f' | 'F' => {
                let digits = format!("{:03}0000", t.ms);
                let d = &digits[..n.min(7)];
                if c == 'F' {
                    out.push_str(d.trim_end_matches('0'));
                } else {
                    out.push_str(d);
                }
            }
            't' => out.push_str(if t.hour < 12 {
                &"AM"[..n.min(2)]
            } else {
                &"PM"[..n.min(2)]
            }),
            'z' => out.push_str(match n {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            }),
            'K' => out.push_str("+00:00"),
            '\'' | '"' => {
                let mut j = i + 1;
                while j < fmt.len() && fmt[j] != c {
                    out.push(fmt[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            '\\' if i + 1 < fmt.len() => {
                out.push(fmt[i + 1]);
                i += 2;
                continue;
            }
            '%' => {
                i += 1;
                continue;
            }
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
            }
        }
        i += n;
    }
    out
}

/// A double as PowerShell shows it: up to 15 significant digits.
fn ps_num(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".to_owned()
        } else if v > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    if v.abs() >= 1e15 || v.abs() < 1e-5 {
        let s = format!("{v:.14E}");
        let (m, e) = s.split_once('E').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}E{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let int_digits = v.abs().log10().floor() as i32 + 1;
    let decimals = (15 - int_digits).clamp(0, 15) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// PowerShell's wildcard match, ignoring case.
fn ps_like(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let c: Vec<char> = s.to_lowercase().chars().collect();
    glob_match(&p, &c)
}

impl V {
    fn is_numeric(&self) -> bool {
        matches!(self, V::Int(_) | V::Num(_))
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Num(n) => Some(*n),
            V::Bool(b) => Some(f64::from(u8::from(*b))),
            V::Str(s) => s.trim().parse().ok(),
            V::Null => Some(0.0),
            _ => None,
        }
    }

    fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Num(n) => *n != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => match l.as_slice() {
                [] => false,
                [one] => one.truthy(),
                _ => true,
            },
            V::Date(_) | V::Obj(_) | V::Block(_) => true,
        }
    }

    /// The value as a string (`"$x"`, `Write-Host`).
    fn text(&self) -> String {
        match self {
            V::Null => String::new(),
            V::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            V::Int(i) => i.to_string(),
            V::Num(n) => ps_num(*n),
            V::Str(s) => s.clone(),
            V::Date(ms) => dotnet_format("G", *ms),
            V::List(l) => l.iter().map(V::text).collect::<Vec<_>>().join(" "),
            V::Block(_) => "{ ... }".to_owned(),
            V::Obj(o) => match o.kind {
                Kind::Service => "System.ServiceProcess.ServiceController".to_owned(),
                Kind::Process => format!(
                    "System.Diagnostics.Process ({})",
                    o.get("ProcessName").map(V::text).unwrap_or_default()
                ),
                Kind::Version => ["Major", "Minor", "Build", "Revision"]
                    .iter()
                    .filter_map(|k| o.get(k).map(V::text))
                    .collect::<Vec<_>>()
                    .join("."),
                Kind::Location => o.get("Path").map(V::text).unwrap_or_default(),
                Kind::Match => o.get("Line").map(V::text).unwrap_or_default(),
                _ => {
                    let inner: Vec<String> = o
                        .props
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.text()))
                        .collect();
                    format!("@{{{}}}", inner.join("; "))
                }
            },
        }
    }

    /// The value in a table or list cell.
    fn cell(&self) -> String {
        match self {
            V::List(l) => {
                let items: Vec<String> = l.iter().take(4).map(V::cell).collect();
                format!(
                    "{{{}{}}}",
                    items.join(", "),
                    if l.len() > 4 { "..." } else { "" }
                )
            }
            V::Num(n) => ps_num(*n),
            other => other.text(),
        }
    }

    fn flatten(self, out: &mut Vec<V>) {
        match self {
            V::List(l) => out.extend(l),
            V::Null => {}
            v => out.push(v),
        }
    }
}

/// The value of a list of pipeline outputs: nothing, one value, or an array.
fn collapse(mut vals: Vec<V>) -> V {
    match vals.len() {
        0 => V::Null,
        1 => vals.pop().unwrap_or(V::Null),
        _ => V::List(vals),
    }
}

fn ps_compare(a: &V, b: &V) -> std::cmp::Ordering {
    match (a, b) {
        (x, y) if x.is_numeric() || matches!(x, V::Date(_)) => {
            let fa = if let V::Date(d) = x {
                *d as f64
            } else {
                x.as_f64().unwrap_or(0.0)
            };
            let fb = if let V::Date(d) = y {
                *d as f64
            } else {
                y.as_f64().unwrap_or(f64::NAN)
            };
            fa.partial_cmp(&fb)
                .unwrap_or_else(|| a.text().to_lowercase().cmp(&b.text().to_lowercase()))
        }
        _ => a.text().to_lowercase().cmp(&b.text().to_lowercase()),
    }
}

impl Ps {
    fn new(host: Host, script: &str) -> Self {
        let name = host.hostname.clone();
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_uppercase(), (k.to_owned(), v));
        };
        set("ALLUSERSPROFILE", "C:\\ProgramData".to_owned());
        set("COMPUTERNAME", name.clone());
        set("ComSpec", "C:\\Windows\\system32\\cmd.exe".to_owned());
        set("NUMBER_OF_PROCESSORS", host.cpus.to_string());
        set("OS", "Windows_NT".to_owned());
        set(
            "Path",
            "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\;\
             C:\\Windows\\System32\\OpenSSH\\;C:\\Program Files\\Amazon\\cfn-bootstrap\\"
                .to_owned(),
        );
        set("PROCESSOR_ARCHITECTURE", "AMD64".to_owned());
        set("ProgramData", "C:\\ProgramData".to_owned());
        set("ProgramFiles", "C:\\Program Files".to_owned());
        set(
            "PSModulePath",
            "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\".to_owned(),
        );
        set("SystemDrive", "C:".to_owned());
        set("SystemRoot", "C:\\Windows".to_owned());
        set("TEMP", "C:\\Windows\\TEMP".to_owned());
        set("TMP", "C:\\Windows\\TEMP".to_owned());
        set("USERDOMAIN", "WORKGROUP".to_owned());
        set("USERNAME", format!("{name}$"));
        set(
            "USERPROFILE",
            "C:\\Windows\\system32\\config\\systemprofile".to_owned(),
        );
        set("windir", "C:\\Windows".to_owned());
        let mut vars = BTreeMap::new();
        vars.insert(
            "erroractionpreference".to_owned(),
            V::Str("Continue".to_owned()),
        );
        vars.insert(
            "home".to_owned(),
            V::Str("C:\\Windows\\system32\\config\\systemprofile".to_owned()),
        );
        vars.insert("pid".to_owned(), V::Int(i64::from(win_pid(&host))));
        vars.insert(
            "pshome".to_owned(),
            V::Str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0".to_owned()),
        );
        Ps {
            host,
            lines: script.lines().map(str::to_owned).collect(),
            vars,
            env,
            cwd: "C:\\ProgramData\\sysman\\run".to_owned(),
            out: String::new(),
            err: String::new(),
            clock_us: PS_START_US,
            work: 0,
            depth: 0,
            error_action: None,
            last_ok: true,
        }
    }

    fn build(&self) -> (u32, u32) {
        match self.host.platform {
            SimPlatform::WindowsServer2019 => (17_763, 6_414),
            _ => (20_348, 2_762),
        }
    }

    fn run(&mut self, script: &str) -> i32 {
        let chars: Vec<char> = script.chars().collect();
        self.work += chars.len() as u64 / BYTES_PER_UNIT;
        let parsed = ps_lex(&chars, 1, 1, 0).and_then(|toks| {
            PParser {
                toks,
                pos: 0,
                depth: 0,
            }
            .program()
        });
        let stmts = match parsed {
            Ok(s) => s,
            Err(e) => {
                let text = self.lines.get(e.line - 1).cloned().unwrap_or_default();
                let avail = text.chars().count().saturating_sub(e.col - 1).max(1);
                let report = format!(
                    "At line:{} char:{}\n+ {text}\n+ {}{}\n{}\n    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException\n    + FullyQualifiedErrorId : {}\n \n",
                    e.line,
                    e.col,
                    " ".repeat(e.col - 1),
                    "~".repeat(e.len.clamp(1, avail)),
                    e.msg,
                    e.id
                );
                self.write_err(&report);
                return 1;
            }
        };
        for st in &stmts {
            match self.exec_stmt(st) {
                Ok(vals) => {
                    let text = self.render(&vals);
                    self.write_out(&text);
                }
                Err(PFlow::Exit(c)) => return c,
                Err(PFlow::Stop) => return 1,
                Err(PFlow::Abort) => {
                    self.write_err("powershell: simulator: work limit exceeded, script stopped\n");
                    return ABORT_STATUS;
                }
            }
        }
        0
    }

    fn write_out(&mut self, s: &str) {
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let room = OUTPUT_CAP.saturating_sub(self.out.len() + self.err.len());
        let n = floor_boundary(s, room);
        self.out.push_str(&s[..n]);
    }

    fn write_err(&mut self, s: &str) {
        self.work += s.len() as u64 / BYTES_PER_UNIT;
        let room = OUTPUT_CAP.saturating_sub(self.out.len() + self.err.len());
        let n = floor_boundary(s, room);
        self.err.push_str(&s[..n]);
    }

    fn charge(&mut self, units: u64) -> PsRes<()> {
        self.work += units;
        if self.work > WORK_LIMIT {
            Err(PFlow::Abort)
        } else {
            Ok(())
        }
    }

    /// An error record as PowerShell 5.1 prints it.
    fn error_record(
        &mut self,
        c: &PCmd,
        col: usize,
        end: usize,
        msg: &str,
        category: &str,
        id: &str,
    ) {
        let text = self.lines.get(c.line - 1).cloned().unwrap_or_default();
        let avail = text.chars().count().saturating_sub(col - 1).max(1);
        let report = format!(
            "{} : {msg}\nAt line:{} char:{col}\n+ {text}\n+ {}{}\n    + CategoryInfo          : {category}\n    + FullyQualifiedErrorId : {id}\n \n",
            c.name,
            c.line,
            " ".repeat(col - 1),
            "~".repeat((end.saturating_sub(col)).clamp(1, avail)),
        );
        self.write_err(&report);
    }

    /// A non-terminating cmdlet error: reported, and the script goes on unless
    /// the error action is Stop.
    fn cmdlet_error(&mut self, c: &PCmd, msg: &str, category: &str, id: &str) -> PsRes<()> {
        self.last_ok = false;
        let action = match &self.error_action {
            Some(a) => a.to_ascii_lowercase(),
            None => self
                .vars
                .get("erroractionpreference")
                .map(V::text)
                .unwrap_or_default()
                .to_ascii_lowercase(),
        };
        if action == "silentlycontinue" || action == "ignore" {
            return Ok(());
        }
        self.error_record(c, c.col, c.end, msg, category, id);
        if action == "stop" {
            Err(PFlow::Stop)
        } else {
            Ok(())
        }
    }

    // --- statements ---

    fn exec_block(&mut self, stmts: &[PStmt]) -> PsRes<Vec<V>> {
        self.depth += 1;
        if self.depth > PS_MAX_NEST * 2 {
            self.depth -= 1;
            self.write_err("The script failed due to call depth overflow.\n");
            return Err(PFlow::Stop);
        }
        let mut out = Vec::new();
        let mut r = Ok(());
        for st in stmts {
            match self.exec_stmt(st) {
                Ok(v) => out.extend(v),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        self.depth -= 1;
        r.map(|()| out)
    }

    fn exec_stmt(&mut self, st: &PStmt) -> PsRes<Vec<V>> {
        self.charge(1)?;
        match st {
            PStmt::Pipe(p) => self.exec_pipe(p),
            PStmt::Assign(name, p) => {
                let vals = self.exec_pipe(p)?;
                let v = collapse(vals);
                if let Some(e) = name.strip_prefix("env:") {
                    self.env.insert(e.to_uppercase(), (e.to_owned(), v.text()));
                } else {
                    self.vars.insert(name.to_ascii_lowercase(), v);
                }
                Ok(Vec::new())
            }
            PStmt::AssignOp(name, op, p) => {
                let v = collapse(self.exec_pipe(p)?);
                let cur = self.var(name);
                let new = self.binary(op, cur, v);
                self.charge(value_size(&new) / BYTES_PER_UNIT)?;
                if let Some(e) = name.strip_prefix("env:") {
                    self.env
                        .insert(e.to_uppercase(), (e.to_owned(), new.text()));
                } else {
                    self.vars.insert(name.to_ascii_lowercase(), new);
                }
                Ok(Vec::new())
            }
            PStmt::If(arms, els) => {
                for (cond, body) in arms {
                    let c = collapse(self.exec_pipe(cond)?);
                    if c.truthy() {
                        return self.exec_block(body);
                    }
                }
                match els {
                    Some(b) => self.exec_block(b),
                    None => Ok(Vec::new()),
                }
            }
            PStmt::Foreach(var, items, body) => {
                let mut list = Vec::new();
                for v in self.exec_pipe(items)? {
                    v.flatten(&mut list);
                }
                let mut out = Vec::new();
                for item in list {
                    self.charge(1)?;
                    self.vars.insert(var.to_ascii_lowercase(), item);
                    out.extend(self.exec_block(body)?);
                }
                Ok(out)
            }
            PStmt::Exit(e, ret) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => V::Null,
                };
                if *ret {
                    let text = self.render(&[v]);
                    self.write_out(&text);
                    return Err(PFlow::Exit(0));
                }
                let code = v.as_f64().unwrap_or(0.0);
                Err(PFlow::Exit(code as i64 as i32))
            }
        }
    }

    fn exec_pipe(&mut self, p: &PPipe) -> PsRes<Vec<V>> {
        let mut input: Option<Vec<V>> = None;
        for el in &p.elems {
            let out = match el {
                PElem::Expr(e) => {
                    let mut v = Vec::new();
                    self.eval(e)?.flatten(&mut v);
                    v
                }
                PElem::Cmd(c) => {
                    let piped = input.take();
                    self.invoke(c, piped)?
                }
            };
            input = Some(out);
        }
        Ok(input.unwrap_or_default())
    }

    // --- expressions ---

    fn var(&self, name: &str) -> V {
        let lower = name.to_ascii_lowercase();
        if let Some(e) = lower.strip_prefix("env:") {
            return self
                .env
                .get(&e.to_uppercase())
                .map_or(V::Null, |(_, v)| V::Str(v.clone()));
        }
        match lower.as_str() {
            "true" => V::Bool(true),
            "false" => V::Bool(false),
            "null" => V::Null,
            "?" => V::Bool(self.last_ok),
            "psitem" => self.vars.get("_").cloned().unwrap_or(V::Null),
            "pwd" => obj(Kind::Location, vec![("Path", V::Str(self.cwd.clone()))]),
            "psversiontable" => {
                let (build, rev) = self.build();
                obj(
                    Kind::Dictionary,
                    vec![
                        ("PSVersion", self.version(5, 1, build, rev)),
                        ("PSEdition", V::Str("Desktop".to_owned())),
                        (
                            "PSCompatibleVersions",
                            V::List(
                                ["1.0", "2.0", "3.0", "4.0", "5.0", "5.1"]
                                    .iter()
                                    .map(|s| V::Str((*s).to_owned()))
                                    .collect(),
                            ),
                        ),
                        ("BuildVersion", V::Str(format!("10.0.{build}.{rev}"))),
                        ("CLRVersion", V::Str("4.0.30319.42000".to_owned())),
                        ("WSManStackVersion", V::Str("3.0".to_owned())),
                        ("PSRemotingProtocolVersion", V::Str("2.3".to_owned())),
                        ("SerializationVersion", V::Str("1.1.0.1".to_owned())),
                    ],
                )
            }
            _ => self.vars.get(&lower).cloned().unwrap_or(V::Null),
        }
    }

    fn version(&self, major: i64, minor: i64, build: u32, rev: u32) -> V {
        obj(
            Kind::Version,
            vec![
                ("Major", V::Int(major)),
                ("Minor", V::Int(minor)),
                ("Build", V::Int(i64::from(build))),
                ("Revision", V::Int(i64::from(rev))),
            ],
        )
    }

    fn eval(&mut self, e: &PExpr) -> PsRes<V> {
        self.charge(1)?;
        Ok(match e {
            PExpr::Lit(v) => v.clone(),
            PExpr::XStr(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        XPart::Lit(t) => s.push_str(t),
                        XPart::Var(v) => s.push_str(&self.var(v).text()),
                        XPart::Sub(stmts) => {
                            let vals = self.exec_block(stmts)?;
                            s.push_str(&collapse(vals).text());
                        }
                    }
                }
                truncate_at(&mut s, OUTPUT_CAP);
                self.charge(s.len() as u64 / BYTES_PER_UNIT)?;
                V::Str(s)
            }
            PExpr::Var(v) => self.var(v),
            PExpr::Member(target, m) => {
                let t = self.eval(target)?;
                self.member(&t, m)
            }
            PExpr::Method(target, m, args) => {
                let t = self.eval(target)?;
                let mut a = Vec::new();
                for x in args {
                    a.push(self.eval(x)?);
                }
                self.method(&t, m, &a)
            }
            PExpr::Static(ty, member, args) => {
                let mut a = Vec::new();
                for x in args.iter().flatten() {
                    a.push(self.eval(x)?);
                }
                match self.static_member(ty, member, args.is_some(), &a) {
                    Some(v) => v,
                    None => {
                        let msg = format!("Unable to find type [{ty}].\n");
                        self.write_err(&msg);
                        self.last_ok = false;
                        V::Null
                    }
                }
            }
            PExpr::Sub(stmts) => collapse(self.exec_block(stmts)?),
            PExpr::Block(b) => V::Block(b.clone()),
            PExpr::Array(items) => {
                let mut out = Vec::new();
                for x in items {
                    match x {
                        PExpr::Sub(_) => self.eval(x)?.flatten(&mut out),
                        _ => out.push(self.eval(x)?),
                    }
                }
                V::List(out)
            }
            PExpr::Not(x) => V::Bool(!self.eval(x)?.truthy()),
            PExpr::Neg(x) => match self.eval(x)? {
                V::Int(i) => V::Int(i.wrapping_neg()),
                v => V::Num(-v.as_f64().unwrap_or(0.0)),
            },
            PExpr::Binary(op, l, r) => {
                let a = self.eval(l)?;
                if op == "and" && !a.truthy() {
                    return Ok(V::Bool(false));
                }
                if op == "or" && a.truthy() {
                    return Ok(V::Bool(true));
                }
                let b = self.eval(r)?;
                let v = self.binary(op, a, b);
                self.charge(value_size(&v) / BYTES_PER_UNIT)?;
                v
            }
        })
    }

    fn binary(&mut self, op: &str, a: V, b: V) -> V {
        const CASED: &[&str] = &[
            "eq",
            "ne",
            "gt",
            "ge",
            "lt",
            "le",
            "like",
            "notlike",
            "match",
            "notmatch",
            "replace",
            "contains",
            "notcontains",
            "in",
            "notin",
        ];
        let op = match op.get(1..) {
            Some(rest)
                if op.len() > 2
                    && (op.starts_with('i') || op.starts_with('c'))
                    && CASED.contains(&rest) =>
            {
                rest
            }
            _ => op,
        };
        if let V::List(items) = &a
            && !matches!(op, "+" | "contains" | "notcontains" | "and" | "or" | "*")
        {
            let kept: Vec<V> = items
                .iter()
                .filter(|x| self.binary(op, (*x).clone(), b.clone()).truthy())
                .cloned()
                .collect();
            return V::List(kept);
        }
        let num = |v: &V| v.as_f64().unwrap_or(0.0);
        let both_int = matches!((&a, &b), (V::Int(_), V::Int(_)));
        match op {
            "and" => V::Bool(a.truthy() && b.truthy()),
            "or" => V::Bool(a.truthy() || b.truthy()),
            ".." => {
                let (x, y) = (num(&a) as i64, num(&b) as i64);
                let step = if y >= x { 1 } else { -1 };
                let n = (y.abs_diff(x) + 1).min(PS_MAX_ITEMS as u64) as i64;
                V::List((0..n).map(|i| V::Int(x + i * step)).collect())
            }
            "+" => match (&a, &b) {
                (V::Str(s), _) => {
                    let mut s = format!("{s}{}", b.text());
                    truncate_at(&mut s, OUTPUT_CAP);
                    V::Str(s)
                }
                (V::List(l), _) => {
                    let mut l = l.clone();
                    b.flatten(&mut l);
                    l.truncate(PS_MAX_ITEMS);
                    V::List(l)
                }
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_add(*y)),
                (V::Date(d), _) => V::Date(d + (num(&b) / 10_000.0) as i64),
                _ => V::Num(num(&a) + num(&b)),
            },
            "-" => match (&a, &b) {
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_sub(*y)),
                _ => V::Num(num(&a) - num(&b)),
            },
            "*" => match (&a, &b) {
                (V::Str(s), _) => {
                    V::Str(s.repeat((num(&b).max(0.0) as usize).min(OUTPUT_CAP / s.len().max(1))))
                }
                (V::Int(x), V::Int(y)) => V::Int(x.wrapping_mul(*y)),
                _ => V::Num(num(&a) * num(&b)),
            },
            "/" | "%" => {
                let d = num(&b);
                if d == 0.0 {
                    self.write_err("Attempted to divide by zero.\n");
                    self.last_ok = false;
                    return V::Null;
                }
                if op == "%" {
                    if both_int {
                        V::Int(num(&a) as i64 % d as i64)
                    } else {
                        V::Num(num(&a) % d)
                    }
                } else {
                    let q = num(&a) / d;
                    if both_int && q.fract() == 0.0 {
                        V::Int(q as i64)
                    } else {
                        V::Num(q)
                    }
                }
            }
            "eq" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Equal),
            "ne" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Equal),
            "gt" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Greater),
            "ge" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Less),
            "lt" => V::Bool(ps_compare(&a, &b) == std::cmp::Ordering::Less),
            "le" => V::Bool(ps_compare(&a, &b) != std::cmp::Ordering::Greater),
            "like" => V::Bool(ps_like(&b.text(), &a.text())),
            "notlike" => V::Bool(!ps_like(&b.text(), &a.text())),
            "match" | "notmatch" => {
                let hit = RegexBuilder::new(&b.text())
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .is_ok_and(|re| re.is_match(&a.text()));
                V::Bool(hit == (op == "match"))
            }
            "replace" => {
                let (pat, with) = match &b {
                    V::List(l) => (
                        l.first().map(V::text).unwrap_or_default(),
                        l.get(1).map(V::text).unwrap_or_default(),
                    ),
                    other => (other.text(), String::new()),
                };
                match RegexBuilder::new(&pat)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                {
                    Ok(re) => V::Str(re.replace_all(&a.text(), with.as_str()).into_owned()),
                    Err(_) => a,
                }
            }
            "contains" | "notcontains" => {
                let items = match &a {
                    V::List(l) => l.clone(),
                    other => vec![other.clone()],
                };
                let hit = items
                    .iter()
                    .any(|x| ps_compare(x, &b) == std::cmp::Ordering::Equal);
                V::Bool(hit == (op == "contains"))
            }
            "in" | "notin" => {
                let items = match &b {
                    V::List(l) => l.clone(),
                    other => vec![other.clone()],
                };
                let hit = items
                    .iter()
                    .any(|x| ps_compare(&a, x) == std::cmp::Ordering::Equal);
                V::Bool(hit == (op == "in"))
            }
            _ => V::Null,
        }
    }

    fn member(&self, t: &V, m: &str) -> V {
        let lm = m.to_ascii_lowercase();
        match t {
            V::List(items) => match lm.as_str() {
                "count" | "length" => V::Int(items.len() as i64),
                _ => {
                    let mut out = Vec::new();
                    for x in items {
                        self.member(x, m).flatten(&mut out);
                    }
                    V::List(out)
                }
            },
            V::Str(s) => match lm.as_str() {
                "length" => V::Int(s.chars().count() as i64),
                _ => V::Null,
            },
            V::Date(ms) => {
                let d = tm(*ms);
                match lm.as_str() {
                    "year" => V::Int(d.year),
                    "month" => V::Int(i64::from(d.mon)),
                    "day" => V::Int(i64::from(d.day)),
                    "hour" => V::Int(i64::from(d.hour)),
                    "minute" => V::Int(i64::from(d.min)),
                    "second" => V::Int(i64::from(d.sec)),
                    "millisecond" => V::Int(i64::from(d.ms)),
                    "dayofweek" => V::Str(WEEKDAYS[d.wday as usize].to_owned()),
                    "dayofyear" => V::Int(i64::from(d.yday) + 1),
                    "date" => V::Date(ms - ms.rem_euclid(86_400_000)),
                    "kind" => V::Str("Local".to_owned()),
                    "ticks" => V::Int(
                        ms.wrapping_mul(10_000)
                            .wrapping_add(621_355_968_000_000_000),
                    ),
                    _ => V::Null,
                }
            }
            V::Obj(o) => o.get(m).cloned().unwrap_or(V::Null),
            _ => V::Null,
        }
    }

    fn method(&self, t: &V, m: &str, args: &[V]) -> V {
        let arg = |i: usize| args.get(i).map(V::text).unwrap_or_default();
        let num = |i: usize| args.get(i).and_then(V::as_f64).unwrap_or(0.0);
        match (t, m.to_ascii_lowercase().as_str()) {
            (V::Date(ms), "tostring") if !args.is_empty() => V::Str(dotnet_format(&arg(0), *ms)),
            (V::Date(ms), "touniversaltime" | "tolocaltime") => V::Date(*ms),
            (V::Date(ms), "adddays") => V::Date(ms + (num(0) * 86_400_000.0) as i64),
            (V::Date(ms), "addhours") => V::Date(ms + (num(0) * 3_600_000.0) as i64),
            (V::Date(ms), "addminutes") => V::Date(ms + (num(0) * 60_000.0) as i64),
            (V::Date(ms), "addseconds") => V::Date(ms + (num(0) * 1000.0) as i64),
            (V::Str(s), "toupper") => V::Str(s.to_uppercase()),
            (V::Str(s), "tolower") => V::Str(s.to_lowercase()),
            (V::Str(s), "trim") => V::Str(s.trim().to_owned()),
            (V::Str(s), "contains") => V::Bool(s.contains(&arg(0))),
            (V::Str(s), "startswith") => V::Bool(s.starts_with(&arg(0))),
            (V::Str(s), "endswith") => V::Bool(s.ends_with(&arg(0))),
            (V::Str(s), "replace") => V::Str(s.replace(&arg(0), &arg(1))),
            (V::Str(s), "split") => {
                let seps: Vec<char> = arg(0).chars().collect();
                V::List(
                    s.split(|c| seps.contains(&c))
                        .map(|p| V::Str(p.to_owned()))
                        .collect(),
                )
            }
            (V::Str(s), "substring") => {
                let chars: Vec<char> = s.chars().collect();
                let start = (num(0).max(0.0) as usize).min(chars.len());
                let len = if args.len() > 1 {
                    num(1).max(0.0) as usize
                } else {
                    chars.len() - start
                };
                V::Str(
                    chars[start..(start + len).min(chars.len())]
                        .iter()
                        .collect(),
                )
            }
            (v, "tostring") => V::Str(v.text()),
            _ => V::Null,
        }
    }

    fn static_member(&self, ty: &str, member: &str, call: bool, args: &[V]) -> Option<V> {
        let ty = ty.to_ascii_lowercase();
        let ty = ty.strip_prefix("system.").unwrap_or(&ty);
        let m = member.to_ascii_lowercase();
        let (build, _) = self.build();
        Some(match (ty, m.as_str()) {
            ("environment", "osversion") => obj(
                Kind::Generic,
                vec![
                    ("Platform", V::Str("Win32NT".to_owned())),
                    ("ServicePack", V::Str(String::new())),
                    ("Version", self.version(10, 0, build, 0)),
                    (
                        "VersionString",
                        V::Str(format!("Microsoft Windows NT 10.0.{build}.0")),
                    ),
                ],
            ),
            ("environment", "machinename") => V::Str(self.host.hostname.to_uppercase()),
            ("environment", "processorcount") => V::Int(i64::from(self.host.cpus)),
            ("environment", "username") => V::Str("SYSTEM".to_owned()),
            ("environment", "userdomainname") => V::Str("WORKGROUP".to_owned()),
            ("environment", "is64bitoperatingsystem" | "is64bitprocess") => V::Bool(true),
            ("environment", "newline") => V::Str("\n".to_owned()),
            ("environment", "currentdirectory") => V::Str("C:\\Windows\\system32".to_owned()),
            ("environment", "getenvironmentvariable") if call => {
                let k = args.first().map(V::text).unwrap_or_default().to_uppercase();
                self.env.get(&k).map_or(V::Null, |(_, v)| V::Str(v.clone()))
            }
            ("net.dns", "gethostname") if call => V::Str(self.host.hostname.clone()),
            ("datetime", "now") => V::Date(self.host.now_ms),
            ("datetime", "utcnow") => V::Date(self.host.now_ms),
            ("datetime", "today") => {
                V::Date(self.host.now_ms - self.host.now_ms.rem_euclid(86_400_000))
            }
            ("math", f @ ("round" | "floor" | "ceiling" | "abs" | "sqrt")) if call => {
                let x = args.first().and_then(V::as_f64).unwrap_or(0.0);
                let digits = args.get(1).and_then(V::as_f64).unwrap_or(0.0) as i32;
                let r = match f {
                    "round" => {
                        let p = 10f64.powi(digits);
                        let y = x * p;
                        let r = y.round();
                        let r = if (y - y.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                            r - y.signum()
                        } else {
                            r
                        };
                        r / p
                    }
                    "floor" => x.floor(),
                    "ceiling" => x.ceil(),
                    "abs" => x.abs(),
                    _ => x.sqrt(),
                };
                V::Num(r)
            }
            ("math", "pi") => V::Num(std::f64::consts::PI),
            _ => return None,
        })
    }

    // --- output ---

    /// Out-Default: values as the console shows them.
    fn render(&self, vals: &[V]) -> String {
        let mut flat = Vec::new();
        for v in vals {
            v.clone().flatten(&mut flat);
        }
        let mut out = String::new();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                V::Obj(o) => {
                    let kind = o.kind;
                    let names: Vec<String> = o.props.iter().map(|(k, _)| k.clone()).collect();
                    let mut j = i;
                    let mut group = Vec::new();
                    while let Some(V::Obj(x)) = flat.get(j) {
                        let same = x.kind == kind
                            && (kind != Kind::Generic
                                || x.props.iter().map(|(k, _)| k).eq(names.iter()));
                        if !same {
                            break;
                        }
                        group.push(x.clone());
                        j += 1;
                    }
                    out.push_str(&self.render_objects(&group));
                    i = j;
                    continue;
                }
                V::Date(ms) => {
                    let _ = write!(out, "\n{}\n\n\n", dotnet_format("F", *ms));
                }
                V::Block(b) => {
                    let _ = writeln!(out, "{}", if b.is_empty() { "" } else { " ... " });
                }
                v => {
                    out.push_str(&v.text());
                    out.push('\n');
                }
            }
            i += 1;
        }
        out
    }

    fn render_objects(&self, group: &[Rc<PsObj>]) -> String {
        let Some(first) = group.first() else {
            return String::new();
        };
        let table = |cols: &[(&str, usize, bool)], rows: Vec<Vec<String>>| -> String {
            let widths: Vec<usize> = cols
                .iter()
                .enumerate()
                .map(|(c, (h, w, _))| {
                    if *w > 0 {
                        *w
                    } else if c + 1 == cols.len() {
                        0
                    } else {
                        rows.iter()
                            .map(|r| r[c].chars().count())
                            .max()
                            .unwrap_or(0)
                            .max(h.len())
                    }
                })
                .collect();
            let fit = |s: &str, w: usize, right: bool| -> String {
                if w == 0 {
                    return s.to_owned();
                }
                let n = s.chars().count();
                let s: String = if n > w {
                    s.chars().take(w.saturating_sub(3)).collect::<String>() + "..."
                } else {
                    s.to_owned()
                };
                if right {
                    format!("{s:>w$}")
                } else {
                    format!("{s:<w$}")
                }
            };
            let line = |cells: Vec<String>| -> String {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(cols.iter().zip(&widths))
                    .map(|(s, ((_, _, right), w))| fit(s, *w, *right))
                    .collect();
                parts.join(" ").trim_end().to_owned()
            };
            let mut out = String::from("\n");
            out.push_str(&line(
                cols.iter().map(|(h, _, _)| (*h).to_owned()).collect(),
            ));
            out.push('\n');
            out.push_str(&line(
                cols.iter().map(|(h, _, _)| "-".repeat(h.len())).collect(),
            ));
            out.push('\n');
            for r in rows {
                out.push_str(&line(r));
                out.push('\n');
            }
            out.push_str("\n\n");
            out
        };
        let cell = |o: &PsObj, k: &str| o.get(k).map(V::cell).unwrap_or_default();
        match first.kind {
            Kind::Service => table(
                &[
                    ("Status", 8, false),
                    ("Name", 18, false),
                    ("DisplayName", 38, false),
                ],
                group
                    .iter()
                    .map(|o| vec![cell(o, "Status"), cell(o, "Name"), cell(o, "DisplayName")])
                    .collect(),
            ),
            Kind::Process => table(
                &[
                    ("Handles", 7, true),
                    ("NPM(K)", 7, true),
                    ("PM(K)", 8, true),
                    ("WS(K)", 10, true),
                    ("CPU(s)", 10, true),
                    ("Id", 6, true),
                    ("SI", 3, true),
                    ("ProcessName", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        let kb =
                            |k: &str| (o.get(k).and_then(V::as_f64).unwrap_or(0.0) / 1024.0) as i64;
                        let cpu = o
                            .get("CPU")
                            .and_then(V::as_f64)
                            .map_or(String::new(), |c| format!("{c:.2}"));
                        vec![
                            cell(o, "Handles"),
                            kb("NPM").to_string(),
                            kb("PM").to_string(),
                            kb("WS").to_string(),
                            cpu,
                            cell(o, "Id"),
                            cell(o, "SI"),
                            cell(o, "ProcessName"),
                        ]
                    })
                    .collect(),
            ),
            Kind::HotFix => table(
                &[
                    ("Source", 13, false),
                    ("Description", 16, false),
                    ("HotFixID", 13, false),
                    ("InstalledBy", 20, false),
                    ("InstalledOn", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        [
                            "Source",
                            "Description",
                            "HotFixID",
                            "InstalledBy",
                            "InstalledOn",
                        ]
                        .iter()
                        .map(|k| cell(o, k))
                        .collect()
                    })
                    .collect(),
            ),
            Kind::Version => table(
                &[
                    ("Major", 6, false),
                    ("Minor", 6, false),
                    ("Build", 6, false),
                    ("Revision", 0, false),
                ],
                group
                    .iter()
                    .map(|o| {
                        ["Major", "Minor", "Build", "Revision"]
                            .iter()
                            .map(|k| cell(o, k))
                            .collect()
                    })
                    .collect(),
            ),
            Kind::Location => table(
                &[("Path", 0, false)],
                group.iter().map(|o| vec![cell(o, "Path")]).collect(),
            ),
            Kind::Dictionary => {
                let rows = group
                    .iter()
                    .flat_map(|o| o.props.iter().map(|(k, v)| vec![k.clone(), v.cell()]))
                    .collect();
                table(&[("Name", 30, false), ("Value", 0, false)], rows)
            }
            Kind::Match => {
                let mut out = String::from("\n");
                for o in group {
                    out.push_str(&cell(o, "Line"));
                    out.push('\n');
                }
                out.push_str("\n\n");
                out
            }
            Kind::Generic if first.props.len() <= 4 => {
                let heads: Vec<&str> = first.props.iter().map(|(k, _)| k.as_str()).collect();
                let numeric: Vec<bool> = first.props.iter().map(|(_, v)| v.is_numeric()).collect();
                let cols: Vec<(&str, usize, bool)> = heads
                    .iter()
                    .zip(&numeric)
                    .map(|(h, n)| (*h, 0, *n))
                    .collect();
                let rows = group
                    .iter()
                    .map(|o| o.props.iter().map(|(_, v)| v.cell()).collect())
                    .collect();
                table(&cols, rows)
            }
            _ => {
                let mut out = String::from("\n");
                for o in group {
                    let w = o
                        .props
                        .iter()
                        .map(|(k, _)| k.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (k, v) in &o.props {
                        let line = format!("{k:<w$} : {}", v.cell());
                        out.push_str(line.trim_end());
                        out.push('\n');
                    }
                    out.push('\n');
                }
                out.push('\n');
                out
            }
        }
    }

    /// Format-List of any objects.
    fn render_list(&self, vals: &[V]) -> String {
        let mut out = String::from("\n");
        for v in vals {
            match v {
                V::Obj(o) => {
                    let w = o
                        .props
                        .iter()
                        .map(|(k, _)| k.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (k, v) in &o.props {
                        let line = format!("{k:<w$} : {}", v.cell());
                        out.push_str(line.trim_end());
                        out.push('\n');
                    }
                    out.push('\n');
                }
                other => {
                    out.push_str(&other.text());
                    out.push('\n');
                }
            }
        }
        out.push('\n');
        out
    }
}

// --- cmdlets ---

enum Raw {
    Param(String, usize, usize),
    Val(V),
}

/// Bound arguments of a cmdlet.
#[derive(Default)]
struct Args {
    named: Vec<(&'static str, V)>,
    switches: Vec<&'static str>,
    pos: Vec<V>,
}

impl Args {
    fn get(&self, name: &str) -> Option<&V> {
        self.named.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn has(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// A named parameter, or else the positional argument at `i`.
    fn arg(&self, name: &str, i: usize) -> Option<&V> {
        self.get(name).or_else(|| self.pos.get(i))
    }
}

/// A parameter: name, aliases, whether it takes a value.
type ParamSpec = (&'static str, &'static [&'static str], bool);

/// Cmdlets and their aliases: (what is typed, the cmdlet).
const CMDLETS: &[(&str, &str)] = &[
    ("write-output", "Write-Output"),
    ("echo", "Write-Output"),
    ("write", "Write-Output"),
    ("write-host", "Write-Host"),
    ("write-error", "Write-Error"),
    ("write-warning", "Write-Warning"),
    ("write-verbose", "Write-Verbose"),
    ("write-debug", "Write-Debug"),
    ("write-information", "Write-Information"),
    ("get-date", "Get-Date"),
    ("get-service", "Get-Service"),
    ("gsv", "Get-Service"),
    ("get-process", "Get-Process"),
    ("ps", "Get-Process"),
    ("gps", "Get-Process"),
    ("get-hotfix", "Get-HotFix"),
    ("get-computerinfo", "Get-ComputerInfo"),
    ("start-sleep", "Start-Sleep"),
    ("sleep", "Start-Sleep"),
    ("get-location", "Get-Location"),
    ("pwd", "Get-Location"),
    ("gl", "Get-Location"),
    ("set-location", "Set-Location"),
    ("cd", "Set-Location"),
    ("sl", "Set-Location"),
    ("chdir", "Set-Location"),
    ("test-path", "Test-Path"),
    ("get-content", "Get-Content"),
    ("gc", "Get-Content"),
    ("cat", "Get-Content"),
    ("type", "Get-Content"),
    ("select-object", "Select-Object"),
    ("select", "Select-Object"),
    ("where-object", "Where-Object"),
    ("where", "Where-Object"),
    ("?", "Where-Object"),
    ("foreach-object", "ForEach-Object"),
    ("foreach", "ForEach-Object"),
    ("%", "ForEach-Object"),
    ("sort-object", "Sort-Object"),
    ("sort", "Sort-Object"),
    ("measure-object", "Measure-Object"),
    ("measure", "Measure-Object"),
    ("select-string", "Select-String"),
    ("sls", "Select-String"),
    ("format-table", "Format-Table"),
    ("ft", "Format-Table"),
    ("format-list", "Format-List"),
    ("fl", "Format-List"),
    ("out-string", "Out-String"),
    ("out-null", "Out-Null"),
    ("hostname", "hostname"),
    ("whoami", "whoami"),
    ("ipconfig", "ipconfig"),
];

/// `Get-Service` → `GetServiceCommand`.
fn command_type(cmdlet: &str) -> String {
    cmdlet.split('-').collect::<String>() + "Command"
}

impl Ps {
    fn invoke(&mut self, c: &PCmd, piped: Option<Vec<V>>) -> PsRes<Vec<V>> {
        self.charge(1)?;
        let lname = c.name.to_ascii_lowercase();
        let lname = lname.strip_suffix(".exe").unwrap_or(&lname);
        let Some(&(_, cmdlet)) = CMDLETS.iter().find(|(k, _)| *k == lname) else {
            self.last_ok = false;
            let msg = format!(
                "The term '{}' is not recognized as the name of a cmdlet, function, script file, or operable \
                 program. Check the spelling of the name, or if a path was included, verify that the path is \
                 correct and try again.",
                c.name
            );
            let category = format!(
                "ObjectNotFound: ({}:String) [], CommandNotFoundException",
                c.name
            );
            let end = c.col + c.name.chars().count();
            self.error_record(c, c.col, end, &msg, &category, "CommandNotFoundException");
            return Err(PFlow::Stop);
        };
        let mut raw = Vec::new();
        let mut error_action = None;
        let mut it = c.args.iter().peekable();
        while let Some(a) = it.next() {
            match a {
                PArg::Param(p, s, e) => {
                    let lp = p.to_ascii_lowercase();
                    if (lp == "erroraction" || lp == "ea")
                        && matches!(it.peek(), Some(PArg::Value(_)))
                    {
                        if let Some(PArg::Value(v)) = it.next() {
                            error_action = Some(self.eval(v)?.text());
                        }
                        continue;
                    }
                    raw.push(Raw::Param(p.clone(), *s, *e));
                }
                PArg::Value(e) => raw.push(Raw::Val(self.eval(e)?)),
            }
        }
        let saved = std::mem::replace(&mut self.error_action, error_action);
        self.last_ok = true;
        self.clock_us += CMDLET_US;
        let was_piped = piped.is_some();
        let mut input = Vec::new();
        for v in piped.unwrap_or_default() {
            v.flatten(&mut input);
        }
        let r = self.cmdlet(cmdlet, c, raw, input, was_piped);
        self.error_action = saved;
        r
    }

    /// Binds raw arguments to a cmdlet's parameters; `None` after reporting an error.
    fn bind(
        &mut self,
        cmdlet: &str,
        c: &PCmd,
        raw: Vec<Raw>,
        spec: &[ParamSpec],
    ) -> PsRes<Option<Args>> {
        let mut args = Args::default();
        let mut it = raw.into_iter().peekable();
        let ty = command_type(cmdlet);
        while let Some(r) = it.next() {
            match r {
                Raw::Val(v) => args.pos.push(v),
                Raw::Param(p, s, e) => {
                    let lp = p.to_ascii_lowercase();
                    let exact = spec.iter().find(|(n, aliases, _)| {
                        n.eq_ignore_ascii_case(&lp) || aliases.contains(&lp.as_str())
                    });
                    let found = match exact {
                        Some(x) => Some(*x),
                        None => {
                            let cands: Vec<&ParamSpec> = spec
                                .iter()
                                .filter(|(n, _, _)| n.to_ascii_lowercase().starts_with(&lp))
                                .collect();
                            match cands.as_slice() {
                                [one] => Some(**one),
                                [] => None,
                                many => {
                                    let names: Vec<String> =
                                        many.iter().map(|(n, _, _)| format!("-{n}")).collect();
                                    let msg = format!(
                                        "Parameter cannot be processed because the parameter name '{p}' is ambiguous. Possible matches include: {}.",
                                        names.join(" ")
                                    );
                                    self.last_ok = false;
                                    self.error_record(c, s, e, &msg, &format!("InvalidArgument: (:) [{cmdlet}], ParameterBindingException"), &format!("AmbiguousParameter,Microsoft.PowerShell.Commands.{ty}"));
                                    return self.bind_failed();
                                }
                            }
                        }
                    };
                    let Some((name, _, takes_value)) = found else {
                        let msg = format!(
                            "A parameter cannot be found that matches parameter name '{p}'."
                        );
                        self.last_ok = false;
                        self.error_record(
                            c,
                            s,
                            e,
                            &msg,
                            &format!("InvalidArgument: (:) [{cmdlet}], ParameterBindingException"),
                            &format!("NamedParameterNotFound,Microsoft.PowerShell.Commands.{ty}"),
                        );
                        return self.bind_failed();
                    };
                    if !takes_value {
                        args.switches.push(name);
                        continue;
                    }
                    match it.next() {
                        Some(Raw::Val(v)) => args.named.push((name, v)),
                        _ => {
                            let msg = format!(
                                "Missing an argument for parameter '{name}'. Specify a parameter of type 'System.Object' and try again."
                            );
                            self.last_ok = false;
                            self.error_record(
                                c,
                                s,
                                e,
                                &msg,
                                &format!(
                                    "InvalidArgument: (:) [{cmdlet}], ParameterBindingException"
                                ),
                                &format!("MissingArgument,Microsoft.PowerShell.Commands.{ty}"),
                            );
                            return self.bind_failed();
                        }
                    }
                }
            }
        }
        Ok(Some(args))
    }

    fn bind_failed(&self) -> PsRes<Option<Args>> {
        let stop = self
            .error_action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("stop"))
            || self
                .vars
                .get("erroractionpreference")
                .is_some_and(|v| v.text().eq_ignore_ascii_case("stop"));
        if stop { Err(PFlow::Stop) } else { Ok(None) }
    }

    fn cmdlet(
        &mut self,
        cmdlet: &str,
        c: &PCmd,
        raw: Vec<Raw>,
        input: Vec<V>,
        piped: bool,
    ) -> PsRes<Vec<V>> {
        macro_rules! bind {
            ($spec:expr) => {
                match self.bind(cmdlet, c, raw, $spec)? {
                    Some(a) => a,
                    None => return Ok(Vec::new()),
                }
            };
        }
        let flat = |vals: &[V]| {
            let mut out = Vec::new();
            for v in vals {
                v.clone().flatten(&mut out);
            }
            out
        };
        Ok(match cmdlet {
            "Write-Output" => {
                let a = bind!(&[("InputObject", &[], true), ("NoEnumerate", &[], false)]);
                let mut out = input;
                out.extend(flat(&a.pos));
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut out);
                }
                out
            }
            "Write-Host" => {
                let a = bind!(&[
                    ("Object", &[], true),
                    ("NoNewline", &[], false),
                    ("Separator", &[], true),
                    ("ForegroundColor", &["fore"], true),
                    ("BackgroundColor", &["back"], true),
                ]);
                let sep = a.get("Separator").map_or(" ".to_owned(), V::text);
                let mut items: Vec<String> = input.iter().map(V::text).collect();
                items.extend(a.get("Object").into_iter().chain(&a.pos).map(|v| match v {
                    V::List(l) => l.iter().map(V::text).collect::<Vec<_>>().join(&sep),
                    other => other.text(),
                }));
                let mut text = items.join(&sep);
                if !a.has("NoNewline") {
                    text.push('\n');
                }
                self.write_out(&text);
                Vec::new()
            }
            "Write-Error" => {
                let a = bind!(&[
                    ("Message", &["msg"], true),
                    ("Category", &[], true),
                    ("ErrorId", &[], true)
                ]);
                let msg = a.arg("Message", 0).map(V::text).unwrap_or_default();
                let line = self.lines.get(c.line - 1).cloned().unwrap_or_default();
                let invocation: String = line
                    .chars()
                    .skip(c.col - 1)
                    .take(c.end.saturating_sub(c.col))
                    .collect();
                self.last_ok = false;
                let action = self.error_action.clone().unwrap_or_else(|| {
                    self.vars
                        .get("erroractionpreference")
                        .map(V::text)
                        .unwrap_or_default()
                });
                if !action.eq_ignore_ascii_case("silentlycontinue") {
                    let report = format!(
                        "{invocation} : {msg}\n    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\n    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException\n \n"
                    );
                    self.write_err(&report);
                }
                if action.eq_ignore_ascii_case("stop") {
                    return Err(PFlow::Stop);
                }
                Vec::new()
            }
            "Write-Warning" => {
                let a = bind!(&[("Message", &["msg"], true)]);
                let msg = a.arg("Message", 0).map(V::text).unwrap_or_default();
                self.write_out(&format!("WARNING: {msg}\n"));
                Vec::new()
            }
            "Write-Verbose" | "Write-Debug" | "Write-Information" => {
                let _ = bind!(&[
                    ("Message", &["msg", "messagedata"], true),
                    ("Tags", &[], true)
                ]);
                Vec::new()
            }
            "hostname" => vec![V::Str(self.host.hostname.clone())],
            "whoami" => vec![V::Str("nt authority\\system".to_owned())],
            "ipconfig" => {
                let ip = self.host.ip.clone();
                let gw = ip
                    .rsplit_once('.')
                    .map_or(ip.clone(), |(n, _)| format!("{n}.1"));
                let ll = self.host.rand("link-local");
                let text = format!(
                    "\nWindows IP Configuration\n\n\nEthernet adapter Ethernet 3:\n\n   Connection-specific DNS Suffix  . : ec2.internal\n   Link-local IPv6 Address . . . . . : fe80::{:x}:{:x}:{:x}:{:x}%7\n   IPv4 Address. . . . . . . . . . . : {ip}\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\n   Default Gateway . . . . . . . . . : {gw}",
                    ll >> 48 & 0xffff,
                    ll >> 32 & 0xffff,
                    ll >> 16 & 0xffff,
                    ll & 0xffff
                );
                text.lines().map(|l| V::Str(l.to_owned())).collect()
            }
            "Get-Date" => {
                let a = bind!(&[
                    ("Date", &[], true),
                    ("Format", &[], true),
                    ("UFormat", &[], true),
                    ("DisplayHint", &[], true)
                ]);
                let now = self.host.now_ms;
                if let Some(f) = a.get("Format") {
                    vec![V::Str(dotnet_format(&f.text(), now))]
                } else if let Some(f) = a.get("UFormat") {
                    vec![V::Str(strftime(&f.text(), &tm(now)))]
                } else {
                    vec![V::Date(now)]
                }
            }
            "Get-Service" => {
                let a = bind!(&[
                    ("Name", &["servicename"], true),
                    ("DisplayName", &[], true),
                    ("Exclude", &[], true)
                ]);
                let services = self.services();
                let names: Vec<String> = a
                    .arg("Name", 0)
                    .map(|v| flat(std::slice::from_ref(v)).iter().map(V::text).collect())
                    .unwrap_or_default();
                let display = a.get("DisplayName").map(V::text);
                let mut out = Vec::new();
                if names.is_empty() {
                    out.extend(
                        services
                            .iter()
                            .filter(|s| {
                                display
                                    .as_ref()
                                    .is_none_or(|d| ps_like(d, &s.get_text("DisplayName")))
                            })
                            .cloned(),
                    );
                }
                for n in &names {
                    let hits: Vec<&V> = services
                        .iter()
                        .filter(|s| ps_like(n, &s.get_text("Name")))
                        .collect();
                    if hits.is_empty() && !n.contains(['*', '?']) {
                        self.cmdlet_error(c, &format!("Cannot find any service with service name '{n}'."), &format!("ObjectNotFound: ({n}:String) [Get-Service], ServiceCommandException"), "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand")?;
                    }
                    out.extend(hits.into_iter().cloned());
                }
                out
            }
            "Get-Process" => {
                let a = bind!(&[("Name", &["processname"], true), ("Id", &[], true)]);
                let procs = self.win_processes();
                if let Some(id) = a.get("Id") {
                    let want: Vec<i64> = flat(std::slice::from_ref(id))
                        .iter()
                        .filter_map(V::as_f64)
                        .map(|f| f as i64)
                        .collect();
                    let mut out = Vec::new();
                    for w in want {
                        match procs.iter().find(|p| p.get_f64("Id") == Some(w as f64)) {
                            Some(p) => out.push(p.clone()),
                            None => self.cmdlet_error(c, &format!("Cannot find a process with the process identifier {w}."), &format!("ObjectNotFound: ({w}:Int32) [Get-Process], ProcessCommandException"), "NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.GetProcessCommand")?,
                        }
                    }
                    return Ok(out);
                }
                let names: Vec<String> = a
                    .arg("Name", 0)
                    .map(|v| flat(std::slice::from_ref(v)).iter().map(V::text).collect())
                    .unwrap_or_default();
                if names.is_empty() {
                    return Ok(procs);
                }
                let mut out = Vec::new();
                for n in &names {
                    let hits: Vec<&V> = procs
                        .iter()
                        .filter(|p| ps_like(n, &p.get_text("ProcessName")))
                        .collect();
                    if hits.is_empty() && !n.contains(['*', '?']) {
                        self.cmdlet_error(c, &format!("Cannot find a process with the name \"{n}\". Verify the process name and call the cmdlet again."), &format!("ObjectNotFound: ({n}:String) [Get-Process], ProcessCommandException"), "NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand")?;
                    }
                    out.extend(hits.into_iter().cloned());
                }
                out
            }
            "Get-HotFix" => {
                let a = bind!(&[
                    ("Id", &["hfid"], true),
                    ("ComputerName", &["cn"], true),
                    ("Description", &[], true)
                ]);
                let fixes = self.hotfixes();
                match a.arg("Id", 0).map(V::text) {
                    None => fixes,
                    Some(id) => {
                        let hits: Vec<V> = fixes
                            .into_iter()
                            .filter(|f| ps_like(&id, &f.get_text("HotFixID")))
                            .collect();
                        if hits.is_empty() {
                            self.cmdlet_error(c, "Cannot find the requested hotfix on the 'localhost' computer. Verify the input and run the command again.", "ObjectNotFound: (:) [Get-HotFix], ArgumentException", "GetHotFixNoEntriesFound,Microsoft.PowerShell.Commands.GetHotFixCommand")?;
                        }
                        hits
                    }
                }
            }
            "Get-ComputerInfo" => {
                let a = bind!(&[("Property", &[], true)]);
                self.clock_us += 2_500_000;
                let info = self.computer_info();
                match a.arg("Property", 0) {
                    None => vec![info],
                    Some(p) => {
                        let pats: Vec<String> =
                            flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                        vec![select_props(&info, &pats, Kind::ListView)]
                    }
                }
            }
            "Start-Sleep" => {
                let a = bind!(&[("Seconds", &["s"], true), ("Milliseconds", &["m"], true)]);
                let (v, ms) = match (a.arg("Seconds", 0), a.get("Milliseconds")) {
                    (_, Some(m)) => (m.clone(), true),
                    (Some(s), None) => (s.clone(), false),
                    (None, None) => {
                        self.cmdlet_error(c, "Parameter set cannot be resolved using the specified named parameters.", "InvalidArgument: (:) [Start-Sleep], ParameterBindingException", "AmbiguousParameterSet,Microsoft.PowerShell.Commands.StartSleepCommand")?;
                        return Ok(Vec::new());
                    }
                };
                let Some(f) = v
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && !matches!(v, V::Null))
                else {
                    let param = if ms { "Milliseconds" } else { "Seconds" };
                    let msg = format!(
                        "Cannot bind parameter '{param}'. Cannot convert value \"{}\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"",
                        v.text()
                    );
                    self.cmdlet_error(c, &msg, "InvalidArgument: (:) [Start-Sleep], ParameterBindingException", "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.StartSleepCommand")?;
                    return Ok(Vec::new());
                };
                // PowerShell 5.1 binds -Seconds to an Int32: 2.5 becomes 2 (banker's rounding).
                let n = f.round_ties_even();
                let us = if ms { n * 1000.0 } else { n * 1e6 };
                self.clock_us += (us.min(MAX_SLEEP_US as f64)) as u64;
                Vec::new()
            }
            "Get-Location" => {
                let _ = bind!(&[]);
                vec![obj(
                    Kind::Location,
                    vec![("Path", V::Str(self.cwd.clone()))],
                )]
            }
            "Set-Location" => {
                let a = bind!(&[("Path", &["literalpath"], true)]);
                let target = a
                    .arg("Path", 0)
                    .map_or("C:\\Users\\Default".to_owned(), V::text);
                let path = self.win_resolve(&target);
                if self.win_is_dir(&path) {
                    self.cwd = path;
                } else {
                    self.cmdlet_error(
                        c,
                        &format!("Cannot find path '{path}' because it does not exist."),
                        &format!(
                            "ObjectNotFound: ({path}:String) [Set-Location], ItemNotFoundException"
                        ),
                        "PathNotFound,Microsoft.PowerShell.Commands.SetLocationCommand",
                    )?;
                }
                Vec::new()
            }
            "Test-Path" => {
                let a = bind!(&[
                    ("Path", &["literalpath"], true),
                    ("PathType", &["type"], true)
                ]);
                let mut out = Vec::new();
                for p in flat(a.arg("Path", 0).map(std::slice::from_ref).unwrap_or(&[])) {
                    let path = self.win_resolve(&p.text());
                    let is_dir = self.win_is_dir(&path);
                    let is_file = self.win_file(&path).is_some();
                    let ok = match a.get("PathType").map(|t| t.text().to_ascii_lowercase()) {
                        Some(t) if t == "container" => is_dir,
                        Some(t) if t == "leaf" => is_file,
                        _ => is_dir || is_file,
                    };
                    out.push(V::Bool(ok));
                }
                out
            }
            "Get-Content" => {
                let a = bind!(&[
                    ("Path", &["pspath"], true),
                    ("TotalCount", &["first", "head"], true),
                    ("Tail", &["last"], true)
                ]);
                let mut out = Vec::new();
                for p in flat(a.arg("Path", 0).map(std::slice::from_ref).unwrap_or(&[])) {
                    let path = self.win_resolve(&p.text());
                    match self.win_file(&path) {
                        Some(text) => out.extend(text.lines().map(|l| V::Str(l.to_owned()))),
                        None => self.cmdlet_error(c, &format!("Cannot find path '{path}' because it does not exist."), &format!("ObjectNotFound: ({path}:String) [Get-Content], ItemNotFoundException"), "PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand")?,
                    }
                }
                if let Some(n) = a.get("TotalCount").and_then(V::as_f64) {
                    out.truncate(n.max(0.0) as usize);
                }
                if let Some(n) = a.get("Tail").and_then(V::as_f64) {
                    let keep = (n.max(0.0) as usize).min(out.len());
                    out.drain(..out.len() - keep);
                }
                out
            }
            "Select-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("First", &[], true),
                    ("Last", &[], true),
                    ("Skip", &[], true),
                    ("ExpandProperty", &[], true),
                    ("Unique", &[], false),
                    ("InputObject", &[], true),
                ]);
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let count = |k: &str| a.get(k).and_then(V::as_f64).map(|f| f.max(0.0) as usize);
                if let Some(n) = count("Skip") {
                    items.drain(..n.min(items.len()));
                }
                if let Some(n) = count("First") {
                    items.truncate(n);
                }
                if let Some(n) = count("Last") {
                    let keep = n.min(items.len());
                    items.drain(..items.len() - keep);
                }
                if let Some(p) = a.get("ExpandProperty") {
                    let name = p.text();
                    let mut out = Vec::new();
                    for it in &items {
                        self.member(it, &name).flatten(&mut out);
                    }
                    items = out;
                } else if let Some(p) = a.arg("Property", 0) {
                    let pats: Vec<String> =
                        flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                    items = items.iter().map(|it| self.select(it, &pats)).collect();
                }
                if a.has("Unique") {
                    let mut seen: Vec<String> = Vec::new();
                    items.retain(|v| {
                        let k = v.text();
                        if seen.contains(&k) {
                            false
                        } else {
                            seen.push(k);
                            true
                        }
                    });
                }
                items
            }
            "Where-Object" => self.where_object(c, raw, input)?,
            "ForEach-Object" => {
                let a = bind!(&[
                    ("Process", &[], true),
                    ("MemberName", &[], true),
                    ("Begin", &[], true),
                    ("End", &[], true)
                ]);
                let mut out = Vec::new();
                match a.arg("Process", 0).or(a.get("MemberName")) {
                    Some(V::Block(b)) => {
                        let b = b.clone();
                        let saved = self.vars.get("_").cloned();
                        let mut r = Ok(());
                        for it in input {
                            if let Err(e) = self.charge(1) {
                                r = Err(e);
                                break;
                            }
                            self.vars.insert("_".to_owned(), it);
                            match self.exec_block(&b) {
                                Ok(v) => out.extend(v),
                                Err(e) => {
                                    r = Err(e);
                                    break;
                                }
                            }
                        }
                        match saved {
                            Some(v) => self.vars.insert("_".to_owned(), v),
                            None => self.vars.remove("_"),
                        };
                        r?;
                    }
                    Some(name) => {
                        let name = name.text();
                        for it in &input {
                            self.member(it, &name).flatten(&mut out);
                        }
                    }
                    None => {}
                }
                out
            }
            "Sort-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("Descending", &[], false),
                    ("Unique", &[], false)
                ]);
                let key = a.arg("Property", 0).map(V::text);
                let mut keyed: Vec<(V, V)> = input
                    .into_iter()
                    .map(|it| {
                        let k = match &key {
                            Some(p) => self.member(&it, p),
                            None => it.clone(),
                        };
                        (k, it)
                    })
                    .collect();
                keyed.sort_by(|(a, _), (b, _)| ps_compare(a, b));
                if a.has("Descending") {
                    keyed.reverse();
                }
                if a.has("Unique") {
                    keyed.dedup_by(|x, y| ps_compare(&x.0, &y.0) == std::cmp::Ordering::Equal);
                }
                keyed.into_iter().map(|(_, v)| v).collect()
            }
            "Measure-Object" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("Sum", &[], false),
                    ("Average", &[], false),
                    ("Maximum", &[], false),
                    ("Minimum", &[], false),
                    ("Line", &[], false),
                    ("Word", &[], false),
                    ("Character", &[], false),
                ]);
                let prop = a.arg("Property", 0).map(V::text);
                let nums: Vec<f64> = input
                    .iter()
                    .filter_map(|it| match &prop {
                        Some(p) => self.member(it, p).as_f64(),
                        None => it.as_f64(),
                    })
                    .collect();
                let stat = |on: bool, v: f64| {
                    if on && !nums.is_empty() {
                        V::Num(v)
                    } else {
                        V::Null
                    }
                };
                let sum: f64 = nums.iter().sum();
                let max = nums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let min = nums.iter().copied().fold(f64::INFINITY, f64::min);
                vec![obj(
                    Kind::ListView,
                    vec![
                        ("Count", V::Int(input.len() as i64)),
                        (
                            "Average",
                            stat(a.has("Average"), sum / nums.len().max(1) as f64),
                        ),
                        ("Sum", stat(a.has("Sum"), sum)),
                        ("Maximum", stat(a.has("Maximum"), max)),
                        ("Minimum", stat(a.has("Minimum"), min)),
                        ("Property", prop.map_or(V::Null, V::Str)),
                    ],
                )]
            }
            "Select-String" => {
                let a = bind!(&[
                    ("Pattern", &[], true),
                    ("SimpleMatch", &[], false),
                    ("CaseSensitive", &[], false),
                    ("NotMatch", &[], false),
                    ("InputObject", &[], true),
                ]);
                let pat = a.arg("Pattern", 0).map(V::text).unwrap_or_default();
                let pat = if a.has("SimpleMatch") {
                    regex::escape(&pat)
                } else {
                    pat
                };
                let re = match RegexBuilder::new(&pat)
                    .case_insensitive(!a.has("CaseSensitive"))
                    .size_limit(1 << 22)
                    .build()
                {
                    Ok(re) => re,
                    Err(_) => {
                        self.cmdlet_error(
                            c,
                            &format!("The string {pat} is not a valid regular expression."),
                            "InvalidArgument: (:) [Select-String], ArgumentException",
                            "InvalidRegex,Microsoft.PowerShell.Commands.SelectStringCommand",
                        )?;
                        return Ok(Vec::new());
                    }
                };
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let mut out = Vec::new();
                for (n, it) in items.iter().enumerate() {
                    let line = it.text();
                    if re.is_match(&line) != a.has("NotMatch") {
                        out.push(obj(
                            Kind::Match,
                            vec![
                                ("LineNumber", V::Int(n as i64 + 1)),
                                ("Line", V::Str(line)),
                                ("Pattern", V::Str(pat.clone())),
                            ],
                        ));
                    }
                }
                out
            }
            "Format-Table" | "Format-List" => {
                let a = bind!(&[
                    ("Property", &[], true),
                    ("AutoSize", &["auto"], false),
                    ("Wrap", &[], false),
                    ("HideTableHeaders", &[], false)
                ]);
                let items: Vec<V> = match a.arg("Property", 0) {
                    Some(p) => {
                        let pats: Vec<String> =
                            flat(std::slice::from_ref(p)).iter().map(V::text).collect();
                        input.iter().map(|it| self.select(it, &pats)).collect()
                    }
                    None => input,
                };
                let text = if cmdlet == "Format-List" {
                    self.render_list(&items)
                } else {
                    self.render(&items)
                };
                text.lines().map(|l| V::Str(l.to_owned())).collect()
            }
            "Out-String" => {
                let a = bind!(&[
                    ("Stream", &[], false),
                    ("Width", &[], true),
                    ("InputObject", &[], true)
                ]);
                let mut items = input;
                if let Some(v) = a.get("InputObject") {
                    v.clone().flatten(&mut items);
                }
                let text = self.render(&items);
                if a.has("Stream") {
                    text.lines().map(|l| V::Str(l.to_owned())).collect()
                } else {
                    vec![V::Str(text)]
                }
            }
            "Out-Null" => {
                let _ = bind!(&[("InputObject", &[], true)]);
                Vec::new()
            }
            _ => {
                let _ = piped;
                Vec::new()
            }
        })
    }

    fn where_object(&mut self, c: &PCmd, raw: Vec<Raw>, input: Vec<V>) -> PsRes<Vec<V>> {
        let mut block = None;
        let mut prop = None;
        let mut op = None;
        let mut value = None;
        let mut it = raw.into_iter().peekable();
        while let Some(r) = it.next() {
            match r {
                Raw::Val(V::Block(b)) if block.is_none() => block = Some(b),
                Raw::Val(v) if prop.is_none() => prop = Some(v.text()),
                Raw::Val(v) => value = Some(v),
                Raw::Param(p, _, _) => {
                    let lp = p.to_ascii_lowercase();
                    match lp.as_str() {
                        "filterscript" => {
                            if let Some(Raw::Val(V::Block(b))) = it.next() {
                                block = Some(b);
                            }
                        }
                        "property" => {
                            if let Some(Raw::Val(v)) = it.next() {
                                prop = Some(v.text());
                            }
                        }
                        "value" => {
                            if let Some(Raw::Val(v)) = it.next() {
                                value = Some(v);
                            }
                        }
                        o if PS_OPERATORS.contains(&o) => op = Some(o.to_owned()),
                        _ => {
                            let msg = format!(
                                "A parameter cannot be found that matches parameter name '{p}'."
                            );
                            self.last_ok = false;
                            self.error_record(c, c.col, c.end, &msg, "InvalidArgument: (:) [Where-Object], ParameterBindingException", "NamedParameterNotFound,Microsoft.PowerShell.Commands.WhereObjectCommand");
                            return Ok(Vec::new());
                        }
                    }
                }
            }
        }
        let saved = self.vars.get("_").cloned();
        let mut out = Vec::new();
        let mut r = Ok(());
        for item in input {
            if let Err(e) = self.charge(1) {
                r = Err(e);
                break;
            }
            let keep = if let Some(b) = &block {
                self.vars.insert("_".to_owned(), item.clone());
                match self.exec_block(b) {
                    Ok(v) => collapse(v).truthy(),
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            } else if let Some(p) = &prop {
                let left = self.member(&item, p);
                match (&op, &value) {
                    (Some(o), Some(v)) => self.binary(o, left, v.clone()).truthy(),
                    _ => left.truthy(),
                }
            } else {
                true
            };
            if keep {
                out.push(item);
            }
        }
        match saved {
            Some(v) => self.vars.insert("_".to_owned(), v),
            None => self.vars.remove("_"),
        };
        r.map(|()| out)
    }

    /// Select-Object -Property: an object with just those properties.
    fn select(&self, it: &V, pats: &[String]) -> V {
        if let V::Obj(o) = it {
            return select_props(
                it,
                pats,
                if o.kind == Kind::ListView {
                    Kind::ListView
                } else {
                    Kind::Generic
                },
            );
        }
        let props: Vec<(&str, V)> = pats
            .iter()
            .map(|p| (p.as_str(), self.member(it, p)))
            .collect();
        obj(Kind::Generic, props)
    }

    // --- the Windows machine ---

    fn services(&self) -> Vec<V> {
        let y2019 = self.host.platform == SimPlatform::WindowsServer2019;
        let defender = if y2019 {
            "Windows Defender Antivirus Service"
        } else {
            "Microsoft Defender Antivirus Service"
        };
        let list: [(&str, &str, &str, &str); 17] = [
            (
                "Running",
                "Amazon EC2Launch",
                "Amazon EC2Launch",
                "Automatic",
            ),
            ("Running", "AmazonSSMAgent", "Amazon SSM Agent", "Automatic"),
            (
                "Running",
                "AWSLiteAgent",
                "AWS Lite Guest Agent",
                "Automatic",
            ),
            ("Running", "Dhcp", "DHCP Client", "Automatic"),
            ("Running", "Dnscache", "DNS Client", "Automatic"),
            ("Running", "EventLog", "Windows Event Log", "Automatic"),
            ("Running", "LanmanServer", "Server", "Automatic"),
            ("Running", "LanmanWorkstation", "Workstation", "Automatic"),
            (
                "Running",
                "MpsSvc",
                "Windows Defender Firewall",
                "Automatic",
            ),
            ("Running", "Schedule", "Task Scheduler", "Automatic"),
            ("Running", "Spooler", "Print Spooler", "Automatic"),
            (
                "Running",
                "TermService",
                "Remote Desktop Services",
                "Manual",
            ),
            ("Running", "W32Time", "Windows Time", "Automatic"),
            ("Running", "WinDefend", defender, "Automatic"),
            (
                "Running",
                "WinRM",
                "Windows Remote Management (WS-Management)",
                "Automatic",
            ),
            ("Stopped", "wuauserv", "Windows Update", "Manual"),
            ("Stopped", "sshd", "OpenSSH SSH Server", "Manual"),
        ];
        let mut v: Vec<V> = list
            .iter()
            .filter(|(_, n, _, _)| !(y2019 && *n == "sshd"))
            .map(|(st, n, d, start)| {
                obj(
                    Kind::Service,
                    vec![
                        ("Status", V::Str((*st).to_owned())),
                        ("Name", V::Str((*n).to_owned())),
                        ("DisplayName", V::Str((*d).to_owned())),
                        ("StartType", V::Str((*start).to_owned())),
                        ("ServiceName", V::Str((*n).to_owned())),
                        ("CanStop", V::Bool(*st == "Running")),
                    ],
                )
            })
            .collect();
        v.sort_by_key(|s| s.get_text("Name").to_lowercase());
        v
    }

    fn win_processes(&self) -> Vec<V> {
        let h = &self.host;
        let up = h.uptime_s() as f64;
        let r = |what: &str| h.rand(what);
        let mut list: Vec<(&str, u32, u32)> = vec![
            ("Idle", 0, 0),
            ("System", 4, 0),
            ("Registry", 92, 0),
            ("smss", 304, 0),
            ("csrss", 412, 0),
            ("wininit", 488, 0),
            ("csrss", 496, 1),
            ("winlogon", 560, 1),
            ("services", 620, 0),
            ("lsass", 644, 0),
            ("svchost", 756, 0),
            ("fontdrvhost", 776, 0),
            ("fontdrvhost", 784, 1),
            ("svchost", 840, 0),
            ("dwm", 936, 1),
            ("svchost", 1012, 0),
            ("svchost", 1104, 0),
            ("svchost", 1220, 0),
            ("spoolsv", 1596, 0),
            ("MsMpEng", 1876, 0),
            ("LiteAgent", 1944, 0),
            ("LogonUI", 2088, 1),
            ("WmiPrvSE", 2764, 0),
        ];
        list.push(("amazon-ssm-agent", h.agent_pid.max(2200) + 1000, 0));
        list.push(("ssm-agent-worker", h.agent_pid.max(2200) + 1400, 0));
        let me = win_pid(h);
        list.push(("ssm-document-worker", me - 8, 0));
        list.push(("powershell", me, 0));
        list.push(("conhost", me + 4, 0));
        let mut v: Vec<V> = list
            .into_iter()
            .map(|(name, id, si)| {
                let k = r(&format!("proc-{name}-{id}"));
                let ws: i64 = match name {
                    "Idle" => 8 * 1024,
                    "System" => 140 * 1024,
                    "MsMpEng" => 180_000 * 1024 + (k % 40_000) as i64 * 1024,
                    "powershell" => 62_000 * 1024 + (k % 8_000) as i64 * 1024,
                    _ => (4_000 + k % 30_000) as i64 * 1024,
                };
                let cpu = match name {
                    "Idle" => up * f64::from(h.cpus) * 0.93,
                    "powershell" | "conhost" | "ssm-document-worker" => {
                        0.2 + (k % 100) as f64 / 100.0
                    }
                    "MsMpEng" => up / 40.0,
                    _ => up / (500.0 + (k % 20_000) as f64),
                };
                let handles = match name {
                    "Idle" => 0,
                    "System" => 2_600 + (k % 800) as i64,
                    _ => 80 + (k % 900) as i64,
                };
                obj(
                    Kind::Process,
                    vec![
                        ("Handles", V::Int(handles)),
                        (
                            "NPM",
                            V::Int(if id == 0 {
                                0
                            } else {
                                (6 + k % 40) as i64 * 1024
                            }),
                        ),
                        ("PM", V::Int(if id == 0 { 60 * 1024 } else { ws * 7 / 10 })),
                        ("WS", V::Int(ws)),
                        ("CPU", V::Num((cpu * 100.0).round() / 100.0)),
                        ("Id", V::Int(i64::from(id))),
                        ("SI", V::Int(i64::from(si))),
                        ("ProcessName", V::Str(name.to_owned())),
                        ("Name", V::Str(name.to_owned())),
                    ],
                )
            })
            .collect();
        v.sort_by(|a, b| {
            a.get_text("ProcessName")
                .to_lowercase()
                .cmp(&b.get_text("ProcessName").to_lowercase())
                .then(ps_compare(&a.get_v("Id"), &b.get_v("Id")))
        });
        v
    }

    fn hotfixes(&self) -> Vec<V> {
        let boot_day = self.host.boot_ms - self.host.boot_ms.rem_euclid(86_400_000);
        let list: &[(&str, &str, i64)] = if self.host.platform == SimPlatform::WindowsServer2019 {
            &[
                ("Update", "KB4486153", 700),
                ("Security Update", "KB5005112", 1_100),
                ("Update", "KB5043126", 30),
                ("Security Update", "KB5044277", 0),
            ]
        } else {
            &[
                ("Update", "KB5044020", 30),
                ("Security Update", "KB5012170", 800),
                ("Update", "KB5043935", 60),
                ("Security Update", "KB5044281", 0),
            ]
        };
        list.iter()
            .map(|(d, id, days)| {
                obj(
                    Kind::HotFix,
                    vec![
                        ("Source", V::Str(self.host.hostname.clone())),
                        ("Description", V::Str((*d).to_owned())),
                        ("HotFixID", V::Str((*id).to_owned())),
                        ("InstalledBy", V::Str("NT AUTHORITY\\SYSTEM".to_owned())),
                        ("InstalledOn", V::Date(boot_day - days * 86_400_000)),
                    ],
                )
            })
            .collect()
    }

    fn computer_info(&self) -> V {
        let h = &self.host;
        let y2019 = h.platform == SimPlatform::WindowsServer2019;
        let (build, rev) = self.build();
        let gib = (h.mem.total as f64 / (0.955 * 1024.0 * 1024.0)).round() as u32;
        let family = match gib / h.cpus.max(1) {
            0..=2 => "c5",
            3..=5 => "m5",
            _ => "r5",
        };
        let size = match h.cpus {
            2 => "large",
            4 => "xlarge",
            8 => "2xlarge",
            _ => "4xlarge",
        };
        let up = h.uptime_s();
        let product = if y2019 {
            "Windows Server 2019 Datacenter"
        } else {
            "Windows Server 2022 Datacenter"
        };
        obj(
            Kind::ListView,
            vec![
                (
                    "WindowsBuildLabEx",
                    V::Str(
                        if y2019 {
                            "17763.1.amd64fre.rs5_release.180914-1434"
                        } else {
                            "20348.1.amd64fre.fe_release.210507-1500"
                        }
                        .to_owned(),
                    ),
                ),
                ("WindowsCurrentVersion", V::Str("6.3".to_owned())),
                ("WindowsEditionId", V::Str("ServerDatacenter".to_owned())),
                ("WindowsInstallationType", V::Str("Server".to_owned())),
                ("WindowsProductName", V::Str(product.to_owned())),
                ("WindowsRegisteredOwner", V::Str("EC2".to_owned())),
                (
                    "WindowsVersion",
                    V::Str(if y2019 { "1809" } else { "2009" }.to_owned()),
                ),
                ("BiosManufacturer", V::Str("Amazon EC2".to_owned())),
                ("CsDNSHostName", V::Str(h.hostname.clone())),
                ("CsDomain", V::Str("WORKGROUP".to_owned())),
                ("CsManufacturer", V::Str("Amazon EC2".to_owned())),
                ("CsModel", V::Str(format!("{family}.{size}"))),
                ("CsName", V::Str(h.hostname.clone())),
                ("CsNumberOfLogicalProcessors", V::Int(i64::from(h.cpus))),
                ("CsTotalPhysicalMemory", V::Int((h.mem.total * 1024) as i64)),
                ("OsName", V::Str(format!("Microsoft {product}"))),
                ("OsType", V::Str("WINNT".to_owned())),
                ("OsVersion", V::Str(format!("10.0.{build}"))),
                ("OsBuildNumber", V::Str(build.to_string())),
                ("OsArchitecture", V::Str("64-bit".to_owned())),
                ("OsLastBootUpTime", V::Date(h.boot_ms)),
                (
                    "OsUptime",
                    V::Str(format!(
                        "{}.{:02}:{:02}:{:02}.{:07}",
                        up / 86_400,
                        up / 3600 % 24,
                        up / 60 % 60,
                        up % 60,
                        h.rand("uptime-frac") % 10_000_000
                    )),
                ),
                ("OsLocale", V::Str("en-US".to_owned())),
                ("OsServicePackMajorVersion", V::Int(0)),
                (
                    "OsBuildType",
                    V::Str(format!("Multiprocessor Free (rev {rev})")),
                ),
                (
                    "TimeZone",
                    V::Str("(UTC) Coordinated Universal Time".to_owned()),
                ),
            ],
        )
    }

    /// A Windows path, absolute, with `.` and `..` resolved.
    fn win_resolve(&self, p: &str) -> String {
        let p = p.replace('/', "\\");
        let full = if p.len() >= 2 && p.as_bytes()[1] == b':' {
            p
        } else if let Some(rest) = p.strip_prefix('\\') {
            format!("C:\\{rest}")
        } else {
            format!("{}\\{p}", self.cwd)
        };
        let mut parts: Vec<&str> = Vec::new();
        for seg in full.split('\\') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.len() > 1 {
                        parts.pop();
                    }
                }
                s => parts.push(s),
            }
        }
        let mut out = parts.join("\\");
        if parts.len() == 1 {
            out.push('\\');
        }
        if let Some(first) = out.get(..1) {
            out = first.to_uppercase() + &out[1..];
        }
        out
    }

    fn win_is_dir(&self, path: &str) -> bool {
        const DIRS: &[&str] = &[
            "C:\\",
            "C:\\Windows",
            "C:\\Windows\\System32",
            "C:\\Windows\\System32\\drivers",
            "C:\\Windows\\System32\\drivers\\etc",
            "C:\\Windows\\Temp",
            "C:\\ProgramData",
            "C:\\ProgramData\\Amazon",
            "C:\\ProgramData\\Amazon\\SSM",
            "C:\\ProgramData\\sysman",
            "C:\\ProgramData\\sysman\\run",
            "C:\\Program Files",
            "C:\\Program Files\\Amazon",
            "C:\\Program Files\\Amazon\\SSM",
            "C:\\Users",
            "C:\\Users\\Administrator",
            "C:\\Users\\Default",
            "C:\\Windows\\System32\\WindowsPowerShell",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
        ];
        DIRS.iter().any(|d| d.eq_ignore_ascii_case(path))
    }

    fn win_file(&self, path: &str) -> Option<String> {
        let p = path.to_ascii_lowercase();
        match p.as_str() {
            "c:\\windows\\system32\\drivers\\etc\\hosts" => Some(
                "# Copyright (c) 1993-2009 Microsoft Corp.\n#\n# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\n#\n\
                 # localhost name resolution is handled within DNS itself.\n#\t127.0.0.1       localhost\n#\t::1             localhost\n"
                    .to_owned(),
            ),
            "c:\\program files\\amazon\\ssm\\amazon-ssm-agent.exe" | "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe" => {
                Some(String::new())
            }
            _ => None,
        }
    }
}

/// The process id of powershell.exe: Windows ids are multiples of 4.
fn win_pid(h: &Host) -> u32 {
    4 * (1200 + h.shell_pid % 6000)
}

fn select_props(it: &V, pats: &[String], kind: Kind) -> V {
    let V::Obj(o) = it else { return it.clone() };
    let mut props: Vec<(String, V)> = Vec::new();
    for p in pats {
        let matched: Vec<&(String, V)> = o.props.iter().filter(|(k, _)| ps_like(p, k)).collect();
        if matched.is_empty() && !p.contains(['*', '?']) {
            props.push((p.clone(), V::Null));
        }
        for (k, v) in matched {
            if !props.iter().any(|(x, _)| x == k) {
                props.push((k.clone(), v.clone()));
            }
        }
    }
    V::Obj(Rc::new(PsObj { kind, props }))
}

impl V {
    fn get_v(&self, k: &str) -> V {
        match self {
            V::Obj(o) => o.get(k).cloned().unwrap_or(V::Null),
            _ => V::Null,
        }
    }

    fn get_text(&self, k: &str) -> String {
        self.get_v(k).text()
    }

    fn get_f64(&self, k: &str) -> Option<f64> {
        self.get_v(k).as_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(platform: SimPlatform, index: usize) -> Machine<'static> {
        Machine {
            hostname: "web-prod-001",
            ip_address: "10.10.0.4",
            platform,
            index,
            seed: 42,
            now_ms: 1_795_466_101_000,
        }
    }

    fn sh(script: &str) -> Outcome {
        run_shell(&machine(SimPlatform::AmazonLinux2023, 0), script)
    }

    fn on(platform: SimPlatform, script: &str) -> Outcome {
        run_shell(&machine(platform, 0), script)
    }

    fn win(platform: SimPlatform, script: &str) -> Outcome {
        let m = Machine {
            hostname: "WIN-WEBP-001",
            ..machine(platform, 0)
        };
        run_powershell(&m, script)
    }

    fn ps(script: &str) -> Outcome {
        win(SimPlatform::WindowsServer2022, script)
    }

    const LINUX: [SimPlatform; 5] = [
        SimPlatform::AmazonLinux2023,
        SimPlatform::Ubuntu2204,
        SimPlatform::Ubuntu2404,
        SimPlatform::Rhel9,
        SimPlatform::Debian12,
    ];

    // --- simple commands, exact output ---

    #[test]
    fn echo_hello() {
        let o = sh("echo hello");
        assert_eq!(o.stdout, "hello\n");
        assert_eq!(o.stderr, "");
        assert_eq!(o.exit_code, 0);
        assert_eq!(sh("echo -n a; echo b c").stdout, "ab c\n");
        assert_eq!(
            sh(r#"echo "a\tb""#).stdout,
            "a\tb\n",
            "dash's echo expands escapes"
        );
    }

    #[test]
    fn printf_formats_and_reuses_its_format() {
        assert_eq!(sh(r#"printf "%s-%s\n" a b c"#).stdout, "a-b\nc-\n");
        assert_eq!(
            sh(r#"printf "%d|%5s|%-3s|%%|%x\t.\n" 42 ab c 255"#).stdout,
            "42|   ab|c  |%|ff\t.\n"
        );
        let o = sh(r#"printf "%d\n" abc"#);
        assert_eq!(o.stdout, "0\n");
        assert_eq!(o.stderr, "sh: 1: printf: abc: expected numeric value\n");
        assert_eq!(o.exit_code, 1);
    }

    #[test]
    fn uname_per_platform() {
        assert_eq!(
            on(SimPlatform::AmazonLinux2023, "uname -s").stdout,
            "Linux\n"
        );
        assert_eq!(on(SimPlatform::MacOs14, "uname -s").stdout, "Darwin\n");
        let releases = [
            (
                SimPlatform::AmazonLinux2023,
                "6.1.112-122.189.amzn2023.x86_64",
            ),
            (SimPlatform::Ubuntu2204, "5.15.0-1071-aws"),
            (SimPlatform::Ubuntu2404, "6.8.0-1016-aws"),
            (SimPlatform::Rhel9, "5.14.0-427.37.1.el9_4.x86_64"),
            (SimPlatform::Debian12, "6.1.0-26-cloud-amd64"),
            (SimPlatform::MacOs14, "23.6.0"),
        ];
        for (p, r) in releases {
            assert_eq!(on(p, "uname -r").stdout, format!("{r}\n"), "{p:?}");
        }
        assert_eq!(
            on(SimPlatform::Ubuntu2404, "uname -sr").stdout,
            "Linux 6.8.0-1016-aws\n"
        );
        assert_eq!(
            on(SimPlatform::Ubuntu2404, "uname -m -o").stdout,
            "x86_64 GNU/Linux\n"
        );
        assert_eq!(
            sh("uname -a").stdout,
            "Linux web-prod-001 6.1.112-122.189.amzn2023.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Oct  8 17:04:00 UTC \
             2024 x86_64 x86_64 x86_64 GNU/Linux\n"
        );
        let mac = on(SimPlatform::MacOs14, "uname -a").stdout;
        assert!(
            mac.starts_with("Darwin web-prod-001 23.6.0 Darwin Kernel Version 23.6.0"),
            "{mac}"
        );
        assert!(mac.ends_with(" arm64\n"), "{mac}");
        let bad = on(SimPlatform::Debian12, "uname -z");
        assert_eq!(bad.exit_code, 1);
        assert_eq!(
            bad.stderr,
            "uname: invalid option -- 'z'\nTry 'uname --help' for more information.\n"
        );
    }

    #[test]
    fn hostname_whoami_id() {
        let o = sh("hostname; whoami; hostname -I; id -u; id -un");
        assert_eq!(o.stdout, "web-prod-001\nroot\n10.10.0.4 \n0\nroot\n");
        assert_eq!(
            on(SimPlatform::Debian12, "id").stdout,
            "uid=0(root) gid=0(root) groups=0(root)\n"
        );
        assert!(
            on(SimPlatform::MacOs14, "id")
                .stdout
                .starts_with("uid=0(root) gid=0(wheel) groups=0(wheel),1(daemon)")
        );
    }

    #[test]
    fn exit_stops_with_its_status() {
        let o = sh("echo a; exit 3; echo b");
        assert_eq!((o.stdout.as_str(), o.exit_code), ("a\n", 3));
        assert_eq!(sh("exit 300").exit_code, 44);
        assert_eq!(sh("false; exit").exit_code, 1);
        let o = sh("exit abc");
        assert_eq!(
            (o.stderr.as_str(), o.exit_code),
            ("sh: 1: exit: Illegal number: abc\n", 2)
        );
        assert_eq!(sh("true").exit_code, 0);
        assert_eq!(sh("false").exit_code, 1);
        assert_eq!(
            sh("echo x; false").exit_code,
            1,
            "the last command's status"
        );
    }

    #[test]
    fn date_follows_the_clock() {
        assert_eq!(sh("date").stdout, "Mon Nov 23 20:35:01 UTC 2026\n");
        assert_eq!(sh("date -u").stdout, "Mon Nov 23 20:35:01 UTC 2026\n");
        assert_eq!(sh("date +%s").stdout, "1795466101\n");
        assert_eq!(
            sh("date '+%Y-%m-%d %H:%M:%S %j %A'").stdout,
            "2026-11-23 20:35:01 327 Monday\n"
        );
        let m = Machine {
            now_ms: 1_775_000_000_000,
            ..machine(SimPlatform::AmazonLinux2023, 0)
        };
        assert_eq!(
            run_shell(&m, "date").stdout,
            "Tue Mar 31 23:33:20 UTC 2026\n"
        );
        let m = Machine {
            now_ms: 1_772_600_000_000,
            ..machine(SimPlatform::AmazonLinux2023, 0)
        };
        assert_eq!(
            run_shell(&m, "date").stdout,
            "Wed Mar  4 04:53:20 UTC 2026\n",
            "%e pads with a space"
        );
    }

    #[test]
    fn os_release_per_platform() {
        let al = sh("cat /etc/os-release");
        assert!(
            al.stdout
                .contains("PRETTY_NAME=\"Amazon Linux 2023.6.20241010\"\n"),
            "{}",
            al.stdout
        );
        let u = on(SimPlatform::Ubuntu2204, "grep VERSION_ID /etc/os-release");
        assert_eq!(u.stdout, "VERSION_ID=\"22.04\"\n");
        let r = on(
            SimPlatform::Rhel9,
            ". /etc/os-release; echo $ID $VERSION_ID",
        );
        assert_eq!(r.stdout, "rhel 9.4\n");
        let mac = on(SimPlatform::MacOs14, "cat /etc/os-release");
        assert_eq!(
            mac.stderr,
            "cat: /etc/os-release: No such file or directory\n"
        );
        assert_eq!(mac.exit_code, 1);
        let missing = sh("cat /x; echo $?");
        assert_eq!(missing.stderr, "cat: /x: No such file or directory\n");
        assert_eq!(missing.stdout, "1\n");
    }

    #[test]
    fn df_shows_the_root_volume() {
        for p in LINUX {
            let o = on(p, "df -h");
            let lines: Vec<&str> = o.stdout.lines().collect();
            assert!(
                lines[0].starts_with("Filesystem")
                    && lines[0].ends_with("Size  Used Avail Use% Mounted on"),
                "{p:?}: {}",
                lines[0]
            );
            let root = lines
                .iter()
                .find(|l| l.ends_with(" /"))
                .expect("a root row");
            let cols: Vec<&str> = root.split_whitespace().collect();
            assert_eq!(cols.len(), 6, "{root}");
            assert!(
                cols[4].ends_with('%') && cols[4].trim_end_matches('%').parse::<u32>().is_ok(),
                "{root}"
            );
            assert!(cols[1].ends_with('G'), "{root}");
        }
        let k = sh("df /");
        assert!(
            k.stdout.starts_with("Filesystem     1K-blocks"),
            "{}",
            k.stdout
        );
        assert_eq!(k.stdout.lines().count(), 2);
        assert!(
            on(SimPlatform::MacOs14, "df -h")
                .stdout
                .contains("/System/Volumes/Data")
        );
    }

    #[test]
    fn free_adds_up() {
        let o = sh("free -m");
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(
            lines[0],
            "               total        used        free      shared  buff/cache   available"
        );
        let n: Vec<u64> = lines[1]
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(lines[1].split_whitespace().next(), Some("Mem:"));
        assert!(n[0].abs_diff(n[1] + n[2] + n[4]) <= 2, "{n:?}");
        assert!(n[5] <= n[0]);
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["Swap:", "0", "0", "0"]
        );
        assert!(sh("free -h").stdout.contains("Gi"));
        assert_eq!(
            on(SimPlatform::MacOs14, "free").stderr,
            "sh: 1: free: not found\n"
        );
    }

    #[test]
    fn ps_lists_the_agent() {
        for p in LINUX.into_iter().chain([SimPlatform::MacOs14]) {
            let o = on(p, "ps aux");
            let lines: Vec<&str> = o.stdout.lines().collect();
            assert!(
                lines[0].starts_with("USER ") && lines[0].ends_with("COMMAND"),
                "{p:?}"
            );
            assert!(lines.len() > 8, "{p:?}");
            assert!(o.stdout.contains("amazon-ssm-agent"), "{p:?}");
            assert!(lines.last().unwrap().ends_with(" ps aux"), "ps sees itself");
            for l in &lines[1..] {
                assert!(
                    l.split_whitespace().nth(1).unwrap().parse::<u32>().is_ok(),
                    "{l}"
                );
            }
        }
        assert!(
            sh("ps")
                .stdout
                .starts_with("    PID TTY          TIME CMD\n")
        );
        assert!(
            sh("ps -ef")
                .stdout
                .starts_with("UID          PID    PPID  C STIME TTY          TIME CMD\n")
        );
    }

    #[test]
    fn pipes_filter_and_count() {
        let o = sh("ps aux | grep ssm | wc -l");
        assert_eq!(
            o.stdout, "4\n",
            "agent, worker, document worker and the grep itself"
        );
        assert_eq!(sh("ps aux | grep [s]sm-agent | wc -l").stdout, "2\n");
        assert_eq!(
            sh("printf 'b\\na\\nc\\na\\n' | sort | uniq -c | head -n 1").stdout,
            "      2 a\n"
        );
        assert_eq!(sh("seq 10 | tail -n 3 | tr '\\n' ' '").stdout, "8 9 10 ");
        assert_eq!(sh("echo hello | tr a-z A-Z").stdout, "HELLO\n");
        assert_eq!(sh("printf 'One\\ntwo\\n' | grep -i one").stdout, "One\n");
        assert_eq!(sh("printf 'a\\nb\\na\\n' | grep -c a").stdout, "2\n");
        assert_eq!(sh("printf 'a\\nb\\n' | grep -v a").stdout, "b\n");
        assert_eq!(sh("seq 20 | head -5 | wc -l").stdout, "5\n");
        assert_eq!(sh("seq 20 | head -n 2").stdout, "1\n2\n");
        let o = sh("echo a | grep b | cat; echo $?");
        assert_eq!(o.stdout, "0\n", "a pipeline's status is its last command's");
        assert_eq!(sh("echo a | grep b; echo $?").stdout, "1\n");
        assert_eq!(sh("cut -d: -f1 /etc/passwd | head -1").stdout, "root\n");
    }

    // --- the shell language ---

    #[test]
    fn variables_expand() {
        assert_eq!(sh("X=1; echo $X ${X}").stdout, "1 1\n");
        assert_eq!(sh("X=1\necho \"$X\" '$X'").stdout, "1 $X\n");
        assert_eq!(sh("Y='a   b'; echo $Y; echo \"$Y\"").stdout, "a b\na   b\n");
        assert_eq!(sh("export X=1; echo $X; env | grep ^X=").stdout, "1\nX=1\n");
        assert_eq!(
            sh("echo $HOME $USER $HOSTNAME $PWD").stdout,
            "/root root web-prod-001 /var/lib/sysman/run\n"
        );
        assert_eq!(on(SimPlatform::MacOs14, "echo $HOME").stdout, "/var/root\n");
        assert_eq!(sh("false; echo $?; echo $?").stdout, "1\n0\n");
        assert!(sh("echo $PATH").stdout.contains("/usr/bin"));
        assert_eq!(sh("echo \"[$UNSET]\"").stdout, "[]\n");
        assert_eq!(
            sh("X=hello.tar.gz; echo ${X%%.*} ${X#*.} ${#X} ${N:-def}").stdout,
            "hello tar.gz 12 def\n"
        );
        assert_eq!(
            sh("echo $((1 + 2 * 3)) $(echo sub) `echo bq`").stdout,
            "7 sub bq\n"
        );
    }

    #[test]
    fn and_or_lists() {
        assert_eq!(sh("false && echo no || echo yes").stdout, "yes\n");
        assert_eq!(
            sh("true && echo a; false || echo b; true || echo c").stdout,
            "a\nb\n"
        );
        assert_eq!(sh("! true; echo $?").stdout, "1\n");
        assert_eq!(sh("echo a ; echo b\necho c").stdout, "a\nb\nc\n");
        assert_eq!(sh("echo a # a comment\n# a line\necho b").stdout, "a\nb\n");
    }

    #[test]
    fn compound_commands() {
        assert_eq!(sh("for i in 1 2 3; do echo $i; done").stdout, "1\n2\n3\n");
        assert_eq!(
            sh("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i").stdout,
            "3\n"
        );
        assert_eq!(
            sh("if [ -f /etc/os-release ]; then echo yes; else echo no; fi").stdout,
            "yes\n"
        );
        assert_eq!(
            sh("case web-1 in db*) echo db;; web*) echo web;; esac").stdout,
            "web\n"
        );
        assert_eq!(
            sh("f() { echo \"$1-$#\"; return 3; }; f a b; echo $?").stdout,
            "a-2\n3\n"
        );
        assert_eq!(
            sh("cat <<EOF\nhost $(hostname)\nEOF").stdout,
            "host web-prod-001\n"
        );
        assert_eq!(
            sh("(cd /tmp; pwd); pwd").stdout,
            "/tmp\n/var/lib/sysman/run\n"
        );
        assert_eq!(
            sh("echo a | while read x; do echo got $x; done").stdout,
            "got a\n"
        );
    }

    #[test]
    fn cd_and_pwd() {
        assert_eq!(
            sh("pwd; cd /tmp; pwd; cd; pwd; cd ..; echo $PWD").stdout,
            "/var/lib/sysman/run\n/tmp\n/root\n/\n"
        );
        let o = sh("cd /nope; echo $?");
        assert_eq!(o.stderr, "sh: 1: cd: can't cd to /nope\n");
        assert_eq!(o.stdout, "2\n");
    }

    #[test]
    fn redirections() {
        let o = sh(
            "echo a > /dev/null; echo b 2>&1; nope 2>/dev/null; echo $?; nope 2>&1 | wc -l; echo err >&2",
        );
        assert_eq!(o.stdout, "b\n127\n1\n");
        assert_eq!(o.stderr, "err\n");
        let f = sh("echo hi > /tmp/f; echo there >> /tmp/f; cat /tmp/f; wc -l < /tmp/f");
        assert_eq!(f.stdout, "hi\nthere\n2\n");
        let bad = sh("echo x > /nope/f; echo $?");
        assert_eq!(
            bad.stderr,
            "sh: 1: cannot create /nope/f: Directory nonexistent\n"
        );
        assert_eq!(bad.stdout, "2\n");
    }

    #[test]
    fn not_found_is_127_and_the_script_goes_on() {
        let o = sh("foo; echo next");
        assert_eq!(o.stdout, "next\n");
        assert_eq!(o.stderr, "sh: 1: foo: not found\n");
        assert_eq!(o.exit_code, 0);
        let o = sh("echo a\n\nfoo --bar");
        assert_eq!(o.stderr, "sh: 3: foo: not found\n", "the script line");
        assert_eq!(o.exit_code, 127);
        assert_eq!(sh("foo; echo $?").stdout, "127\n");
        assert_eq!(
            sh("/usr/bin/nope").stderr,
            "sh: 1: /usr/bin/nope: not found\n"
        );
        assert_eq!(sh("/usr/bin/hostname").stdout, "web-prod-001\n");
    }

    #[test]
    fn syntax_errors_stop_with_2() {
        let o = sh("echo \"abc");
        assert_eq!(
            o.stderr,
            "sh: 1: Syntax error: Unterminated quoted string\n"
        );
        assert_eq!((o.stdout.as_str(), o.exit_code), ("", 2));
        let o = sh("echo a\necho 'b\nc");
        assert_eq!(o.stdout, "a\n", "earlier lines ran");
        assert_eq!(
            o.stderr,
            "sh: 3: Syntax error: Unterminated quoted string\n"
        );
        assert_eq!(o.exit_code, 2);
        assert_eq!(
            sh("if true; then echo x").stderr,
            "sh: 1: Syntax error: end of file unexpected (expecting \"fi\")\n"
        );
        assert_eq!(
            sh("echo a;;").stderr,
            "sh: 1: Syntax error: \";;\" unexpected\n"
        );
        assert_eq!(
            sh("done").stderr,
            "sh: 1: Syntax error: \"done\" unexpected\n"
        );
        assert_eq!(sh("echo ${x/a/b}").stderr, "sh: 1: Bad substitution\n");
    }

    #[test]
    fn set_e_stops_on_failure() {
        let o = sh("set -e; false || true; echo ok; false; echo no");
        assert_eq!((o.stdout.as_str(), o.exit_code), ("ok\n", 1));
        let o = sh("set -e\nif false; then :; fi\necho still");
        assert_eq!(o.stdout, "still\n");
    }

    #[test]
    fn pipefail_only_where_sh_is_bash() {
        assert_eq!(
            on(
                SimPlatform::AmazonLinux2023,
                "set -o pipefail; false | true; echo $?"
            )
            .stdout,
            "1\n"
        );
        let o = on(SimPlatform::Ubuntu2204, "set -o pipefail; echo after");
        assert_eq!(o.stderr, "sh: 1: set: Illegal option -o pipefail\n");
        assert_eq!((o.stdout.as_str(), o.exit_code), ("", 2));
    }

    #[test]
    fn sleep_adds_to_the_duration() {
        let base = sh("true").duration_ms;
        let o = sh("sleep 2.5");
        assert_eq!(o.exit_code, 0);
        assert!(
            o.duration_ms >= base + 2500 && o.duration_ms < base + 2600,
            "{} vs {base}",
            o.duration_ms
        );
        assert!(sh("sleep 1m").duration_ms >= 60_000);
        let o = sh("sleep abc");
        assert_eq!(
            o.stderr,
            "sleep: invalid time interval 'abc'\nTry 'sleep --help' for more information.\n"
        );
        assert_eq!(o.exit_code, 1);
        assert!(o.duration_ms < 100);
        let capped = sh("sleep 999999999").duration_ms;
        assert!(
            (30 * 86_400_000..30 * 86_400_000 + 100).contains(&capped),
            "{capped}"
        );
        assert!(sh("sleep 5 & echo started; wait").duration_ms >= 5000);
        assert!(sh("true").duration_ms > 0);
    }

    #[test]
    fn seq_counts() {
        assert_eq!(sh("seq 3").stdout, "1\n2\n3\n");
        assert_eq!(sh("seq 2 4").stdout, "2\n3\n4\n");
        assert_eq!(sh("seq 5 -2 1").stdout, "5\n3\n1\n");
        assert_eq!(sh("seq -s, 3").stdout, "1,2,3\n");
        assert_eq!(sh("seq 0").stdout, "");
        assert_eq!(
            sh("seq x").stderr,
            "seq: invalid floating point argument: 'x'\nTry 'seq --help' for more information.\n"
        );
    }

    // --- determinism and per-node variation ---

    #[test]
    fn same_machine_same_output() {
        let script = "uptime; free -m; df -h; ps aux; date; echo $$; cat /proc/loadavg; ls /etc";
        for p in LINUX.into_iter().chain([SimPlatform::MacOs14]) {
            let m = machine(p, 7);
            assert_eq!(run_shell(&m, script), run_shell(&m, script), "{p:?}");
        }
        let m = Machine {
            hostname: "WIN-A",
            ..machine(SimPlatform::WindowsServer2019, 7)
        };
        let script = "Get-Process; Get-Service; Get-Date; Get-ComputerInfo";
        assert_eq!(run_powershell(&m, script), run_powershell(&m, script));
    }

    #[test]
    fn nodes_differ() {
        let a = run_shell(&machine(SimPlatform::AmazonLinux2023, 0), "uptime; free");
        let b = run_shell(&machine(SimPlatform::AmazonLinux2023, 1), "uptime; free");
        assert_ne!(a.stdout, b.stdout);
        let ups: std::collections::BTreeSet<String> = (0..20)
            .map(|i| run_shell(&machine(SimPlatform::Debian12, i), "uptime -p").stdout)
            .collect();
        assert!(ups.len() > 15, "{ups:?}");
        let other_seed = Machine {
            seed: 43,
            ..machine(SimPlatform::AmazonLinux2023, 0)
        };
        assert_ne!(
            run_shell(&other_seed, "free").stdout,
            a.stdout.split_once('\n').unwrap().1
        );
    }

    #[test]
    fn uptime_grows_with_the_clock() {
        let m = machine(SimPlatform::Ubuntu2404, 2);
        let boot = run_shell(&m, "uptime -s").stdout;
        let later = Machine {
            now_ms: m.now_ms + 3_600_000,
            ..m.clone()
        };
        assert_eq!(
            run_shell(&later, "uptime -s").stdout,
            boot,
            "same boot an hour later"
        );
        let line = run_shell(&m, "uptime").stdout;
        assert!(line.starts_with(" 20:35:01 up "), "{line}");
        assert!(line.contains(" 0 user,  load average: "), "{line}");
        assert!(
            run_shell(&machine(SimPlatform::Rhel9, 2), "uptime")
                .stdout
                .contains(" 0 users,  load average: ")
        );
    }

    // --- bounds ---

    #[test]
    fn a_megabyte_script_runs() {
        let script = "echo x; true\n".repeat(80_000);
        assert!(script.len() > 1_000_000);
        let t = std::time::Instant::now();
        let o = sh(&script);
        assert_eq!(o.exit_code, 0);
        assert_eq!(o.stdout.len(), 160_000);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            t.elapsed()
        );
        let one_line = format!("echo {}", "y".repeat(1_000_000));
        assert_eq!(sh(&one_line).stdout.len(), 1_000_001);
    }

    #[test]
    fn output_is_capped() {
        let o = sh("seq 1 100000000; echo done >&2; exit 7");
        assert_eq!(o.stdout.len() + o.stderr.len(), OUTPUT_CAP);
        assert!(o.stdout.starts_with("1\n2\n3\n"));
        assert_eq!(o.exit_code, 7, "the script ran to its end");
        let o = sh("seq 1 100000000 | wc -l");
        assert!(o.stdout.trim().parse::<u64>().unwrap() > 500_000);
        assert_eq!(sh("yes | head -n 3").stdout, "y\ny\ny\n");
        let o = sh("yes > /dev/null; x=a; for i in $(seq 23); do x=$x$x; done; echo ${#x}");
        assert_eq!(o.stdout, "4194304\n", "expansions are capped too");
    }

    #[test]
    fn runaway_scripts_stop() {
        let o = sh("while true; do :; done; echo never");
        assert_eq!(o.exit_code, ABORT_STATUS);
        assert_eq!(o.stdout, "");
        assert!(o.stderr.contains("work limit"));
        let o = sh("x=aaaaaaaa; while true; do x=$x$x; done");
        assert_eq!(o.exit_code, ABORT_STATUS);
        let o = sh("f() { f; }; f; echo $?");
        assert!(o.stderr.contains("nesting too deep"), "{}", o.stderr);
        let o = sh("f() { echo $(f); }; f");
        assert!(o.stderr.contains("nesting too deep"), "{}", o.stderr);
        let o = sh(&format!("echo {}1{}", "$(".repeat(200), ")".repeat(200)));
        assert_eq!(o.exit_code, 2);
        let o = sh(&format!(
            "echo $(({}1{}))",
            "(".repeat(5000),
            ")".repeat(5000)
        ));
        assert_eq!(o.exit_code, 2);
        let o = sh(&format!(
            "{}echo a{}",
            "if true; then ".repeat(100),
            "; fi".repeat(100)
        ));
        assert_eq!(o.exit_code, 2);
        let o = sh(&"{ ".repeat(10_000));
        assert_eq!(o.exit_code, 2);
    }

    #[test]
    fn garbage_never_panics() {
        const ALPHABET: &[&str] = &[
            "echo", " ", "\n", ";", "&", "|", "&&", "||", "(", ")", "{", "}", "$", "${", "$(",
            "$((", "`", "'", "\"", "\\", "<", ">", ">>", "2>&1", "<<", "EOF", "if", "then", "fi",
            "for", "in", "do", "done", "case", "esac", ";;", "x", "=", "#", "*", "?", "[", "]",
            "%", ":-", "-", "1", "0", "ls", "cat", "seq", "grep", "while", "true", "f()", "!", "é",
            "\t", "read", "set -e", "exit", "~", "eval", "sh -c",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            let mut script = String::new();
            for _ in 0..(mix(state) % 40) {
                state = mix(state);
                script.push_str(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
            }
            state = mix(state);
            let _ = sh(&script);
            let _ = ps(&script);
        }
    }

    // --- PowerShell ---

    #[test]
    fn powershell_basics() {
        let o = ps("Write-Output hello; echo 'a b'\nWrite-Host \"Host: $env:COMPUTERNAME\"");
        assert_eq!(o.stdout, "hello\na b\nHost: WIN-WEBP-001\n");
        assert_eq!(o.exit_code, 0);
        assert_eq!(ps("hostname").stdout, "WIN-WEBP-001\n");
        assert_eq!(ps("$env:COMPUTERNAME").stdout, "WIN-WEBP-001\n");
        assert_eq!(ps("whoami").stdout, "nt authority\\system\n");
        assert_eq!(
            ps("$x = 5; $x * 2; \"v=$x\"; 'lit $x'").stdout,
            "10\nv=5\nlit $x\n"
        );
        assert_eq!(ps("exit 3").exit_code, 3);
        assert_eq!(ps("Write-Output a; exit 2; Write-Output b").stdout, "a\n");
        assert_eq!(ps("if (1 -gt 2) { 'no' } else { 'yes' }").stdout, "yes\n");
        assert_eq!(ps("foreach ($i in 1,2) { \"n$i\" }").stdout, "n1\nn2\n");
    }

    #[test]
    fn powershell_get_date() {
        assert_eq!(
            ps("Get-Date").stdout,
            "\nMonday, November 23, 2026 8:35:01 PM\n\n\n"
        );
        assert_eq!(
            ps("Get-Date -Format 'yyyy-MM-dd HH:mm:ss'").stdout,
            "2026-11-23 20:35:01\n"
        );
        assert_eq!(
            ps("Get-Date -Format o").stdout,
            "2026-11-23T20:35:01.0000000+00:00\n"
        );
        assert_eq!(
            ps("(Get-Date).Year; (Get-Date).DayOfWeek").stdout,
            "2026\nMonday\n"
        );
    }

    #[test]
    fn powershell_services_and_processes() {
        let o = win(SimPlatform::WindowsServer2019, "Get-Service");
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "Status   Name               DisplayName");
        assert_eq!(lines[2], "------   ----               -----------");
        assert!(
            o.stdout
                .contains("\nRunning  AmazonSSMAgent     Amazon SSM Agent\n")
        );
        assert!(o.stdout.ends_with("\n\n\n"));
        let one = ps("Get-Service AmazonSSMAgent | Select-Object -ExpandProperty Status");
        assert_eq!(one.stdout, "Running\n");
        let n = ps("(Get-Service | Where-Object { $_.Status -eq 'Running' }).Count").stdout;
        assert!(n.trim().parse::<u32>().unwrap() > 10);
        let missing = ps("Get-Service nope; 'after'");
        assert!(
            missing
                .stderr
                .starts_with("Get-Service : Cannot find any service with service name 'nope'.")
        );
        assert_eq!(
            missing.stdout, "after\n",
            "a cmdlet error does not stop the script"
        );
        assert_eq!(missing.exit_code, 0);
        let p = ps("Get-Process");
        assert!(p.stdout.starts_with(
            "\nHandles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName\n"
        ));
        assert!(p.stdout.contains(" amazon-ssm-agent\n"));
        assert!(p.stdout.contains(" powershell\n"));
        let top = ps(
            "Get-Process | Sort-Object CPU -Descending | Select-Object -First 1 -ExpandProperty Name",
        );
        assert_eq!(top.stdout, "Idle\n");
    }

    #[test]
    fn powershell_hotfixes_and_versions() {
        let o = win(SimPlatform::WindowsServer2019, "Get-HotFix");
        assert!(o.stdout.contains("KB5044277"));
        assert!(o.stdout.contains(
            "Source        Description      HotFixID      InstalledBy          InstalledOn"
        ));
        let v = win(
            SimPlatform::WindowsServer2019,
            "[System.Environment]::OSVersion.Version.Build",
        );
        assert_eq!(v.stdout, "17763\n");
        assert_eq!(ps("$PSVersionTable.PSVersion.Major").stdout, "5\n");
        assert!(ps("Get-ComputerInfo").stdout.contains("WindowsProductName"));
    }

    #[test]
    fn powershell_sleep() {
        let base = ps("'x'").duration_ms;
        assert_eq!(
            ps("Start-Sleep -Seconds 3").duration_ms,
            base + 3000 + CMDLET_US / 1000
        );
        assert_eq!(
            ps("Start-Sleep -Milliseconds 250").duration_ms,
            base + 250 + CMDLET_US / 1000
        );
        assert_eq!(
            ps("Start-Sleep 2.5").duration_ms,
            base + 2000 + CMDLET_US / 1000,
            "an Int32, rounded to even"
        );
        let bad = ps("Start-Sleep -Seconds abc");
        assert!(
            bad.stderr
                .starts_with("Start-Sleep : Cannot bind parameter 'Seconds'."),
            "{}",
            bad.stderr
        );
    }

    #[test]
    fn powershell_unknown_command_ends_the_script() {
        let o = ps("Write-Output before\nfoo\nWrite-Output after");
        assert_eq!(o.stdout, "before\n");
        assert!(o.stderr.starts_with(
            "foo : The term 'foo' is not recognized as the name of a cmdlet, function, script file, or operable \
             program. Check the spelling of the name, or if a path was included, verify that the path is correct \
             and try again.\nAt line:2 char:1\n+ foo\n+ ~~~\n"
        ), "{}", o.stderr);
        assert!(o.stderr.contains("CommandNotFoundException"));
        assert_eq!(o.exit_code, 1);
    }

    #[test]
    fn powershell_parse_errors_run_nothing() {
        let o = ps("Write-Output a\nWrite-Output \"b");
        assert_eq!(o.stdout, "");
        assert!(
            o.stderr
                .contains("The string is missing the terminator: \"."),
            "{}",
            o.stderr
        );
        assert_eq!(o.exit_code, 1);
        assert!(
            ps("if ($true) { 'x'")
                .stderr
                .contains("Missing closing '}'")
        );
    }

    #[test]
    fn platforms_without_the_plugin() {
        let o = run_shell(&machine(SimPlatform::WindowsServer2022, 0), "echo hi");
        assert_eq!(o.exit_code, 1);
        assert!(o.stdout.is_empty());
        let o = run_powershell(&machine(SimPlatform::Ubuntu2204, 0), "Write-Output hi");
        assert_eq!(o.exit_code, 1);
        assert!(o.stderr.contains("pwsh"));
    }
}
