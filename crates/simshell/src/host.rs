//! The simulated node: per-node figures (memory, disk, load, uptime) and platform facts.

use crate::{Machine, SimPlatform};

/// A stable 64-bit mix (splitmix64).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a label, to name the random streams.
pub(crate) fn label(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// Memory figures, in KiB.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mem {
    pub(crate) total: u64,
    pub(crate) used: u64,
    pub(crate) free: u64,
    pub(crate) shared: u64,
    pub(crate) cache: u64,
    pub(crate) available: u64,
}

/// The machine as both shells see it.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) hostname: String,
    pub(crate) ip: String,
    pub(crate) platform: SimPlatform,
    seed: u64,
    index: usize,
    pub(crate) now_ms: i64,
    pub(crate) boot_ms: i64,
    pub(crate) cpus: u32,
    pub(crate) mem: Mem,
    /// Size and use of the root volume, KiB.
    pub(crate) disk: (u64, u64),
    /// Load averages, hundredths.
    pub(crate) load: [u32; 3],
    /// Pid of the agent; other daemons cluster near it.
    pub(crate) agent_pid: u32,
    /// Pid of the shell running the script.
    pub(crate) shell_pid: u32,
}

impl Host {
    pub(crate) fn new(m: &Machine) -> Self {
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

    pub(crate) fn uptime_s(&self) -> u64 {
        ((self.now_ms - self.boot_ms) / 1000) as u64
    }

    pub(crate) fn rand(&self, what: &str) -> u64 {
        mix(mix(self.seed ^ label(what)) ^ (self.index as u64).wrapping_mul(0xA24B_AED4_963E_E407))
    }

    pub(crate) fn is_mac(&self) -> bool {
        self.platform == SimPlatform::MacOs14
    }

    pub(crate) fn is_windows(&self) -> bool {
        is_windows(self.platform)
    }

    /// Whether `/bin/sh` is bash (Amazon Linux, RHEL, macOS) rather than dash.
    pub(crate) fn sh_is_bash(&self) -> bool {
        matches!(
            self.platform,
            SimPlatform::AmazonLinux2023 | SimPlatform::Rhel9 | SimPlatform::MacOs14
        )
    }

    pub(crate) fn home(&self) -> &'static str {
        if self.is_mac() { "/var/root" } else { "/root" }
    }

    pub(crate) fn path_var(&self) -> &'static str {
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

/// `uname -r` and `uname -v`.
pub(crate) fn kernel(p: SimPlatform) -> (&'static str, &'static str) {
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

pub(crate) fn os_release(p: SimPlatform) -> Option<&'static str> {
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
pub(crate) const LINUX_DIRS: &[&str] = &[
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
pub(crate) const MAC_DIRS: &[&str] = &[
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
pub(crate) fn default_user(p: SimPlatform) -> &'static str {
    match p {
        SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => "ubuntu",
        SimPlatform::Debian12 => "admin",
        _ => "ec2-user",
    }
}

/// The ssm agent's binaries: Ubuntu installs the agent as a snap.
pub(crate) fn agent_bin(p: SimPlatform, name: &str) -> String {
    match p {
        SimPlatform::Ubuntu2204 | SimPlatform::Ubuntu2404 => {
            format!("/snap/amazon-ssm-agent/9565/{name}")
        }
        SimPlatform::MacOs14 => format!("/opt/aws/ssm/bin/{name}"),
        _ => format!("/usr/bin/{name}"),
    }
}
