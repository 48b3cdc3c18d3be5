//! The patch catalogue Patch Manager judges baselines against: every patch
//! of every product, by product, package, id and release time.
//!
//! A source of patches fills it: today the simulator
//! (`sim::patches::generate_catalogue`), which lays out each product's
//! packages and their chains of releases from a seed.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use sysman_api::Timestamp;

/// One product's packages and their releases, as a source gives them.
pub struct ProductReleases {
    pub product: &'static str,
    /// The AWS `OperatingSystem` value.
    pub os: &'static str,
    pub packages: Vec<PackageReleases>,
}

/// One package (Windows: update series) and its releases, oldest first.
pub struct PackageReleases {
    pub name: String,
    pub releases: Vec<CatalogPatch>,
    /// Percent of simulated nodes that have the package installed.
    pub install: u8,
    /// Updates itself in the background (definitions, config data).
    pub auto: bool,
}

/// One patch of the catalogue, with the members of the model's `Patch` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPatch {
    /// Linux: `name.arch:epoch:version-release`; Windows: a GUID; macOS:
    /// `name version-build`.
    pub id: String,
    /// The AWS `OperatingSystem` value.
    pub operating_system: &'static str,
    pub product: &'static str,
    pub product_family: &'static str,
    pub title: String,
    pub description: String,
    pub content_url: String,
    pub vendor: &'static str,
    pub classification: &'static str,
    pub severity: &'static str,
    /// Windows only.
    pub msrc_severity: Option<&'static str>,
    /// Debian and Ubuntu only.
    pub priority: Option<&'static str>,
    /// Debian and Ubuntu only.
    pub section: Option<&'static str>,
    pub released: Timestamp,
    /// Windows only, e.g. `KB5040437`.
    pub kb_number: Option<String>,
    /// Windows only; Microsoft stopped numbering bulletins in 2017, so
    /// current updates have none.
    pub msrc_number: Option<String>,
    /// The package name (Linux, macOS) or the update series (Windows).
    pub name: String,
    pub epoch: u32,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub repository: String,
    pub cve_ids: Vec<String>,
    pub advisory_ids: Vec<String>,
    pub bugzilla_ids: Vec<String>,
    /// `All` on Windows, empty elsewhere.
    pub language: String,
    /// The package (or Windows update series) this patch updates, as an index into the product's package list, and its place in that package's chain of releases (0 = the oldest).
    pub package: u32,
    pub seq: u32,
}

impl CatalogPatch {
    /// Release order: by release time, then id.
    pub(crate) fn order(&self, other: &Self) -> Ordering {
        (self.released, &self.id).cmp(&(other.released, &other.id))
    }
}

/// Every patch of every product nodes take patches from.
pub struct Catalogue {
    /// Grouped by product (in [`PRODUCTS`] order), then package, then seq.
    patches: Vec<CatalogPatch>,
    products: Vec<ProductEntry>,
    /// Indices into `patches` by id: reports name thousands of patches.
    by_id: HashMap<String, u32>,
    /// Each patch's release time, packed for quick searches.
    times: Vec<Timestamp>,
}

pub(crate) struct ProductEntry {
    product: &'static str,
    os: &'static str,
    pub packages: Vec<PackageEntry>,
    /// Indices into `patches`, sorted by release time, then id.
    by_release: Vec<u32>,
}

pub(crate) struct PackageEntry {
    name: String,
    /// The package's releases in `patches`, oldest first.
    chain: Range<u32>,
    /// Percent of nodes that have the package installed.
    pub install: u8,
    /// Updates itself in the background (definitions, config data), so it
    /// lags only days behind even on neglected nodes.
    pub auto: bool,
}

impl Catalogue {
    /// Lays out `products`' releases for quick lookups by product,
    /// package, id and release time.
    pub fn new(products: Vec<ProductReleases>) -> Catalogue {
        let mut patches = Vec::with_capacity(8_192);
        let mut entries = Vec::with_capacity(products.len());
        for product in products {
            let first = patches.len() as u32;
            let mut packages = Vec::with_capacity(product.packages.len());
            for package in product.packages {
                let from = patches.len() as u32;
                patches.extend(package.releases);
                packages.push(PackageEntry {
                    name: package.name,
                    chain: from..patches.len() as u32,
                    install: package.install,
                    auto: package.auto,
                });
            }
            let mut by_release: Vec<u32> = (first..patches.len() as u32).collect();
            by_release.sort_by(|&a, &b| patches[a as usize].order(&patches[b as usize]));
            entries.push(ProductEntry {
                product: product.product,
                os: product.os,
                packages,
                by_release,
            });
        }
        let by_id: HashMap<String, u32> = patches
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i as u32))
            .collect();
        let times = patches.iter().map(|p| p.released).collect();
        Catalogue {
            patches,
            products: entries,
            by_id,
            times,
        }
    }

    /// Patches of `product` released at or before `now`, oldest first.
    pub fn released(&self, product: &str, now: Timestamp) -> impl Iterator<Item = &CatalogPatch> {
        let order: &[u32] = match self.entry(product) {
            Some(entry) => self.released_order(entry, now),
            None => &[],
        };
        order.iter().map(|&i| &self.patches[i as usize])
    }

    /// Every patch of every product released at or before `now`, ordered by
    /// operating system, product, release, id.
    pub fn all_released(&self, now: Timestamp) -> impl Iterator<Item = &CatalogPatch> {
        self.products
            .iter()
            .flat_map(move |entry| self.released_order(entry, now))
            .map(|&i| &self.patches[i as usize])
    }

    pub fn get(&self, id: &str) -> Option<&CatalogPatch> {
        self.by_id.get(id).map(|&i| &self.patches[i as usize])
    }

    /// The products, with their operating system, ordered by operating
    /// system, then product.
    pub fn products(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.products.iter().map(|entry| (entry.product, entry.os))
    }

    /// The names of `product`'s packages (Windows: update series), in the
    /// order `CatalogPatch::package` indexes.
    pub fn packages(&self, product: &str) -> impl Iterator<Item = &str> {
        self.entry(product)
            .into_iter()
            .flat_map(|entry| entry.packages.iter().map(|pkg| pkg.name.as_str()))
    }

    pub fn len(&self) -> usize {
        self.patches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patches.is_empty()
    }

    pub(crate) fn entry(&self, product: &str) -> Option<&ProductEntry> {
        self.products.iter().find(|entry| entry.product == product)
    }

    fn released_order<'a>(&self, entry: &'a ProductEntry, now: Timestamp) -> &'a [u32] {
        let n = entry
            .by_release
            .partition_point(|&i| self.patches[i as usize].released <= now);
        &entry.by_release[..n]
    }

    /// The release times of a package's chain, oldest first.
    pub(crate) fn times(&self, package: &PackageEntry) -> &[Timestamp] {
        &self.times[package.chain.start as usize..package.chain.end as usize]
    }

    pub(crate) fn chain(&self, package: &PackageEntry) -> &[CatalogPatch] {
        &self.patches[package.chain.start as usize..package.chain.end as usize]
    }
}
