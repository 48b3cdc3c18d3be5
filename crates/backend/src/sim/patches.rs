//! The simulated patch catalogue and each simulated node's installed
//! software.
//!
//! [`generate_catalogue`] builds, from a seed, every patch of every product
//! the simulator's platforms take patches from: real package names, version
//! strings in each distribution's style, advisories, CVEs, and Windows'
//! monthly rhythm around Patch Tuesday. Each package (or Windows update
//! series) has a chain of releases in time; a patch is one release.
//!
//! Releases are laid out on absolute time: a package's release slots,
//! versions and advisories depend on the seed and the calendar only, never
//! on the anchor. The anchor only picks the window kept (a year back, two
//! years ahead), so a catalogue built on another day names the same patches
//! with the same ids; only their `seq` (place in the window) moves.
//!
//! [`NodePackages`] is what one simulated node has installed: one small
//! number per package (the `seq` of the release installed), drawn cheaply
//! from the seed and the node's index.

use rand::{Rng, RngCore};
use sysman_api::Timestamp;
use sysman_api::calendar::{self, civil_from_days, days_from_civil};

use super::SimPlatform;
use crate::patch::catalogue::{CatalogPatch, Catalogue, PackageEntry};
use crate::patch::catalogue::{PackageReleases, ProductReleases};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The catalogue of `seed`: each product's packages and their chains of
/// releases from a year before `anchor` to two years after it (so new
/// patches are released as the clock moves). Any time on one UTC day
/// gives the same catalogue.
pub fn generate_catalogue(seed: u64, anchor: Timestamp) -> Catalogue {
    let anchor_day = anchor.millis().div_euclid(DAY);
    let start = Timestamp((anchor_day - 365) * DAY);
    let end = Timestamp((anchor_day + 730) * DAY);
    let products = PRODUCTS
        .iter()
        .map(|def| {
            let chains = match def.source {
                Source::Linux(distro, pkgs) => pkgs
                    .iter()
                    .enumerate()
                    .map(|(i, pkg)| linux_chain(seed, def, distro, pkg, i as u32, start, end))
                    .collect(),
                Source::Mac(pkgs) => pkgs
                    .iter()
                    .enumerate()
                    .map(|(i, pkg)| mac_chain(seed, def, pkg, i as u32, end))
                    .collect(),
                Source::Windows(win) => windows_chains(seed, def, win, end),
            };
            ProductReleases {
                product: def.product,
                os: def.os,
                packages: chains
                    .into_iter()
                    .map(|chain: Chain| PackageReleases {
                        name: chain.name,
                        releases: window(chain.patches, start, end),
                        install: chain.install,
                        auto: chain.auto,
                    })
                    .collect(),
            }
        })
        .collect();
    Catalogue::new(products)
}

/// The patch catalogue's view of a platform. A trait because the platform
/// enum lives in `sysman-simshell`, which knows nothing of patches.
pub trait PatchProduct {
    /// The catalogue product and AWS OperatingSystem this platform takes patches from.
    fn patch_product(self) -> (&'static str, &'static str);
}

impl PatchProduct for SimPlatform {
    fn patch_product(self) -> (&'static str, &'static str) {
        match self {
            SimPlatform::AmazonLinux2023 => ("AmazonLinux2023", "AMAZON_LINUX_2023"),
            SimPlatform::Ubuntu2204 => ("Ubuntu22.04", "UBUNTU"),
            SimPlatform::Ubuntu2404 => ("Ubuntu24.04", "UBUNTU"),
            SimPlatform::Rhel9 => ("RedhatEnterpriseLinux9.4", "REDHAT_ENTERPRISE_LINUX"),
            SimPlatform::Debian12 => ("Debian12", "DEBIAN"),
            SimPlatform::WindowsServer2019 => ("WindowsServer2019", "WINDOWS"),
            SimPlatform::WindowsServer2022 => ("WindowsServer2022", "WINDOWS"),
            SimPlatform::MacOs14 => ("MacOS14", "MACOS"),
        }
    }
}

/// What one simulated node has installed: for each package of its product,
/// the `seq` of the release installed, or none (the package is not
/// installed: its patches are NotApplicable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePackages {
    product: &'static str,
    /// Per package, the installed seq, or [`NOT_INSTALLED`].
    seqs: Box<[u16]>,
}

const NOT_INSTALLED: u16 = u16::MAX;

impl NodePackages {
    /// The installed software of the node `index` of a fleet with `seed`, on
    /// `platform`, as it stood at `now`.
    ///
    /// Each node was last patched some time before `now` (never, for a few
    /// fully patched nodes; months ago for a neglected few) and has most
    /// packages at the release current then; a package now and then is held
    /// back further, and background-updated ones (virus definitions) lag
    /// only days. A few packages are not installed at all.
    pub fn generate(
        catalogue: &Catalogue,
        seed: u64,
        platform: SimPlatform,
        index: usize,
        now: Timestamp,
    ) -> NodePackages {
        let (product, _) = platform.patch_product();
        let Some(entry) = catalogue.entry(product) else {
            return NodePackages {
                product,
                seqs: Box::new([]),
            };
        };
        let mut rng = rng_for(&[seed, index as u64, 0x6e6f_6465_7061_7463]);
        let lag_days: i64 = match rng.random_range(0..100u32) {
            0..7 => 0,
            7..25 => rng.random_range(2..21),
            25..65 => rng.random_range(21..60),
            65..88 => rng.random_range(60..150),
            _ => rng.random_range(150..365),
        };
        let lag = if lag_days == 0 {
            0
        } else {
            lag_days * DAY + rng.random_range(0..DAY)
        };
        let seqs = entry
            .packages
            .iter()
            .map(|package| {
                // One draw per package, cut into its parts.
                let bits = rng.next_u64();
                let installed = (bits & 0xffff) * 100 < u64::from(package.install) << 16;
                let background = ((bits >> 16) & 0xffff_ffff) as i64 % (10 * DAY);
                let held = (bits >> 48) & 0xff < 10;
                let extra = (60 + (bits >> 56) as i64 % 240) * DAY;
                let mut behind = if package.auto {
                    lag.min(background)
                } else {
                    lag
                };
                if lag > 0 && held && !package.auto {
                    behind += extra;
                }
                let times = catalogue.times(package);
                let released = times.partition_point(|&t| t <= now);
                if !installed || released == 0 {
                    return NOT_INSTALLED;
                }
                let cutoff = now.plus_millis(-behind);
                let at = times[..released].partition_point(|&t| t <= cutoff);
                (at.max(1) - 1).min(usize::from(NOT_INSTALLED - 1)) as u16
            })
            .collect();
        NodePackages { product, seqs }
    }

    /// The catalogue product this node takes patches from.
    pub fn product(&self) -> &'static str {
        self.product
    }

    /// The patch each installed package is at (one per installed package).
    pub fn installed<'c>(&self, catalogue: &'c Catalogue) -> Vec<&'c CatalogPatch> {
        self.each(catalogue, true)
            .filter_map(|(package, seq)| catalogue.chain(package).get(usize::from(seq?)))
            .collect()
    }

    /// Patches released at or before `now` that are newer than what is
    /// installed, for installed packages only, oldest first.
    pub fn available<'c>(&self, catalogue: &'c Catalogue, now: Timestamp) -> Vec<&'c CatalogPatch> {
        let mut out: Vec<&CatalogPatch> = Vec::new();
        for (package, seq) in self.each(catalogue, true) {
            let Some(seq) = seq else { continue };
            let released = catalogue.times(package).partition_point(|&t| t <= now);
            let from = (usize::from(seq) + 1).min(released);
            out.extend(&catalogue.chain(package)[from..released]);
        }
        out.sort_by(|a, b| a.order(b));
        out
    }

    /// Patches of packages this node does not have installed, released by
    /// `now`, oldest first.
    pub fn not_applicable<'c>(
        &self,
        catalogue: &'c Catalogue,
        now: Timestamp,
    ) -> Vec<&'c CatalogPatch> {
        let mut out: Vec<&CatalogPatch> = Vec::new();
        for (package, _) in self.each(catalogue, false) {
            let released = catalogue.times(package).partition_point(|&t| t <= now);
            out.extend(&catalogue.chain(package)[..released]);
        }
        out.sort_by(|a, b| a.order(b));
        out
    }

    /// Installs `patch` (its package moves to that release; releases in
    /// between count as installed by supersedence). Installing an older
    /// release than installed, a patch of another product, or a patch of a
    /// package the node does not have changes nothing. Returns whether it
    /// changed anything.
    pub fn install(&mut self, patch: &CatalogPatch) -> bool {
        if patch.product != self.product {
            return false;
        }
        let Ok(seq) = u16::try_from(patch.seq) else {
            return false;
        };
        match self.seqs.get_mut(patch.package as usize) {
            Some(installed) if *installed != NOT_INSTALLED && *installed < seq => {
                *installed = seq;
                true
            }
            _ => false,
        }
    }

    /// Whether the patch's package is at or past it.
    pub fn has(&self, patch: &CatalogPatch) -> bool {
        patch.product == self.product
            && matches!(
                self.seqs.get(patch.package as usize),
                Some(&seq) if seq != NOT_INSTALLED && u32::from(seq) >= patch.seq
            )
    }

    /// Each package with the installed seq (None: not installed), for
    /// installed (`true`) or uninstalled (`false`) packages.
    fn each<'c>(
        &self,
        catalogue: &'c Catalogue,
        installed: bool,
    ) -> impl Iterator<Item = (&'c PackageEntry, Option<u16>)> {
        let packages = catalogue
            .entry(self.product)
            .map_or(&[][..], |entry| &entry.packages[..]);
        packages
            .iter()
            .zip(self.seqs.iter())
            .filter(move |(_, seq)| (**seq != NOT_INSTALLED) == installed)
            .map(|(package, &seq)| (package, (seq != NOT_INSTALLED).then_some(seq)))
    }
}

// ---------------------------------------------------------------------------
// Products and their packages.

struct ProductDef {
    product: &'static str,
    os: &'static str,
    family: &'static str,
    vendor: &'static str,
    /// How people call it, for descriptions.
    label: &'static str,
    /// General availability: the first release of every package.
    ga: (i64, u32, u32),
    source: Source,
}

