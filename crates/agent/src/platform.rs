//! What the agent reports about the machine it runs on: the operating
//! system from os-release, the host name and the primary IPv4 address.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::PathBuf;

use sysman_api::fleet::PlatformType;

/// The agent's version as it reports it.
pub const AGENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The facts sent with registration and every heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub platform_type: PlatformType,
    pub platform_name: Option<String>,
    pub platform_version: Option<String>,
    pub computer_name: Option<String>,
    pub ip_address: Option<String>,
    pub agent_version: String,
}

impl Facts {
    /// Reads the facts now; each one that cannot be found is left out.
    pub fn gather() -> Facts {
        Facts::gather_from(&crate::apt::Host::default().os_release)
    }

    /// [`Facts::gather`], with the operating system read from the first
    /// of `os_release` that exists.
    pub fn gather_from(os_release: &[PathBuf]) -> Facts {
        let (platform_name, platform_version) = read_os_release(os_release)
            .map(|text| parse_os_release(&text))
            .unwrap_or_default();
        Facts {
            platform_type: PlatformType::Linux,
            platform_name,
            platform_version,
            computer_name: hostname(),
            ip_address: primary_ipv4().map(|ip| ip.to_string()),
            agent_version: AGENT_VERSION.to_owned(),
        }
    }
}

/// The first of `paths` that can be read: `/etc/os-release`, else
/// `/usr/lib/os-release`, as os-release(5) says to look.
pub fn read_os_release(paths: &[PathBuf]) -> Option<String> {
    paths
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
}

/// `NAME` and `VERSION_ID` of an os-release file. Values are shell-quoted
/// or bare; empty values count as absent.
pub fn parse_os_release(text: &str) -> (Option<String>, Option<String>) {
    let (mut name, mut version) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim()).filter(|v| !v.is_empty());
        match key.trim() {
            "NAME" => name = value,
            "VERSION_ID" => version = value,
            _ => {}
        }
    }
    (name, version)
}

/// A value as the shell would read it: `"a \"b\""`, `'a b'` or `a`.
fn unquote(raw: &str) -> Option<String> {
    if let Some(inner) = raw.strip_prefix('\'') {
        return inner.strip_suffix('\'').map(str::to_owned);
    }
    let Some(inner) = raw.strip_prefix('"') else {
        return Some(raw.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('"' | '\\' | '$' | '`')) => out.push(e),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

pub fn hostname() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255)
}

/// The address the machine would send from to reach the internet.
/// Connecting a UDP socket only picks a route; no packet is sent.
pub fn primary_ipv4() -> Option<Ipv4Addr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(8, 8, 8, 8), 53)).ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_unspecified() && !ip.is_loopback() => Some(ip),
        _ => None,
    }
}

/// Whether this process runs with root rights.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_names_and_versions_are_read_quoted_or_not() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\n\
                      VERSION_ID=\"13\"\nVERSION=\"13 (trixie)\"\nID=debian\n";
        assert_eq!(
            parse_os_release(debian),
            (Some("Debian GNU/Linux".into()), Some("13".into()))
        );
        let bare = "# comment\nNAME=Fedora\nVERSION_ID=41\n";
        assert_eq!(
            parse_os_release(bare),
            (Some("Fedora".into()), Some("41".into()))
        );
        let single = "NAME='Alpine Linux'\nVERSION_ID='3.21.0'\n";
        assert_eq!(
            parse_os_release(single),
            (Some("Alpine Linux".into()), Some("3.21.0".into()))
        );
        let escaped = r#"NAME="My \"Special\" OS \\ \$HOME""#;
        assert_eq!(
            parse_os_release(escaped).0.as_deref(),
            Some(r#"My "Special" OS \ $HOME"#)
        );
    }

    #[test]
    fn missing_empty_or_broken_values_are_absent() {
        // Arch has no VERSION_ID; a rolling release.
        assert_eq!(
            parse_os_release("NAME=\"Arch Linux\"\nBUILD_ID=rolling\n"),
            (Some("Arch Linux".into()), None)
        );
        assert_eq!(parse_os_release("NAME=\"\"\nVERSION_ID=\n"), (None, None));
        assert_eq!(parse_os_release("NAME=\"unterminated\n"), (None, None));
        assert_eq!(parse_os_release(""), (None, None));
    }

    #[test]
    fn the_gathered_facts_are_what_the_server_accepts() {
        let facts = Facts::gather();
        assert_eq!(facts.platform_type, PlatformType::Linux);
        assert_eq!(facts.agent_version, AGENT_VERSION);
        if let Some(ip) = &facts.ip_address {
            assert!(ip.parse::<Ipv4Addr>().is_ok(), "{ip}");
        }
        if let Some(name) = &facts.computer_name {
            assert!(!name.is_empty() && name.len() <= 255);
        }
    }
}
