//! System-information commands: hostname, uname, id, uptime, date, df, free, ps, systemctl.

use std::fmt::Write as _;

use crate::{
    SimPlatform,
    host::{agent_bin, default_user, kernel, label},
    sh::exec::{Lookup, Out, Sh, hundredths},
    sh::usage::bad_option,
    time::{ps_start, strftime, tm},
};

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
    pub(crate) fn c_hostname(&mut self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_uname(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_id(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_uptime(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_date(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_df(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_free(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_ps(&self, args: &[String], o: &mut Out) -> i32 {
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

    pub(crate) fn c_systemctl(&mut self, args: &[String], o: &mut Out) -> i32 {
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