#[derive(Clone, Copy)]
enum Source {
    Linux(Distro, &'static [Pkg]),
    Windows(&'static WinDef),
    Mac(&'static [Pkg]),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Distro {
    Al2023,
    Rhel94,
    Jammy,
    Noble,
    Bookworm,
}

/// Ordered by operating system, then product.
static PRODUCTS: &[ProductDef] = &[
    ProductDef {
        product: "AmazonLinux2023",
        os: "AMAZON_LINUX_2023",
        family: "AmazonLinux",
        vendor: "Amazon Linux",
        label: "Amazon Linux 2023",
        ga: (2023, 3, 15),
        source: Source::Linux(Distro::Al2023, AL2023),
    },
    ProductDef {
        product: "Debian12",
        os: "DEBIAN",
        family: "Debian",
        vendor: "Debian",
        label: "Debian 12 (bookworm)",
        ga: (2023, 6, 10),
        source: Source::Linux(Distro::Bookworm, DEBIAN12),
    },
    ProductDef {
        product: "MacOS14",
        os: "MACOS",
        family: "macOS",
        vendor: "Apple",
        label: "macOS Sonoma",
        ga: (2023, 9, 26),
        source: Source::Mac(MACOS14),
    },
    ProductDef {
        product: "RedhatEnterpriseLinux9.4",
        os: "REDHAT_ENTERPRISE_LINUX",
        family: "RedhatEnterpriseLinux",
        vendor: "Red Hat",
        label: "Red Hat Enterprise Linux 9.4",
        ga: (2024, 4, 30),
        source: Source::Linux(Distro::Rhel94, RHEL94),
    },
    ProductDef {
        product: "Ubuntu22.04",
        os: "UBUNTU",
        family: "Ubuntu",
        vendor: "Canonical",
        label: "Ubuntu 22.04 LTS (Jammy Jellyfish)",
        ga: (2022, 4, 21),
        source: Source::Linux(Distro::Jammy, UBUNTU2204),
    },
    ProductDef {
        product: "Ubuntu24.04",
        os: "UBUNTU",
        family: "Ubuntu",
        vendor: "Canonical",
        label: "Ubuntu 24.04 LTS (Noble Numbat)",
        ga: (2024, 4, 25),
        source: Source::Linux(Distro::Noble, UBUNTU2404),
    },
    ProductDef {
        product: "WindowsServer2019",
        os: "WINDOWS",
        family: "Windows",
        vendor: "Microsoft",
        label: "Windows Server 2019",
        ga: (2018, 11, 13),
        source: Source::Windows(&WS2019),
    },
    ProductDef {
        product: "WindowsServer2022",
        os: "WINDOWS",
        family: "Windows",
        vendor: "Microsoft",
        label: "Windows Server 2022",
        ga: (2021, 8, 18),
        source: Source::Windows(&WS2022),
    },
];

/// How a package's version moves from one release to the next.
#[derive(Clone, Copy)]
enum Scheme {
    /// The upstream version stays; the distribution's revision counts up.
    Rev,
    /// Every `every` releases the `pos`-th number from the end of the
    /// upstream version moves up by `step`; the revision counts in between.
    Patch { every: u8, step: u16, pos: u8 },
    /// The distribution's kernel numbering.
    Kernel,
    /// Time zone data: `2024a`, `2024b`, ...
    Tz,
    /// A macOS update series.
    Mac(MacKind),
}

#[derive(Clone, Copy)]
enum MacKind {
    Os,
    Safari,
    Xcode,
    Serial {
        prefix: &'static str,
        base: u32,
        step: u32,
    },
}

#[derive(Clone, Copy)]
struct Pkg {
    name: &'static str,
    epoch: u32,
    version: &'static str,
    /// The distribution revision at GA (`release` of the first release).
    rel: &'static str,
    /// Mean days between release slots.
    cadence: u16,
    /// Percent of releases that are security updates.
    security: u8,
    scheme: Scheme,
    /// Percent of nodes with the package installed.
    install: u8,
    noarch: bool,
    appstream: bool,
    section: &'static str,
    priority: &'static str,
    /// Background data (definitions, configuration): low severity, updated
    /// automatically.
    data: bool,
}

const fn pkg(
    name: &'static str,
    epoch: u32,
    version: &'static str,
    rel: &'static str,
    cadence: u16,
    security: u8,
) -> Pkg {
    Pkg {
        name,
        epoch,
        version,
        rel,
        cadence,
        security,
        scheme: Scheme::Rev,
        install: 97,
        noarch: false,
        appstream: false,
        section: "",
        priority: "",
        data: false,
    }
}

#[allow(clippy::too_many_arguments)]
const fn deb(
    name: &'static str,
    epoch: u32,
    version: &'static str,
    rel: &'static str,
    section: &'static str,
    priority: &'static str,
    cadence: u16,
    security: u8,
) -> Pkg {
    Pkg {
        section,
        priority,
        ..pkg(name, epoch, version, rel, cadence, security)
    }
}

impl Pkg {
    /// Installed on some nodes only (servers of a role).
    const fn opt(self) -> Self {
        Self {
            install: 35,
            ..self
        }
    }
    const fn noarch(self) -> Self {
        Self {
            noarch: true,
            ..self
        }
    }
    const fn appstream(self) -> Self {
        Self {
            appstream: true,
            ..self
        }
    }
    const fn patch(self, every: u8, step: u16) -> Self {
        self.patch_at(every, step, 0)
    }
    const fn patch_at(self, every: u8, step: u16, pos: u8) -> Self {
        Self {
            scheme: Scheme::Patch { every, step, pos },
            ..self
        }
    }
    const fn kernel(self) -> Self {
        Self {
            scheme: Scheme::Kernel,
            install: 100,
            ..self
        }
    }
    const fn tz(self) -> Self {
        Self {
            scheme: Scheme::Tz,
            noarch: true,
            ..self
        }
    }
    const fn mac(self, kind: MacKind) -> Self {
        Self {
            scheme: Scheme::Mac(kind),
            install: 100,
            ..self
        }
    }
    const fn data(self) -> Self {
        Self { data: true, ..self }
    }
    const fn installed_on(self, install: u8) -> Self {
        Self { install, ..self }
    }
}

#[rustfmt::skip]
static AL2023: &[Pkg] = &[
    pkg("kernel", 0, "6.1", "", 14, 55).kernel(),
    pkg("openssl", 1, "3.0.8", "1", 50, 75),
    pkg("glibc", 0, "2.34", "52", 60, 45),
    pkg("curl", 0, "8.5.0", "1", 45, 70),
    pkg("sudo", 0, "1.9.15", "4", 90, 60),
    pkg("openssh-server", 0, "8.7p1", "8", 75, 60),
    pkg("systemd", 0, "252.16", "1", 60, 30).patch(3, 1),
    pkg("bash", 0, "5.2.15", "1", 180, 20),
    pkg("python3", 0, "3.9.16", "1", 60, 45).patch(4, 1),
    pkg("python3.11", 0, "3.11.6", "1", 70, 45).patch(3, 1).opt(),
    pkg("nginx", 1, "1.24.0", "1", 90, 55).patch(3, 1).opt(),
    pkg("containerd", 0, "1.7.11", "1", 45, 45).patch(2, 1).opt(),
    pkg("docker", 0, "25.0.3", "1", 50, 45).patch(2, 1).opt(),
    pkg("runc", 0, "1.1.11", "1", 70, 55).patch(2, 1).opt(),
    pkg("libxml2", 0, "2.10.4", "1", 80, 70),
    pkg("zlib", 0, "1.2.11", "33", 200, 50),
    pkg("tzdata", 0, "", "1", 90, 0).tz(),
    pkg("ca-certificates", 0, "2023.2.68", "1", 120, 25).noarch(),
    pkg("expat", 0, "2.5.0", "1", 100, 70),
    pkg("krb5-libs", 0, "1.21", "3", 110, 55),
    pkg("git", 0, "2.40.1", "1", 70, 45).patch(2, 1).opt(),
    pkg("vim-minimal", 2, "9.0.2153", "1", 45, 60).patch(1, 120),
    pkg("less", 0, "608", "2", 180, 40),
    pkg("libarchive", 0, "3.7.2", "1", 120, 60),
    pkg("gnutls", 0, "3.8.0", "7", 110, 60),
    pkg("nss", 0, "3.90.0", "3", 90, 55),
    pkg("sqlite-libs", 0, "3.40.0", "1", 200, 45),
    pkg("binutils", 0, "2.39", "6", 150, 40),
    pkg("gnupg2", 0, "2.3.7", "1", 200, 35),
    pkg("dnf", 0, "4.14.0", "1", 120, 0).noarch(),
    pkg("libcap", 0, "2.48", "8", 200, 40),
    pkg("cloud-init", 0, "22.2.2", "1", 150, 10).noarch(),
    pkg("awscli-2", 0, "2.15.30", "1", 30, 5).patch(1, 3).noarch(),
    pkg("chrony", 0, "4.3", "1", 200, 20),
    pkg("openldap", 0, "2.4.57", "6", 150, 40),
    pkg("perl", 4, "5.32.1", "477", 240, 30),
];

#[rustfmt::skip]
static RHEL94: &[Pkg] = &[
    pkg("kernel", 0, "5.14.0", "", 14, 55).kernel(),
    pkg("openssl", 1, "3.0.7", "27", 60, 70),
    pkg("glibc", 0, "2.34", "100", 60, 40),
    pkg("curl", 0, "7.76.1", "29", 75, 60),
    pkg("sudo", 0, "1.9.5p2", "10", 120, 55),
    pkg("openssh-server", 0, "8.7p1", "38", 90, 55),
    pkg("systemd", 0, "252", "32", 75, 25),
    pkg("bash", 0, "5.1.8", "9", 240, 20),
    pkg("python3", 0, "3.9.18", "3", 75, 45),
    pkg("nginx", 1, "1.20.1", "14", 120, 50).opt().appstream(),
    pkg("httpd", 0, "2.4.57", "11", 90, 55).opt().appstream(),
    pkg("podman", 2, "4.9.4", "1", 60, 40).opt().appstream(),
    pkg("runc", 4, "1.1.12", "1", 90, 55).opt().appstream(),
    pkg("libxml2", 0, "2.9.13", "6", 90, 65),
    pkg("zlib", 0, "1.2.11", "40", 240, 45),
    pkg("tzdata", 0, "", "1", 90, 0).tz(),
    pkg("ca-certificates", 0, "2024.2.69_v8.0.303", "91.4", 150, 20).noarch(),
    pkg("expat", 0, "2.5.0", "2", 120, 65),
    pkg("krb5-libs", 0, "1.21.1", "1", 120, 50),
    pkg("git", 0, "2.43.0", "1", 120, 40).opt().appstream(),
    pkg("vim-minimal", 2, "8.2.2637", "20", 120, 55),
    pkg("less", 0, "590", "4", 240, 35),
    pkg("libarchive", 0, "3.5.3", "4", 150, 55),
    pkg("gnutls", 0, "3.8.3", "4", 120, 55),
    pkg("nss", 0, "3.90.0", "6", 120, 50),
    pkg("sqlite-libs", 0, "3.34.1", "7", 240, 40),
    pkg("binutils", 0, "2.35.2", "43", 200, 35),
    pkg("gnupg2", 0, "2.3.3", "4", 240, 30),
    pkg("dnf", 0, "4.14.0", "9", 150, 0).noarch(),
    pkg("postgresql", 0, "13.14", "1", 90, 60).patch(2, 1).opt().appstream(),
    pkg("rsync", 0, "3.2.3", "19", 200, 45),
    pkg("NetworkManager", 1, "1.46.0", "8", 120, 15),
    pkg("libssh", 0, "0.10.4", "13", 150, 50),
    pkg("microcode_ctl", 4, "20240531", "1", 120, 60).noarch(),
    pkg("sos", 0, "4.7.1", "3", 90, 5).noarch(),
];

#[rustfmt::skip]
static UBUNTU2204: &[Pkg] = &[
    deb("linux-image-generic", 0, "", "", "kernel", "Optional", 14, 55).kernel(),
    deb("openssl", 0, "3.0.2", "0ubuntu1", "utils", "Optional", 50, 75),
    deb("libc6", 0, "2.35", "0ubuntu3", "libs", "Required", 70, 45),
    deb("curl", 0, "7.81.0", "1ubuntu1", "web", "Optional", 50, 70),
    deb("sudo", 0, "1.9.9", "1ubuntu2", "admin", "Optional", 120, 60),
    deb("openssh-server", 1, "8.9p1", "3ubuntu0", "net", "Optional", 90, 60),
    deb("systemd", 0, "249.11", "0ubuntu3", "admin", "Important", 60, 25),
    deb("bash", 0, "5.1", "6ubuntu1", "shells", "Required", 240, 20),
    deb("python3.10", 0, "3.10.12", "1~22.04", "python", "Optional", 75, 50),
    deb("nginx", 0, "1.18.0", "6ubuntu14", "httpd", "Optional", 120, 55).opt(),
    deb("containerd", 0, "1.7.12", "0ubuntu2~22.04", "admin", "Optional", 60, 45).opt(),
    deb("docker.io", 0, "24.0.7", "0ubuntu2~22.04", "admin", "Optional", 60, 45).opt(),
    deb("libxml2", 0, "2.9.13+dfsg", "1ubuntu0", "libs", "Optional", 80, 70),
    deb("zlib1g", 1, "1.2.11.dfsg", "2ubuntu9", "libs", "Required", 240, 50),
    deb("tzdata", 0, "", "0ubuntu0.22.04", "localization", "Important", 90, 0).tz(),
    deb("ca-certificates", 0, "20230311ubuntu0.22.04", "", "misc", "Optional", 150, 25).noarch(),
    deb("libexpat1", 0, "2.4.7", "1ubuntu0", "libs", "Optional", 100, 70),
    deb("libkrb5-3", 0, "1.19.2", "2ubuntu0", "libs", "Optional", 120, 55),
    deb("git", 1, "2.34.1", "1ubuntu1", "vcs", "Optional", 90, 50).opt(),
    deb("vim", 2, "8.2.3995", "1ubuntu2", "editors", "Optional", 60, 60),
    deb("less", 0, "590", "1ubuntu0", "text", "Important", 200, 40),
    deb("libarchive13", 0, "3.6.0", "1ubuntu1", "libs", "Optional", 120, 60),
    deb("libgnutls30", 0, "3.7.3", "4ubuntu1", "libs", "Standard", 110, 60),
    deb("libnss3", 2, "3.98", "0ubuntu0.22.04", "libs", "Optional", 90, 55),
    deb("libsqlite3-0", 0, "3.37.2", "2ubuntu0", "libs", "Standard", 200, 45),
    deb("binutils", 0, "2.38", "4ubuntu2", "devel", "Optional", 150, 40),
    deb("gpg", 0, "2.2.27", "3ubuntu2", "utils", "Optional", 200, 35),
    deb("apt", 0, "2.4.12", "", "admin", "Important", 150, 15).patch(1, 1),
    deb("snapd", 0, "2.63+22.04", "", "devel", "Optional", 45, 15),
    deb("cloud-init", 0, "24.1.3", "0ubuntu1~22.04", "admin", "Optional", 90, 10).noarch(),
    deb("coreutils", 0, "8.32", "4.1ubuntu1", "utils", "Required", 365, 20),
    deb("dpkg", 0, "1.21.1ubuntu2", "", "admin", "Required", 240, 15),
    deb("wget", 0, "1.21.2", "2ubuntu1", "web", "Standard", 200, 60),
    deb("rsync", 0, "3.2.7", "0ubuntu0.22.04", "net", "Optional", 150, 55),
    deb("libglib2.0-0", 0, "2.72.4", "0ubuntu2", "libs", "Optional", 120, 50),
    deb("libssh-4", 0, "0.9.6", "2ubuntu0.22.04", "libs", "Optional", 150, 60),
    deb("intel-microcode", 0, "3.20240514.0ubuntu0.22.04", "", "admin", "Standard", 120, 80),
];

#[rustfmt::skip]
static UBUNTU2404: &[Pkg] = &[
    deb("linux-image-generic", 0, "", "", "kernel", "Optional", 14, 55).kernel(),
    deb("openssl", 0, "3.0.13", "0ubuntu3", "utils", "Optional", 50, 75),
    deb("libc6", 0, "2.39", "0ubuntu8", "libs", "Required", 70, 45),
    deb("curl", 0, "8.5.0", "2ubuntu10", "web", "Optional", 50, 70),
    deb("sudo", 0, "1.9.15p5", "3ubuntu5", "admin", "Optional", 120, 60),
    deb("openssh-server", 1, "9.6p1", "3ubuntu13", "net", "Optional", 90, 60),
    deb("systemd", 0, "255.4", "1ubuntu8", "admin", "Important", 60, 25),
    deb("bash", 0, "5.2.21", "2ubuntu4", "shells", "Required", 240, 20),
    deb("python3.12", 0, "3.12.3", "1ubuntu0", "python", "Optional", 75, 50),
    deb("nginx", 0, "1.24.0", "2ubuntu7", "httpd", "Optional", 120, 55).opt(),
    deb("containerd", 0, "1.7.12", "0ubuntu4", "admin", "Optional", 60, 45).opt(),
    deb("docker.io", 0, "24.0.7", "0ubuntu4", "admin", "Optional", 60, 45).opt(),
    deb("libxml2", 0, "2.9.14+dfsg", "1.3ubuntu3", "libs", "Optional", 80, 70),
    deb("zlib1g", 1, "1.3.dfsg", "3.1ubuntu2", "libs", "Required", 240, 50),
    deb("tzdata", 0, "", "0ubuntu0.24.04", "localization", "Important", 90, 0).tz(),
    deb("ca-certificates", 0, "20240203", "", "misc", "Optional", 150, 25).noarch(),
    deb("libexpat1", 0, "2.6.1", "2ubuntu0", "libs", "Optional", 100, 70),
    deb("libkrb5-3", 0, "1.20.1", "6ubuntu2", "libs", "Optional", 120, 55),
    deb("git", 1, "2.43.0", "1ubuntu7", "vcs", "Optional", 90, 50).opt(),
    deb("vim", 2, "9.1.0016", "1ubuntu7", "editors", "Optional", 60, 60),
    deb("less", 0, "590", "2ubuntu2", "text", "Important", 200, 40),
    deb("libarchive13t64", 0, "3.7.2", "2ubuntu0", "libs", "Optional", 120, 60),
    deb("libgnutls30t64", 0, "3.8.3", "1.1ubuntu3", "libs", "Standard", 110, 60),
    deb("libnss3", 2, "3.98", "1ubuntu0", "libs", "Optional", 90, 55),
    deb("libsqlite3-0", 0, "3.45.1", "1ubuntu2", "libs", "Standard", 200, 45),
    deb("binutils", 0, "2.42", "4ubuntu2", "devel", "Optional", 150, 40),
    deb("gpg", 0, "2.4.4", "2ubuntu17", "utils", "Optional", 200, 35),
    deb("apt", 0, "2.7.14", "", "admin", "Important", 150, 15).patch(1, 1),
    deb("snapd", 0, "2.63+24.04", "", "devel", "Optional", 45, 15),
    deb("cloud-init", 0, "24.1.3", "0ubuntu3", "admin", "Optional", 90, 10).noarch(),
    deb("coreutils", 0, "9.4", "3ubuntu6", "utils", "Required", 365, 20),
    deb("dpkg", 0, "1.22.6ubuntu6", "", "admin", "Required", 240, 15),
    deb("wget", 0, "1.21.4", "1ubuntu4", "web", "Standard", 200, 60),
    deb("rsync", 0, "3.2.7", "1ubuntu1", "net", "Optional", 150, 55),
    deb("libglib2.0-0t64", 0, "2.80.0", "6ubuntu3", "libs", "Optional", 120, 50),
    deb("libssh-4", 0, "0.10.6", "2ubuntu0", "libs", "Optional", 150, 60),
    deb("intel-microcode", 0, "3.20240514.0ubuntu0.24.04", "", "admin", "Standard", 120, 80),
];

#[rustfmt::skip]
static DEBIAN12: &[Pkg] = &[
    deb("linux-image-amd64", 0, "", "1", "kernel", "Optional", 14, 55).kernel(),
    deb("openssl", 0, "3.0.11", "1", "utils", "Optional", 50, 75).patch(3, 1),
    deb("libc6", 0, "2.36", "9", "libs", "Required", 70, 45),
    deb("curl", 0, "7.88.1", "10", "web", "Optional", 50, 70),
    deb("sudo", 0, "1.9.13p3", "1", "admin", "Optional", 120, 60),
    deb("openssh-server", 1, "9.2p1", "2", "net", "Optional", 90, 60),
    deb("systemd", 0, "252.17", "1", "admin", "Important", 60, 25).patch(2, 2),
    deb("bash", 0, "5.2.15", "2", "shells", "Required", 240, 20),
    deb("python3.11", 0, "3.11.2", "6", "python", "Optional", 75, 50),
    deb("nginx", 0, "1.22.1", "9", "httpd", "Optional", 120, 55).opt(),
    deb("containerd", 0, "1.6.20~ds1", "1", "admin", "Optional", 60, 45).opt(),
    deb("docker.io", 0, "20.10.24+dfsg1", "1", "admin", "Optional", 60, 45).opt(),
    deb("libxml2", 0, "2.9.14+dfsg", "1.3", "libs", "Optional", 80, 70),
    deb("zlib1g", 1, "1.2.13.dfsg", "1", "libs", "Required", 240, 50),
    deb("tzdata", 0, "", "0+deb12u1", "localization", "Required", 90, 0).tz(),
    deb("ca-certificates", 0, "20230311", "", "misc", "Optional", 150, 25).noarch(),
    deb("libexpat1", 0, "2.5.0", "1", "libs", "Optional", 100, 70),
    deb("libkrb5-3", 0, "1.20.1", "2", "libs", "Optional", 120, 55),
    deb("git", 1, "2.39.2", "1.1", "vcs", "Optional", 90, 50).opt(),
    deb("vim", 2, "9.0.1378", "2", "editors", "Optional", 60, 60),
    deb("less", 0, "590", "2", "text", "Important", 200, 40),
    deb("libarchive13", 0, "3.6.2", "1", "libs", "Optional", 120, 60),
    deb("libgnutls30", 0, "3.7.9", "2", "libs", "Standard", 110, 60),
    deb("libnss3", 2, "3.87.1", "1", "libs", "Optional", 90, 55),
    deb("libsqlite3-0", 0, "3.40.1", "2", "libs", "Standard", 200, 45),
    deb("binutils", 0, "2.40", "2", "devel", "Optional", 150, 40),
    deb("gpg", 0, "2.2.40", "1.1", "utils", "Optional", 200, 35),
    deb("apt", 0, "2.6.1", "", "admin", "Required", 150, 15).patch(1, 1),
    deb("coreutils", 0, "9.1", "1", "utils", "Required", 365, 20),
    deb("dpkg", 0, "1.21.22", "", "admin", "Required", 240, 15).patch(1, 1),
    deb("wget", 0, "1.21.3", "1", "web", "Standard", 200, 60),
    deb("rsync", 0, "3.2.7", "1", "net", "Optional", 150, 55),
    deb("libglib2.0-0", 0, "2.74.6", "2", "libs", "Optional", 120, 50),
    deb("libssh-4", 0, "0.10.6", "0", "libs", "Optional", 150, 60),
    deb("postgresql-15", 0, "15.7", "0", "database", "Optional", 90, 60).patch(2, 1).opt(),
    deb("intel-microcode", 0, "3.20240514.1", "", "admin", "Standard", 120, 80),
];

#[rustfmt::skip]
static MACOS14: &[Pkg] = &[
    pkg("macOS Sonoma", 0, "", "", 45, 85).mac(MacKind::Os),
    pkg("Safari", 0, "", "", 60, 80).mac(MacKind::Safari),
    pkg("XProtectPlistConfigData", 0, "", "", 14, 90).mac(MacKind::Serial { prefix: "", base: 5200, step: 2 }).data(),
    pkg("MRTConfigData", 0, "", "", 45, 90).mac(MacKind::Serial { prefix: "1.", base: 90, step: 1 }).data(),
    pkg("Gatekeeper Configuration Data", 0, "", "", 60, 80).mac(MacKind::Serial { prefix: "", base: 250, step: 1 }).data(),
    pkg("Command Line Tools for Xcode", 0, "", "", 75, 20).mac(MacKind::Xcode).installed_on(60),
];

struct WinDef {
    /// What cumulative and servicing stack updates are for.
    target: &'static str,
    /// What .NET Framework cumulative updates are for.
    dotnet: &'static str,
    /// Chance of a standalone servicing stack update in a month.
    ssu_chance: f64,
    /// Offset of this product's KB numbers within a month's band.
    kb_offset: i64,
}

static WS2019: WinDef = WinDef {
    target: "Windows Server 2019 for x64-based Systems",
    dotnet: "3.5, 4.7.2 and 4.8 for Windows Server 2019 for x64",
    ssu_chance: 0.7,
    kb_offset: 0,
};

static WS2022: WinDef = WinDef {
    target: "Microsoft server operating system version 21H2 for x64-based Systems",
    dotnet: "3.5, 4.8 and 4.8.1 for Microsoft server operating system version 21H2 for x64",
    ssu_chance: 0.3,
    kb_offset: 50,
};

// ---------------------------------------------------------------------------
// Chains of releases.

struct Chain {
    name: String,
    install: u8,
    auto: bool,
    /// Every release from GA on, oldest first.
    patches: Vec<CatalogPatch>,
}

/// Keeps the releases of the window: the last one at or before `start` (so
/// every package has something released when the window opens; if the
/// first release is later, it is dated `start`) and all up to `end`.
/// Numbers `seq` from 0.
fn window(mut chain: Vec<CatalogPatch>, start: Timestamp, end: Timestamp) -> Vec<CatalogPatch> {
    chain.truncate(chain.partition_point(|p| p.released <= end));
    let first = chain
        .partition_point(|p| p.released <= start)
        .saturating_sub(1);
    chain.drain(..first);
    if let Some(p) = chain.first_mut() {
        p.released = p.released.min(start);
    }
    for (seq, p) in chain.iter_mut().enumerate() {
        p.seq = seq as u32;
    }
    chain
}

/// A package's releases from GA to `end`: the GA release, then at most one
/// release per slot of `cadence` days (four slots in five have one), each
/// with its own random stream for its details.
fn slot_releases(key: u64, cadence: u16, ga_day: i64, end: Timestamp) -> Vec<(Timestamp, Stream)> {
    let cadence = i64::from(cadence.max(1));
    let mut out = vec![(
        Timestamp(ga_day * DAY + 17 * HOUR),
        rng_for(&[key, u64::MAX]),
    )];
    let phase = (key % cadence as u64) as i64;
    let mut slot = (ga_day - phase).div_euclid(cadence) + 1;
    loop {
        let first_day = slot * cadence + phase;
        if first_day * DAY > end.millis() {
            break;
        }
        let mut rng = rng_for(&[key, slot as u64]);
        if rng.random_bool(0.8) {
            let day = first_day + rng.random_range(0..cadence);
            let t = Timestamp(day * DAY + rng.random_range(0..DAY));
            out.push((t, rng));
        }
        slot += 1;
    }
    out
}

fn linux_chain(
    seed: u64,
    def: &ProductDef,
    distro: Distro,
    pkg: &Pkg,
    package: u32,
    start: Timestamp,
    end: Timestamp,
) -> Chain {
    let key = mix(&[seed, fnv(def.product), fnv(pkg.name)]);
    let ga_day = days_from_civil(def.ga.0, def.ga.1, def.ga.2);
    let releases = slot_releases(key, pkg.cadence, ga_day, end);
    // Releases before the one installed when the window opens are counted
    // (they number the versions) but not built.
    let first = releases
        .partition_point(|(t, _)| *t <= start)
        .saturating_sub(1);
    let mut patches = Vec::with_capacity(releases.len() - first);
    let mut tz = (0i64, 0u32);
    for (n, (t, mut rng)) in releases.into_iter().enumerate() {
        let year = civil_from_days(day_of(t)).0;
        tz = if tz.0 == year {
            (year, tz.1 + 1)
        } else {
            (year, 0)
        };
        if n < first {
            continue;
        }
        let rel = Rel {
            n: n as u32,
            t,
            tz_index: tz.1,
        };
        patches.push(linux_patch(def, distro, pkg, package, &rel, &mut rng));
    }
    Chain {
        name: pkg.name.to_owned(),
        install: pkg.install,
        auto: false,
        patches,
    }
}

/// One release of a package: its number since GA and its time.
struct Rel {
    n: u32,
    t: Timestamp,
    /// Its place among the package's releases of its calendar year.
    tz_index: u32,
}

fn linux_patch(
    def: &ProductDef,
    distro: Distro,
    pkg: &Pkg,
    package: u32,
    rel: &Rel,
    rng: &mut Stream,
) -> CatalogPatch {
    let day = day_of(rel.t);
    let (year, _, _) = civil_from_days(day);
    let (version, release) = linux_version(distro, pkg, rel);
    let name = pkg.name;
    let security = rel.n > 0 && rng.random_range(0..100u8) < pkg.security;
    let classification = if security {
        "Security"
    } else {
        match rng.random_range(0..100u32) {
            0..68 => "Bugfix",
            68..92 => "Enhancement",
            _ if matches!(distro, Distro::Al2023 | Distro::Rhel94) => "Recommended",
            _ => "Bugfix",
        }
    };
    let medium = if distro == Distro::Rhel94 {
        "Moderate"
    } else {
        "Medium"
    };
    let severity = if security {
        match rng.random_range(0..100u32) {
            0..7 => "Critical",
            7..45 => "Important",
            45..87 => medium,
            _ => "Low",
        }
    } else if rng.random_range(0..100u32) < 85 {
        "None"
    } else {
        "Low"
    };
    let cve_ids = if security {
        let count = match rng.random_range(0..100u32) {
            0..50 => 1,
            50..75 => 2,
            75..90 => 3,
            _ => rng.random_range(4..7),
        };
        cves(rng, day, count)
    } else {
        Vec::new()
    };
    let doy = day - days_from_civil(year, 1, 1);
    let since_2023 = day - days_from_civil(2023, 1, 1);
    let full = if release.is_empty() {
        version.clone()
    } else {
        format!("{version}-{release}")
    };
    let sev_word = severity;
    let (advisory, bugs): (Option<String>, Vec<String>) = match distro {
        Distro::Al2023 => {
            let num = doy * 4 + rng.random_range(1..5);
            let bugs = cve_ids
                .iter()
                .map(|_| (2_150_000 + since_2023 * 230 + rng.random_range(0..200)).to_string())
                .collect();
            (Some(format!("ALAS2023-{year}-{num:03}")), bugs)
        }
        Distro::Rhel94 => {
            let kind = match classification {
                "Security" => "RHSA",
                "Bugfix" => "RHBA",
                _ => "RHEA",
            };
            let num = doy * 27 + rng.random_range(0..27);
            let count = cve_ids.len().max(1);
            let bugs = (0..count)
                .map(|_| (2_150_000 + since_2023 * 230 + rng.random_range(0..200)).to_string())
                .collect();
            (Some(format!("{kind}-{year}:{num:04}")), bugs)
        }
        Distro::Jammy | Distro::Noble => {
            if security {
                let num = 5_900 + (day - days_from_civil(2023, 3, 1)) * 2 + rng.random_range(0..2);
                (Some(format!("USN-{}-1", num.max(1000))), Vec::new())
            } else {
                let bug = (2_000_000 + since_2023 * 110 + rng.random_range(0..100)).max(1_900_000);
                (None, vec![bug.to_string()])
            }
        }
        Distro::Bookworm => {
            if security {
                let num =
                    5_360 + (day - days_from_civil(2023, 2, 1)) * 3 / 4 + rng.random_range(0..2);
                (Some(format!("DSA-{}-1", num.max(1000))), Vec::new())
            } else {
                let bug = (1_030_000 + since_2023 * 80 + rng.random_range(0..80)).max(1_000_000);
                (None, vec![bug.to_string()])
            }
        }
    };
    let title = match (distro, classification, &advisory) {
        _ if rel.n == 0 => format!("{name} {full}"),
        (Distro::Al2023, "Security", Some(adv)) => {
            format!("{adv}: {sev_word} priority package update for {name}")
        }
        (Distro::Al2023, "Bugfix", Some(adv)) => {
            format!("{adv}: Bug fix package update for {name}")
        }
        (Distro::Al2023, _, Some(adv)) => {
            format!("{adv}: {classification} package update for {name}")
        }
        (Distro::Rhel94, "Security", Some(adv)) => {
            format!("{adv}: {sev_word}: {name} security update")
        }
        (Distro::Rhel94, "Bugfix", Some(adv)) => format!("{adv}: {name} bug fix update"),
        (Distro::Rhel94, _, Some(adv)) => format!("{adv}: {name} bug fix and enhancement update"),
        (Distro::Jammy | Distro::Noble, _, Some(adv)) => {
            let what = if cve_ids.len() == 1 {
                "vulnerability"
            } else {
                "vulnerabilities"
            };
            format!("{adv}: {name} {what}")
        }
        (Distro::Jammy | Distro::Noble, _, None) => {
            format!("{name} stable release update (LP: #{})", bugs[0])
        }
        (Distro::Bookworm, _, Some(adv)) => format!("{adv} {name} - security update"),
        _ => format!("{name} {full}: Debian 12 point release update"),
    };
    let description = if rel.n == 0 {
        format!("{name} {full} as shipped with {}.", def.label)
    } else if pkg.scheme_is_tz() {
        format!(
            "Time zone data {version}: reflects recent changes to time zone and daylight saving time rules."
        )
    } else {
        describe(rng, name, classification, severity, &cve_ids)
    };
    let content_url = match (distro, &advisory) {
        (Distro::Al2023, Some(adv)) => format!("https://alas.aws.amazon.com/AL2023/{adv}.html"),
        (Distro::Rhel94, Some(adv)) => format!("https://access.redhat.com/errata/{adv}"),
        (Distro::Jammy | Distro::Noble, Some(adv)) => {
            format!("https://ubuntu.com/security/notices/{adv}")
        }
        (Distro::Jammy | Distro::Noble, None) => {
            format!("https://launchpad.net/ubuntu/+source/{name}/{full}")
        }
        (Distro::Bookworm, Some(adv)) => {
            format!("https://security-tracker.debian.org/tracker/{adv}")
        }
        _ => format!("https://tracker.debian.org/pkg/{name}"),
    };
    let debian = matches!(distro, Distro::Jammy | Distro::Noble | Distro::Bookworm);
    let arch = match (debian, pkg.noarch) {
        (true, true) => "all",
        (true, false) => "amd64",
        (false, true) => "noarch",
        (false, false) => "x86_64",
    };
    let repository = match distro {
        Distro::Al2023 => "amazonlinux".to_owned(),
        Distro::Rhel94 if pkg.appstream => "rhel-9-for-x86_64-appstream-rpms".to_owned(),
        Distro::Rhel94 => "rhel-9-for-x86_64-baseos-rpms".to_owned(),
        _ => {
            let code = match distro {
                Distro::Jammy => "jammy",
                Distro::Noble => "noble",
                _ => "bookworm",
            };
            match (rel.n, security, distro) {
                (0, _, _) => code.to_owned(),
                (_, true, _) => format!("{code}-security"),
                (_, false, Distro::Bookworm) => code.to_owned(),
                _ => format!("{code}-updates"),
            }
        }
    };
    CatalogPatch {
        id: format!("{name}.{arch}:{}:{full}", pkg.epoch),
        operating_system: def.os,
        product: def.product,
        product_family: def.family,
        title,
        description,
        content_url,
        vendor: def.vendor,
        classification,
        severity,
        msrc_severity: None,
        priority: debian.then_some(pkg.priority),
        section: debian.then_some(pkg.section),
        released: rel.t,
        kb_number: None,
        msrc_number: None,
        name: name.to_owned(),
        epoch: pkg.epoch,
        version,
        release,
        arch: arch.to_owned(),
        repository,
        cve_ids,
        advisory_ids: advisory.into_iter().collect(),
        bugzilla_ids: bugs,
        language: String::new(),
        package,
        seq: 0,
    }
}

impl Pkg {
    fn scheme_is_tz(&self) -> bool {
        matches!(self.scheme, Scheme::Tz)
    }
}

/// Version and release of the `n`-th release of `pkg` since GA.
fn linux_version(distro: Distro, pkg: &Pkg, rel: &Rel) -> (String, String) {
    let n = rel.n;
    match pkg.scheme {
        Scheme::Rev | Scheme::Mac(_) => revise(distro, pkg.version, pkg.rel, n),
        Scheme::Patch { every, step, pos } => {
            let every = u32::from(every.max(1));
            let version = bump(pkg.version, (n / every) * u32::from(step), pos);
            revise(distro, &version, pkg.rel, n % every)
        }
        Scheme::Tz => {
            let year = civil_from_days(day_of(rel.t)).0;
            let letter = char::from(b'a' + rel.tz_index.min(25) as u8);
            let (_, release) = revise(distro, "", pkg.rel, 0);
            (format!("{year}{letter}"), release)
        }
        Scheme::Kernel => match distro {
            Distro::Al2023 => (
                format!("6.1.{}", 19 + 3 * n),
                format!("{}.{}.amzn2023", 78 + n, 117 + 2 * n),
            ),
            Distro::Rhel94 => ("5.14.0".to_owned(), format!("427.{}.1.el9_4", 13 + 3 * n)),
            Distro::Jammy => {
                let abi = 25 + 2 * n;
                (format!("5.15.0.{abi}.{abi}"), String::new())
            }
            Distro::Noble => {
                let abi = 31 + 2 * n;
                (format!("6.8.0.{abi}.{abi}"), String::new())
            }
            Distro::Bookworm => (format!("6.1.{}", 27 + 3 * n), "1".to_owned()),
        },
    }
}

/// The distribution's release string for revision `r` after GA (0 = GA).
fn revise(distro: Distro, version: &str, rel: &str, r: u32) -> (String, String) {
    let version = version.to_owned();
    match distro {
        Distro::Al2023 if r == 0 => (version, format!("{rel}.amzn2023")),
        Distro::Al2023 => (version, format!("{rel}.amzn2023.0.{r}")),
        Distro::Rhel94 if r == 0 => (version, format!("{rel}.el9")),
        Distro::Rhel94 => match rel.parse::<u32>() {
            Ok(base) => (version, format!("{}.el9_4", base + r)),
            Err(_) => (version, format!("{rel}.el9_4.{r}")),
        },
        _ if r == 0 => (version, rel.to_owned()),
        Distro::Jammy | Distro::Noble if rel.is_empty() => {
            (format!("{version}.{r}"), String::new())
        }
        Distro::Jammy | Distro::Noble => (version, format!("{rel}.{r}")),
        Distro::Bookworm if rel.is_empty() => (format!("{version}+deb12u{r}"), String::new()),
        Distro::Bookworm => (version, format!("{rel}+deb12u{r}")),
    }
}

/// `version` with its `pos`-th number from the end moved up by `by`.
fn bump(version: &str, by: u32, pos: u8) -> String {
    let bytes = version.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let from = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push(from..i);
        } else {
            i += 1;
        }
    }
    let Some(run) = runs
        .len()
        .checked_sub(1 + usize::from(pos))
        .map(|k| runs[k].clone())
    else {
        return version.to_owned();
    };
    let number: u64 = version[run.clone()].parse().unwrap_or(0);
    format!(
        "{}{}{}",
        &version[..run.start],
        number + u64::from(by),
        &version[run.end..]
    )
}

const VULNERABILITIES: &[(&str, &str)] = &[
    (
        "A buffer overflow",
        "a remote attacker to execute arbitrary code",
    ),
    (
        "A use-after-free",
        "a local attacker to escalate privileges",
    ),
    (
        "An out-of-bounds read",
        "an attacker to read sensitive memory",
    ),
    (
        "A NULL pointer dereference",
        "a remote attacker to cause a denial of service",
    ),
    (
        "An integer overflow",
        "an attacker to crash the process or run arbitrary code",
    ),
    (
        "Improper input validation",
        "a remote attacker to bypass security restrictions",
    ),
    (
        "A race condition",
        "a local user to gain elevated privileges",
    ),
    (
        "Uncontrolled resource consumption",
        "a remote attacker to cause a denial of service",
    ),
    (
        "A heap overflow",
        "a remote attacker to execute arbitrary code",
    ),
    (
        "A path traversal flaw",
        "an attacker to overwrite arbitrary files",
    ),
];

const FIXES: &[&str] = &[
    "a memory leak in long-running processes",
    "a crash with some configurations",
    "a regression introduced by the previous update",
    "a hang during shutdown",
    "incorrect handling of long file names",
    "wrong results with some locales",
    "a file descriptor leak",
    "spurious warnings in the system log",
];

const ENHANCEMENTS: &[&str] = &[
    "support for newer hardware",
    "performance improvements",
    "a new configuration option",
    "improved diagnostics",
    "updated translations",
];

fn describe(
    rng: &mut Stream,
    name: &str,
    classification: &str,
    severity: &str,
    cve_ids: &[String],
) -> String {
    match classification {
        "Security" => {
            let (flaw, impact) = VULNERABILITIES[rng.random_range(0..VULNERABILITIES.len())];
            let cves = if cve_ids.is_empty() {
                String::new()
            } else {
                format!(" ({})", cve_ids.join(", "))
            };
            format!(
                "{severity} severity security update. {flaw} was found in {name} that could allow {impact}{cves}."
            )
        }
        "Enhancement" => format!(
            "This update for {name} adds {}.",
            ENHANCEMENTS[rng.random_range(0..ENHANCEMENTS.len())]
        ),
        "Recommended" => format!(
            "Recommended update for {name}: fixes {}.",
            FIXES[rng.random_range(0..FIXES.len())]
        ),
        _ => format!(
            "This update for {name} fixes {}.",
            FIXES[rng.random_range(0..FIXES.len())]
        ),
    }
}

/// `count` CVE ids of a release on `day`: mostly of its own year, numbered
/// as far as that year's numbering had got by then, some of the year before.
fn cves(rng: &mut Stream, day: i64, count: usize) -> Vec<String> {
    let (year, _, _) = civil_from_days(day);
    let reached = 2_000 + (day - days_from_civil(year, 1, 1)) * 150;
    let mut out: Vec<String> = Vec::with_capacity(count);
    while out.len() < count {
        let (year, top) = if rng.random_bool(0.2) {
            (year - 1, 55_000)
        } else {
            (year, reached)
        };
        let id = format!("CVE-{year}-{:04}", rng.random_range(1_000..top));
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out.sort();
    out
}

// macOS ---------------------------------------------------------------------

fn mac_chain(seed: u64, def: &ProductDef, pkg: &Pkg, package: u32, end: Timestamp) -> Chain {
    let key = mix(&[seed, fnv(def.product), fnv(pkg.name)]);
    let ga_day = days_from_civil(def.ga.0, def.ga.1, def.ga.2);
    let releases = slot_releases(key, pkg.cadence, ga_day, end);
    let name = pkg.name;
    let kind = match pkg.scheme {
        Scheme::Mac(kind) => kind,
        _ => MacKind::Serial {
            prefix: "",
            base: 1,
            step: 1,
        },
    };
    let patches = releases
        .into_iter()
        .enumerate()
        .map(|(n, (t, mut rng))| {
            let n = n as u32;
            let day = day_of(t);
            let (year, month, dom) = civil_from_days(day);
            let (version, release) = mac_version(kind, n);
            let security = n > 0 && rng.random_range(0..100u8) < pkg.security;
            let classification = if security {
                "Security"
            } else if rng.random_bool(0.6) {
                "Bugfix"
            } else {
                "Enhancement"
            };
            let severity = match (security, pkg.data) {
                (false, _) => "None",
                (true, true) if rng.random_bool(0.7) => "Low",
                (true, true) => "Medium",
                (true, false) => match rng.random_range(0..100u32) {
                    0..10 => "Critical",
                    10..60 => "Important",
                    60..90 => "Medium",
                    _ => "Low",
                },
            };
            let cve_ids = if security && !pkg.data {
                let count = rng.random_range(3..16);
                cves(&mut rng, day, count)
            } else {
                Vec::new()
            };
            let advisory_ids = if security && !pkg.data {
                vec![format!(
                    "APPLE-SA-{year}-{month:02}-{dom:02}-{}",
                    rng.random_range(1..6)
                )]
            } else {
                Vec::new()
            };
            let label = format!("{name} {version}");
            let id = if release.is_empty() {
                label.clone()
            } else {
                format!("{label}-{release}")
            };
            let description = match (kind, security) {
                (MacKind::Os, true) => format!(
                    "{label} provides important bug fixes and security updates and is recommended for all users."
                ),
                (MacKind::Os, false) => format!("{label} provides bug fixes and improvements."),
                (MacKind::Safari, _) => {
                    format!("{label} includes security fixes and improvements to web compatibility.")
                }
                (MacKind::Xcode, _) => format!(
                    "{label} provides the compilers, headers and tools to build software from the command line."
                ),
                (MacKind::Serial { .. }, _) => format!(
                    "{label}: updated configuration data for the built-in malware protection of macOS."
                ),
            };
            let doc = 120_000 + (day - days_from_civil(2024, 7, 29)) * 3 + rng.random_range(0..3);
            CatalogPatch {
                id,
                operating_system: def.os,
                product: def.product,
                product_family: def.family,
                title: label,
                description,
                content_url: format!("https://support.apple.com/en-us/{}", doc.max(100_000)),
                vendor: def.vendor,
                classification,
                severity,
                msrc_severity: None,
                priority: None,
                section: None,
                released: t,
                kb_number: None,
                msrc_number: None,
                name: name.to_owned(),
                epoch: 0,
                version,
                release,
                arch: String::new(),
                repository: "softwareupdate".to_owned(),
                cve_ids,
                advisory_ids,
                bugzilla_ids: Vec::new(),
                language: String::new(),
                package,
                seq: 0,
            }
        })
        .collect();
    Chain {
        name: name.to_owned(),
        install: pkg.install,
        auto: pkg.data,
        patches,
    }
}

/// Version and build of the `n`-th release since Sonoma's GA.
fn mac_version(kind: MacKind, n: u32) -> (String, String) {
    match kind {
        MacKind::Os => {
            // 14.0, 14.0.1, 14.1, 14.1.1, ... then 14.7.x security releases.
            let minor = (n / 2).min(7);
            let patch = if minor < 7 { n % 2 } else { n - 14 };
            let version = if patch == 0 {
                format!("14.{minor}")
            } else {
                format!("14.{minor}.{patch}")
            };
            let letter = char::from(b'A' + minor as u8);
            let build = 60 + 13 * patch + (n * 7) % 10;
            (version, format!("23{letter}{build}"))
        }
        MacKind::Safari => {
            let major = 17 + n / 6;
            let minor = n % 6;
            (
                format!("{major}.{minor}"),
                format!(
                    "19{}.{}.11.{}",
                    618 + 2 * (major - 17),
                    minor + 1,
                    n % 9 + 1
                ),
            )
        }
        MacKind::Xcode => (format!("{}.{}", 15 + n / 5, n % 5), String::new()),
        MacKind::Serial { prefix, base, step } => {
            (format!("{prefix}{}", base + step * n), String::new())
        }
    }
}

// Windows -------------------------------------------------------------------

const LCU: u32 = 0;
const SSU: u32 = 1;
const DOTNET: u32 = 2;
const DEFENDER: u32 = 3;
const MSRT: u32 = 4;
const PLATFORM: u32 = 5;

const SECURITY_TEXT: &str = "A security issue has been identified in a Microsoft software product that could affect your system. You can help protect your system by installing this update from Microsoft. For a complete listing of the issues that are included in this update, see the associated Microsoft Knowledge Base article. After you install this update, you may have to restart your system.";
const UPDATE_TEXT: &str = "Install this update to resolve issues in Windows. For a complete listing of the issues that are included in this update, see the associated Microsoft Knowledge Base article for more information. After you install this item, you may have to restart your computer.";
const DEFENDER_TEXT: &str = "Install this update to revise the files that are used to detect viruses, spyware, and other potentially unwanted software. Once you have installed this item, it cannot be removed.";
const MSRT_TEXT: &str = "After the download, this tool runs one time to check your computer for infection by specific, prevalent malicious software (including Blaster, Sasser, and Mydoom) and helps remove any infection that is found. If an infection is found, the tool will display a status report the next time that you start your computer. A new version of the tool will be offered every month. This tool is not a replacement for an antivirus product.";
const PLATFORM_TEXT: &str = "This package will update Microsoft Defender Antivirus antimalware platform's components on the user machine.";

/// One Windows update before it becomes a [`CatalogPatch`].
struct WinUpdate {
    t: Timestamp,
    title: String,
    kb: u32,
    classification: &'static str,
    msrc: &'static str,
    cves: Vec<String>,
    description: &'static str,
    version: String,
}

fn windows_chains(seed: u64, def: &ProductDef, win: &WinDef, end: Timestamp) -> Vec<Chain> {
    let product_key = fnv(def.product);
    let (ga_year, ga_month, ga_dom) = def.ga;
    let ga_day = days_from_civil(ga_year, ga_month, ga_dom);
    let end_day = day_of(end);
    let target = win.target;
    let dotnet = win.dotnet;
    let names = [
        format!("Cumulative Update for {target}"),
        format!("Servicing Stack Update for {target}"),
        format!("Cumulative Update for .NET Framework {dotnet}"),
        "Security Intelligence Update for Microsoft Defender Antivirus".to_owned(),
        "Windows Malicious Software Removal Tool x64".to_owned(),
        "Update for Microsoft Defender Antivirus antimalware platform".to_owned(),
    ];
    let mut updates: [Vec<WinUpdate>; 6] = Default::default();
    let kb = |month: i64, band: i64, rng: &mut Stream| -> u32 {
        let reference = 2024 * 12 + 6;
        (5_040_000
            + (month - reference) * 1050
            + band * 100
            + win.kb_offset
            + rng.random_range(0..40)) as u32
    };
    let mut month = ga_year * 12 + i64::from(ga_month) - 1;
    loop {
        let (y, m) = (month.div_euclid(12), (month.rem_euclid(12) + 1) as u32);
        if days_from_civil(y, m, 1) > end_day {
            break;
        }
        let label = format!("{y}-{m:02}");
        let tuesday = nth_weekday(y, m, 2, 2);
        let fourth = nth_weekday(y, m, 2, 4);
        let at = |day: i64| Timestamp(day * DAY + 18 * HOUR);
        let mut rng = rng_for(&[seed, product_key, LCU.into(), month as u64]);
        if tuesday > ga_day {
            let msrc = if rng.random_bool(0.72) {
                "Critical"
            } else {
                "Important"
            };
            let count = rng.random_range(6..19);
            let kb_num = kb(month, 4, &mut rng);
            updates[LCU as usize].push(WinUpdate {
                t: at(tuesday),
                title: format!("{label} Cumulative Update for {target} (KB{kb_num})"),
                kb: kb_num,
                classification: "SecurityUpdates",
                msrc,
                cves: cves(&mut rng, tuesday, count),
                description: SECURITY_TEXT,
                version: String::new(),
            });
            if rng.random_bool(0.08) {
                let kb_num = kb(month, 3, &mut rng);
                updates[LCU as usize].push(WinUpdate {
                    t: at(tuesday + rng.random_range(2..7)),
                    title: format!("{label} Out-of-band Update for {target} (KB{kb_num})"),
                    kb: kb_num,
                    classification: "CriticalUpdates",
                    msrc: "Unspecified",
                    cves: Vec::new(),
                    description: UPDATE_TEXT,
                    version: String::new(),
                });
            }
            if m != 12 && rng.random_bool(0.6) {
                let kb_num = kb(month, 9, &mut rng);
                updates[LCU as usize].push(WinUpdate {
                    t: at(fourth),
                    title: format!("{label} Cumulative Update Preview for {target} (KB{kb_num})"),
                    kb: kb_num,
                    classification: "Updates",
                    msrc: "Unspecified",
                    cves: Vec::new(),
                    description: UPDATE_TEXT,
                    version: String::new(),
                });
            }

            let mut rng = rng_for(&[seed, product_key, SSU.into(), month as u64]);
            if rng.random_bool(win.ssu_chance) {
                let kb_num = kb(month, 5, &mut rng);
                let msrc = if rng.random_bool(0.3) {
                    "Critical"
                } else {
                    "Important"
                };
                updates[SSU as usize].push(WinUpdate {
                    t: at(tuesday),
                    title: format!("{label} Servicing Stack Update for {target} (KB{kb_num})"),
                    kb: kb_num,
                    classification: "SecurityUpdates",
                    msrc,
                    cves: Vec::new(),
                    description: SECURITY_TEXT,
                    version: String::new(),
                });
            }

            let mut rng = rng_for(&[seed, product_key, DOTNET.into(), month as u64]);
            if rng.random_bool(0.75) {
                let kb_num = kb(month, 6, &mut rng);
                let msrc = match rng.random_range(0..100u32) {
                    0..8 => "Critical",
                    8..80 => "Important",
                    80..93 => "Moderate",
                    _ => "Low",
                };
                let count = rng.random_range(1..4);
                updates[DOTNET as usize].push(WinUpdate {
                    t: at(tuesday),
                    title: format!(
                        "{label} Cumulative Update for .NET Framework {dotnet} (KB{kb_num})"
                    ),
                    kb: kb_num,
                    classification: "SecurityUpdates",
                    msrc,
                    cves: cves(&mut rng, tuesday, count),
                    description: SECURITY_TEXT,
                    version: String::new(),
                });
            }
            if m != 12 && rng.random_bool(0.35) {
                let kb_num = kb(month, 8, &mut rng);
                updates[DOTNET as usize].push(WinUpdate {
                    t: at(fourth),
                    title: format!(
                        "{label} Cumulative Update Preview for .NET Framework {dotnet} (KB{kb_num})"
                    ),
                    kb: kb_num,
                    classification: "Updates",
                    msrc: "Unspecified",
                    cves: Vec::new(),
                    description: UPDATE_TEXT,
                    version: String::new(),
                });
            }

            let msrt = 126 + (month - (2024 * 12 + 6));
            updates[MSRT as usize].push(WinUpdate {
                t: at(tuesday),
                title: format!(
                    "Windows Malicious Software Removal Tool x64 - v5.{msrt} (KB890830)"
                ),
                kb: 890_830,
                classification: "UpdateRollups",
                msrc: "Unspecified",
                cves: Vec::new(),
                description: MSRT_TEXT,
                version: format!("5.{msrt}"),
            });

            let mut rng = rng_for(&[seed, product_key, PLATFORM.into(), month as u64]);
            if rng.random_bool(0.8) {
                let version = format!(
                    "4.18.{:02}{m:02}0.{}",
                    y.rem_euclid(100),
                    rng.random_range(3..12)
                );
                updates[PLATFORM as usize].push(WinUpdate {
                    t: at(tuesday + rng.random_range(0..14)),
                    title: format!(
                        "Update for Microsoft Defender Antivirus antimalware platform - KB4052623 (Version {version})"
                    ),
                    kb: 4_052_623,
                    classification: "Updates",
                    msrc: "Unspecified",
                    cves: Vec::new(),
                    description: PLATFORM_TEXT,
                    version,
                });
            }
        }
        month += 1;
    }
    // Security intelligence: about weekly.
    let reference = days_from_civil(2024, 7, 1);
    let mut week = ga_day.div_euclid(7) + 1;
    while week * 7 <= end_day {
        let mut rng = rng_for(&[seed, product_key, DEFENDER.into(), week as u64]);
        let day = week * 7 + rng.random_range(0..7);
        let since = day - reference;
        let version = format!(
            "1.{}.{}.0",
            (415 + since.div_euclid(18)).max(1),
            since.rem_euclid(18) * 10 + rng.random_range(0..10)
        );
        updates[DEFENDER as usize].push(WinUpdate {
            t: Timestamp(day * DAY + rng.random_range(0..DAY)),
            title: format!(
                "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version {version})"
            ),
            kb: 2_267_602,
            classification: "DefinitionUpdates",
            msrc: "Unspecified",
            cves: Vec::new(),
            description: DEFENDER_TEXT,
            version,
        });
        week += 1;
    }
    let install = [100, 100, 97, 95, 100, 95];
    updates
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(series, (list, name))| {
            let package = series as u32;
            let patches = list
                .into_iter()
                .map(|u| {
                    let mut rng = rng_for(&[
                        seed,
                        product_key,
                        0x6775_6964,
                        u.t.millis() as u64,
                        package.into(),
                    ]);
                    let content_url = match package {
                        DEFENDER => "https://www.microsoft.com/en-us/wdsi/definitions".to_owned(),
                        _ => format!("https://support.microsoft.com/help/{}", u.kb),
                    };
                    CatalogPatch {
                        id: guid(&mut rng),
                        operating_system: def.os,
                        product: def.product,
                        product_family: def.family,
                        title: u.title,
                        description: u.description.to_owned(),
                        content_url,
                        vendor: def.vendor,
                        classification: u.classification,
                        severity: u.msrc,
                        msrc_severity: Some(u.msrc),
                        priority: None,
                        section: None,
                        released: u.t,
                        kb_number: Some(format!("KB{}", u.kb)),
                        msrc_number: None,
                        name: name.clone(),
                        epoch: 0,
                        version: u.version,
                        release: String::new(),
                        arch: String::new(),
                        repository: String::new(),
                        cve_ids: u.cves,
                        advisory_ids: Vec::new(),
                        bugzilla_ids: Vec::new(),
                        language: "All".to_owned(),
                        package,
                        seq: 0,
                    }
                })
                .collect();
            Chain {
                name,
                install: install[series],
                auto: matches!(package, DEFENDER | PLATFORM),
                patches,
            }
        })
        .collect()
}

fn guid(rng: &mut Stream) -> String {
    let a: u32 = rng.random();
    let b: u16 = rng.random();
    let c: u16 = (rng.random::<u16>() & 0x0fff) | 0x4000;
    let d: u16 = (rng.random::<u16>() & 0x3fff) | 0x8000;
    let e: u64 = rng.random::<u64>() & 0xffff_ffff_ffff;
    format!("{a:08x}-{b:04x}-{c:04x}-{d:04x}-{e:012x}")
}

// ---------------------------------------------------------------------------
// Seeds and dates.

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn mix(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x7061_7463_6865_7321, |h, &p| splitmix(h ^ splitmix(p)))
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn rng_for(parts: &[u64]) -> Stream {
    Stream(mix(parts))
}

/// A small random stream (SplitMix64): deterministic, good enough for a
/// simulation, and cheap to start even in unoptimised builds, which matters
/// when one is started per release and per node.
struct Stream(u64);

impl RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

fn day_of(t: Timestamp) -> i64 {
    t.millis().div_euclid(DAY)
}

/// The day of the `n`-th `weekday` (0 = Sunday) of a month.
fn nth_weekday(y: i64, m: u32, weekday: i64, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let first_dow = i64::from(calendar::weekday(first));
    first + (weekday - first_dow).rem_euclid(7) + 7 * (n - 1)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
    use std::sync::OnceLock;

    use super::*;
    use crate::sim::FleetSpec;

    const SEED: u64 = 42;
    const ALL_PLATFORMS: [SimPlatform; 8] = [
        SimPlatform::AmazonLinux2023,
        SimPlatform::Ubuntu2204,
        SimPlatform::Ubuntu2404,
        SimPlatform::Rhel9,
        SimPlatform::Debian12,
        SimPlatform::WindowsServer2019,
        SimPlatform::WindowsServer2022,
        SimPlatform::MacOs14,
    ];
    const LINUX: [SimPlatform; 5] = [
        SimPlatform::AmazonLinux2023,
        SimPlatform::Ubuntu2204,
        SimPlatform::Ubuntu2404,
        SimPlatform::Rhel9,
        SimPlatform::Debian12,
    ];

    /// The time the other simulator tests start at.
    fn anchor() -> Timestamp {
        Timestamp::parse_iso8601("2026-11-23T12:00:00Z").unwrap()
    }

    fn days(n: i64) -> i64 {
        n * DAY
    }

    fn catalogue() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| generate_catalogue(SEED, anchor()))
    }

    fn everything(catalogue: &Catalogue) -> Vec<CatalogPatch> {
        catalogue
            .all_released(Timestamp(i64::MAX))
            .cloned()
            .collect()
    }

    fn nodes(platform: SimPlatform, count: usize) -> Vec<NodePackages> {
        (0..count)
            .map(|i| NodePackages::generate(catalogue(), SEED, platform, i, anchor()))
            .collect()
    }

    fn median(mut counts: Vec<usize>) -> usize {
        counts.sort_unstable();
        counts[counts.len() / 2]
    }

    #[test]
    fn the_same_seed_and_day_give_the_same_catalogue_and_another_seed_another() {
        let a = everything(catalogue());
        let morning = generate_catalogue(
            SEED,
            Timestamp::parse_iso8601("2026-11-23T00:00:00Z").unwrap(),
        );
        let night = generate_catalogue(
            SEED,
            Timestamp::parse_iso8601("2026-11-23T23:59:59Z").unwrap(),
        );
        assert_eq!(a, everything(&morning));
        assert_eq!(a, everything(&night));

        let other = everything(&generate_catalogue(SEED + 1, anchor()));
        assert_ne!(a, other);
        // Version numbers follow the distributions' own numbering, so many
        // ids recur; when and how each release came out differs.
        let released: HashMap<&str, Timestamp> =
            a.iter().map(|p| (p.id.as_str(), p.released)).collect();
        let same = other
            .iter()
            .filter(|p| released.get(p.id.as_str()) == Some(&p.released))
            .count();
        assert!(
            same * 20 < other.len(),
            "another seed should release at other times, {same} of {} are the same",
            other.len()
        );
    }

    #[test]
    fn a_catalogue_built_on_another_day_names_the_same_patches() {
        let later = generate_catalogue(SEED, anchor().plus_millis(days(10)));
        let since = anchor().plus_millis(-days(300));
        let mut compared = 0;
        for p in catalogue()
            .all_released(anchor())
            .filter(|p| p.released > since)
        {
            let q = later
                .get(&p.id)
                .unwrap_or_else(|| panic!("{} is gone", p.id));
            assert_eq!(
                (
                    &q.title,
                    q.released,
                    q.classification,
                    q.severity,
                    &q.cve_ids
                ),
                (
                    &p.title,
                    p.released,
                    p.classification,
                    p.severity,
                    &p.cve_ids
                )
            );
            compared += 1;
        }
        assert!(compared > 500, "{compared}");
    }

    #[test]
    fn products_are_those_of_the_simulated_platforms_in_order() {
        let products: Vec<_> = catalogue().products().collect();
        let mut sorted = products.clone();
        sorted.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        assert_eq!(products, sorted);
        for platform in ALL_PLATFORMS {
            let (product, os) = platform.patch_product();
            assert!(products.contains(&(product, os)), "{platform:?}");
            assert!(
                catalogue().released(product, anchor()).count() > 50,
                "{product}"
            );
        }
        assert_eq!(catalogue().released("Windows95", anchor()).count(), 0);
        assert_eq!(catalogue().packages("Windows95").count(), 0);
        let al: Vec<_> = catalogue().packages("AmazonLinux2023").collect();
        for name in [
            "kernel",
            "openssl",
            "glibc",
            "curl",
            "sudo",
            "openssh-server",
            "tzdata",
        ] {
            assert!(al.contains(&name), "{name}");
        }
        assert!((25..=40).contains(&al.len()), "{}", al.len());

        let all: Vec<_> = catalogue().all_released(anchor()).collect();
        let key = |p: &CatalogPatch| (p.operating_system, p.product, p.released, p.id.clone());
        assert!(all.windows(2).all(|w| key(w[0]) < key(w[1])));
        assert_eq!(
            all.len(),
            products
                .iter()
                .map(|(p, _)| catalogue().released(p, anchor()).count())
                .sum::<usize>()
        );
    }

    #[test]
    fn ids_are_unique_and_each_package_is_a_chain_in_time() {
        let c = catalogue();
        let all = everything(c);
        assert_eq!(all.len(), c.len());
        assert!(!c.is_empty());
        let ids: HashSet<&str> = all.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "patch ids repeat");
        for p in &all {
            assert_eq!(c.get(&p.id), Some(p));
        }
        assert_eq!(c.get("openssl.x86_64:1:0.0.0-0"), None);

        let mut chains: BTreeMap<(&str, u32), Vec<&CatalogPatch>> = BTreeMap::new();
        for p in &all {
            chains.entry((p.product, p.package)).or_default().push(p);
        }
        let start = anchor().plus_millis(-days(365));
        for ((product, package), mut chain) in chains {
            chain.sort_by_key(|p| p.seq);
            assert!(chain.iter().enumerate().all(|(i, p)| p.seq as usize == i));
            assert!(
                chain.windows(2).all(|w| w[0].released < w[1].released),
                "{product} {package}"
            );
            assert!(
                chain[0].released <= start,
                "{product} {package} has nothing installed a year ago"
            );
            assert!(chain.iter().all(|p| p.name == chain[0].name));
        }
    }

    #[test]
    fn new_patches_appear_as_the_clock_moves() {
        let c = catalogue();
        for (product, _) in c.products() {
            let count = |days_on: i64| {
                c.released(product, anchor().plus_millis(days(days_on)))
                    .count()
            };
            assert!(
                count(-300) < count(-150) && count(-150) < count(0),
                "{product}"
            );
            assert!(count(30) > count(0), "{product}: nothing new in 30 days");
            assert!(
                count(700) > count(600),
                "{product}: nothing new two years on"
            );
            let released: Vec<_> = c.released(product, anchor()).collect();
            assert!(released.windows(2).all(|w| w[0].released <= w[1].released));
            assert!(
                released
                    .iter()
                    .all(|p| p.released <= anchor() && p.product == product)
            );
        }
    }

    #[test]
    fn every_product_has_several_classifications_and_severities() {
        let c = catalogue();
        let until = anchor().plus_millis(days(365));
        for (product, os) in c.products() {
            let patches: Vec<_> = c.released(product, until).collect();
            let classes: BTreeSet<_> = patches.iter().map(|p| p.classification).collect();
            let severities: BTreeSet<_> = patches.iter().map(|p| p.severity).collect();
            assert!(classes.len() >= 3, "{product}: {classes:?}");
            assert!(severities.len() >= 3, "{product}: {severities:?}");
            let security: Vec<_> = patches
                .iter()
                .filter(|p| matches!(p.classification, "Security" | "SecurityUpdates"))
                .collect();
            let share = security.len() as f64 / patches.len() as f64;
            match os {
                "WINDOWS" => {
                    for class in [
                        "SecurityUpdates",
                        "Updates",
                        "UpdateRollups",
                        "DefinitionUpdates",
                    ] {
                        assert!(classes.contains(class), "{product}: {classes:?}");
                    }
                    assert!(severities.contains("Critical") && severities.contains("Important"));
                    assert!(patches.iter().all(|p| Some(p.severity) == p.msrc_severity));
                }
                "MACOS" => assert!(classes.contains("Security")),
                _ => {
                    assert!((0.25..0.7).contains(&share), "{product}: {share} security");
                    for severity in ["Critical", "Important", "Low", "None"] {
                        assert!(severities.contains(severity), "{product}: {severities:?}");
                    }
                    let critical = security.iter().filter(|p| p.severity == "Critical").count();
                    assert!(
                        critical * 6 < security.len(),
                        "{product}: too many critical"
                    );
                    assert!(security.iter().all(|p| !p.cve_ids.is_empty()));
                    let quiet = patches
                        .iter()
                        .filter(|p| p.classification != "Security")
                        .filter(|p| p.severity == "None")
                        .count();
                    assert!(
                        quiet * 10 > (patches.len() - security.len()) * 7,
                        "{product}"
                    );
                }
            }
        }
    }

    #[test]
    fn windows_has_critical_or_important_security_updates_every_patch_tuesday() {
        let c = catalogue();
        let start = anchor().plus_millis(-days(330));
        for product in ["WindowsServer2019", "WindowsServer2022"] {
            let patches: Vec<_> = c
                .released(product, anchor().plus_millis(days(700)))
                .collect();
            let mut months = BTreeMap::<(i64, u32), Vec<&CatalogPatch>>::new();
            for p in patches.iter().filter(|p| p.released >= start) {
                let (y, m, _) = civil_from_days(day_of(p.released));
                months.entry((y, m)).or_default().push(p);
            }
            // Only whole months.
            months.pop_first();
            months.pop_last();
            assert!(months.len() >= 30, "{}", months.len());
            for ((y, m), list) in &months {
                let tuesday = nth_weekday(*y, *m, 2, 2);
                let cumulative: Vec<_> = list
                    .iter()
                    .filter(|p| p.classification == "SecurityUpdates")
                    .filter(|p| matches!(p.msrc_severity, Some("Critical" | "Important")))
                    .filter(|p| !p.title.contains(".NET Framework"))
                    .filter(|p| {
                        p.title
                            .starts_with(&format!("{y}-{m:02} Cumulative Update for"))
                    })
                    .collect();
                assert_eq!(cumulative.len(), 1, "{product} {y}-{m}: {list:#?}");
                let lcu = cumulative[0];
                assert_eq!(day_of(lcu.released), tuesday, "not on Patch Tuesday");
                let kb = lcu.kb_number.as_deref().unwrap();
                assert!(lcu.title.ends_with(&format!("({kb})")), "{}", lcu.title);
                assert!(kb.len() == 9 && kb.starts_with("KB5"), "{kb}");
                assert!(!lcu.cve_ids.is_empty());
                let definitions = list
                    .iter()
                    .filter(|p| p.classification == "DefinitionUpdates")
                    .count();
                assert!(
                    definitions >= 3,
                    "{product} {y}-{m}: {definitions} definition updates"
                );
                assert!(list.iter().any(|p| {
                    p.title
                        .starts_with("Windows Malicious Software Removal Tool x64 - v5.")
                }));
                assert!(
                    list.iter()
                        .all(|p| p.language == "All" && p.vendor == "Microsoft")
                );
            }
        }
    }

    #[test]
    fn patches_look_like_their_distribution() {
        let c = catalogue();
        let all = everything(c);
        for p in &all {
            let (year, _, _) = civil_from_days(day_of(p.released));
            for cve in &p.cve_ids {
                let cve_year: i64 = cve[4..8].parse().unwrap();
                assert!(cve_year == year || cve_year == year - 1, "{cve} in {year}");
                assert!(cve.len() >= 13, "{cve}");
            }
            let debian = matches!(p.operating_system, "UBUNTU" | "DEBIAN");
            assert_eq!(p.priority.is_some(), debian, "{}", p.id);
            assert_eq!(p.section.is_some(), debian, "{}", p.id);
            assert_eq!(p.kb_number.is_some(), p.operating_system == "WINDOWS");
            assert!(
                !p.title.is_empty()
                    && !p.description.is_empty()
                    && p.content_url.starts_with("https://")
            );
            let security = matches!(p.classification, "Security" | "SecurityUpdates");
            match p.product {
                "AmazonLinux2023" => {
                    assert!(p.release.contains(".amzn2023"), "{}", p.id);
                    assert!(p.advisory_ids[0].starts_with("ALAS2023-"));
                    assert_eq!(p.repository, "amazonlinux");
                }
                "RedhatEnterpriseLinux9.4" => {
                    assert!(p.release.contains(".el9"), "{}", p.id);
                    let kind = &p.advisory_ids[0][..4];
                    assert_eq!(kind == "RHSA", security, "{}", p.title);
                    assert!(p.repository.starts_with("rhel-9-for-x86_64-"));
                }
                "Ubuntu22.04" | "Ubuntu24.04" => {
                    let code = if p.product == "Ubuntu22.04" {
                        "jammy"
                    } else {
                        "noble"
                    };
                    if security {
                        assert_eq!(p.repository, format!("{code}-security"));
                        assert!(p.advisory_ids[0].starts_with("USN-"));
                    } else {
                        assert!(p.repository.starts_with(code));
                    }
                    assert!(matches!(p.arch.as_str(), "amd64" | "all"));
                }
                "Debian12" => {
                    if security {
                        assert_eq!(p.repository, "bookworm-security");
                        assert!(p.advisory_ids[0].starts_with("DSA-"));
                    }
                    assert!(
                        p.version.contains("deb12u")
                            || p.release.contains("deb12u")
                            || p.seq == 0
                            || p.name.starts_with("linux-image")
                            || p.name == "tzdata"
                            || p.release.len() <= 3,
                        "{}",
                        p.id
                    );
                }
                "MacOS14" => assert!(p.id.starts_with(&p.name) && p.vendor == "Apple"),
                _ => {
                    assert_eq!(p.id.len(), 36, "{}", p.id);
                    assert_eq!(p.language, "All");
                }
            }
            if p.operating_system != "WINDOWS" && p.operating_system != "MACOS" {
                let full = if p.release.is_empty() {
                    p.version.clone()
                } else {
                    format!("{}-{}", p.version, p.release)
                };
                assert_eq!(p.id, format!("{}.{}:{}:{full}", p.name, p.arch, p.epoch));
            }
        }
        let sonoma: Vec<_> = c
            .released("MacOS14", anchor())
            .filter(|p| p.name == "macOS Sonoma")
            .collect();
        assert!(
            sonoma
                .iter()
                .all(|p| p.title.starts_with("macOS Sonoma 14."))
        );
    }

    #[test]
    fn available_never_includes_packages_that_are_not_installed() {
        let c = catalogue();
        for platform in ALL_PLATFORMS {
            let (product, _) = platform.patch_product();
            let packages = c.packages(product).count();
            for node in nodes(platform, 200) {
                assert_eq!(node.product(), product);
                let installed = node.installed(c);
                let available = node.available(c, anchor());
                let not_applicable = node.not_applicable(c, anchor());
                let installed_packages: HashSet<u32> =
                    installed.iter().map(|p| p.package).collect();
                let absent: HashSet<u32> = not_applicable.iter().map(|p| p.package).collect();
                assert_eq!(installed_packages.len(), installed.len());
                assert!(installed_packages.len() + absent.len() == packages);
                assert!(installed_packages.is_disjoint(&absent));
                assert!(
                    installed.len() * 10 >= packages * 6,
                    "{platform:?}: most packages are installed"
                );
                for p in &installed {
                    assert!(node.has(p) && p.released <= anchor());
                }
                for p in &available {
                    assert!(
                        installed_packages.contains(&p.package),
                        "{} is not installed",
                        p.name
                    );
                    assert!(!node.has(p) && p.released <= anchor() && p.product == product);
                }
                for p in &not_applicable {
                    assert!(!node.has(p) && p.released <= anchor());
                }
                assert!(available.windows(2).all(|w| w[0].released <= w[1].released));
            }
        }
    }

    #[test]
    fn installing_the_newest_available_patch_leaves_none_for_its_package() {
        let c = catalogue();
        let mut tried = 0;
        for platform in ALL_PLATFORMS {
            for mut node in nodes(platform, 50) {
                let available = node.available(c, anchor());
                let Some(newest) = available.last().copied() else {
                    continue;
                };
                let older: Vec<_> = available
                    .iter()
                    .filter(|p| p.package == newest.package && p.seq < newest.seq)
                    .copied()
                    .collect();
                assert!(node.install(newest));
                assert!(
                    node.has(newest) && older.iter().all(|p| node.has(p)),
                    "superseded releases count as installed"
                );
                assert!(
                    node.available(c, anchor())
                        .iter()
                        .all(|p| p.package != newest.package)
                );
                assert_eq!(
                    node.available(c, anchor()).len(),
                    available.len() - older.len() - 1
                );
                assert!(!node.install(newest), "installing it again changes nothing");
                if let Some(old) = older.first() {
                    assert!(!node.install(old), "an older release changes nothing");
                    assert!(node.has(old));
                }
                let later = node.available(c, anchor().plus_millis(days(60)));
                assert!(
                    later
                        .iter()
                        .all(|p| p.seq > newest.seq || p.package != newest.package)
                );
                tried += 1;
            }
        }
        assert!(tried > 300, "{tried}");

        let mut linux = nodes(SimPlatform::AmazonLinux2023, 1).remove(0);
        let windows_patch = catalogue()
            .released("WindowsServer2022", anchor())
            .last()
            .unwrap();
        assert!(!linux.install(windows_patch) && !linux.has(windows_patch));
        if let Some(absent) = linux.not_applicable(c, anchor()).last().copied() {
            assert!(
                !linux.install(absent),
                "a package that is not installed stays so"
            );
        }

        for platform in ALL_PLATFORMS {
            let mut node = nodes(platform, 1).remove(0);
            for p in node.available(c, anchor()) {
                node.install(p);
            }
            assert!(
                node.available(c, anchor()).is_empty(),
                "{platform:?}: fully patched"
            );
        }
    }

    #[test]
    fn a_fleet_has_fully_patched_nodes_and_badly_behind_ones() {
        let c = catalogue();
        for platform in ALL_PLATFORMS {
            let counts: Vec<usize> = nodes(platform, 1000)
                .iter()
                .map(|n| n.available(c, anchor()).len())
                .collect();
            let zero = counts.iter().filter(|&&n| n == 0).count();
            // A Mac has few packages, and its malware data updates itself.
            let (low, high, most_zero) = match platform {
                SimPlatform::MacOs14 => (1, 10, 450),
                SimPlatform::WindowsServer2019 | SimPlatform::WindowsServer2022 => (3, 25, 250),
                _ => (10, 40, 150),
            };
            let mid = median(counts.clone());
            let worst = *counts.iter().max().unwrap();
            assert!(
                (20..=most_zero).contains(&zero),
                "{platform:?}: {zero} of 1000 fully patched"
            );
            assert!(
                (low..=high).contains(&mid),
                "{platform:?}: median {mid} missing"
            );
            assert!(
                worst >= mid * 3,
                "{platform:?}: worst {worst}, median {mid}"
            );
            assert!(worst <= 250, "{platform:?}: worst {worst}");
        }

        let fleet = FleetSpec::new(1000, SEED).expand();
        let counts: Vec<usize> = fleet
            .iter()
            .map(|spec| {
                NodePackages::generate(c, SEED, spec.platform, spec.index, anchor())
                    .available(c, anchor())
                    .len()
            })
            .collect();
        let mid = median(counts.clone());
        assert!((8..=40).contains(&mid), "fleet median {mid}");
        let linux_median = median(
            fleet
                .iter()
                .filter(|spec| LINUX.contains(&spec.platform))
                .map(|spec| {
                    NodePackages::generate(c, SEED, spec.platform, spec.index, anchor())
                        .available(c, anchor())
                        .len()
                })
                .collect(),
        );
        assert!((10..=40).contains(&linux_median), "{linux_median}");
    }

    #[test]
    fn nodes_are_deterministic_small_and_fall_behind_as_time_passes() {
        let c = catalogue();
        let a = NodePackages::generate(c, SEED, SimPlatform::Ubuntu2204, 17, anchor());
        assert_eq!(
            a,
            NodePackages::generate(c, SEED, SimPlatform::Ubuntu2204, 17, anchor())
        );
        let others =
            (18..30).map(|i| NodePackages::generate(c, SEED, SimPlatform::Ubuntu2204, i, anchor()));
        assert!(others.filter(|b| *b != a).count() > 8);
        assert!(std::mem::size_of::<NodePackages>() <= 32);

        let later = anchor().plus_millis(days(45));
        let grew = nodes(SimPlatform::AmazonLinux2023, 100)
            .iter()
            .filter(|n| n.available(c, later).len() > n.available(c, anchor()).len())
            .count();
        assert!(grew > 90, "{grew} of 100 nodes fell behind in 45 days");
    }

    #[test]
    fn an_early_anchor_still_gives_every_package_a_first_release() {
        let early = Timestamp::parse_iso8601("2024-05-01T00:00:00Z").unwrap();
        let c = generate_catalogue(SEED, early);
        for platform in ALL_PLATFORMS {
            let (product, _) = platform.patch_product();
            let node = NodePackages::generate(&c, SEED, platform, 3, early);
            let packages = c.packages(product).count();
            assert_eq!(
                node.installed(&c).len()
                    + node
                        .not_applicable(&c, early)
                        .iter()
                        .map(|p| p.package)
                        .collect::<HashSet<_>>()
                        .len(),
                packages
            );
            assert!(node.installed(&c).len() * 10 >= packages * 6, "{product}");
        }
    }
}
