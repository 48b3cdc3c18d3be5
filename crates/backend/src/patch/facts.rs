//! What a baseline can ask of a patch, whatever describes it: the
//! simulated catalogue or a patch on the wire.

use sysman_api::Timestamp;
use sysman_api::patch::Patch;

use crate::patch::catalogue::CatalogPatch;

/// `PatchFilterKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FilterKey {
    Arch,
    AdvisoryId,
    BugzillaId,
    PatchSet,
    Product,
    ProductFamily,
    Classification,
    CveId,
    Epoch,
    MsrcSeverity,
    Name,
    PatchId,
    Section,
    Priority,
    Repository,
    Release,
    Severity,
    Security,
    Version,
}

impl FilterKey {
    pub const ALL: [FilterKey; 19] = [
        FilterKey::Arch,
        FilterKey::AdvisoryId,
        FilterKey::BugzillaId,
        FilterKey::PatchSet,
        FilterKey::Product,
        FilterKey::ProductFamily,
        FilterKey::Classification,
        FilterKey::CveId,
        FilterKey::Epoch,
        FilterKey::MsrcSeverity,
        FilterKey::Name,
        FilterKey::PatchId,
        FilterKey::Section,
        FilterKey::Priority,
        FilterKey::Repository,
        FilterKey::Release,
        FilterKey::Severity,
        FilterKey::Security,
        FilterKey::Version,
    ];

    pub fn as_str(self) -> &'static str {
        sysman_api::patch::PATCH_FILTER_KEYS[self as usize]
    }

    pub fn parse(s: &str) -> Option<FilterKey> {
        FilterKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The facts of one patch that baselines decide by.
pub(crate) trait PatchFacts {
    fn id(&self) -> &str;
    fn released(&self) -> Option<Timestamp>;
    /// Whether any of the patch's values for `key` satisfies `wanted`.
    fn any_value(&self, key: FilterKey, wanted: &mut dyn FnMut(&str) -> bool) -> bool;
    /// A security update: classified as one, or fixing a CVE.
    fn is_security(&self) -> bool;

    /// Whether a baseline's approved or rejected list names this patch: by
    /// id, or (as AWS allows) by KB number or package name.
    fn is_named(&self, name: &str) -> bool {
        self.id() == name
            || self.any_value(FilterKey::Name, &mut |n| n == name)
            || self.any_value(FilterKey::PatchId, &mut |n| n == name)
    }
}

fn one(value: Option<&str>, wanted: &mut dyn FnMut(&str) -> bool) -> bool {
    value.is_some_and(wanted)
}

fn many(values: &[String], wanted: &mut dyn FnMut(&str) -> bool) -> bool {
    values.iter().any(|v| wanted(v))
}

const SECURITY_CLASSES: [&str; 3] = ["Security", "SecurityUpdates", "CriticalUpdates"];

impl PatchFacts for CatalogPatch {
    fn id(&self) -> &str {
        &self.id
    }

    fn released(&self) -> Option<Timestamp> {
        Some(self.released)
    }

    fn any_value(&self, key: FilterKey, wanted: &mut dyn FnMut(&str) -> bool) -> bool {
        match key {
            FilterKey::Arch => wanted(&self.arch),
            FilterKey::AdvisoryId => many(&self.advisory_ids, wanted),
            FilterKey::BugzillaId => many(&self.bugzilla_ids, wanted),
            FilterKey::PatchSet => wanted("OS"),
            FilterKey::Product => wanted(self.product),
            FilterKey::ProductFamily => wanted(self.product_family),
            FilterKey::Classification => wanted(self.classification),
            FilterKey::CveId => many(&self.cve_ids, wanted),
            FilterKey::Epoch => wanted(&self.epoch.to_string()),
            FilterKey::MsrcSeverity => one(self.msrc_severity, wanted),
            FilterKey::Name => wanted(&self.name),
            FilterKey::PatchId => wanted(&self.id) || one(self.kb_number.as_deref(), wanted),
            FilterKey::Section => one(self.section, wanted),
            FilterKey::Priority => one(self.priority, wanted),
            FilterKey::Repository => wanted(&self.repository),
            FilterKey::Release => wanted(&self.release),
            FilterKey::Severity => wanted(self.severity),
            FilterKey::Security => wanted(if self.is_security() {
                "SECURITY"
            } else {
                "NONSECURITY"
            }),
            FilterKey::Version => wanted(&self.version),
        }
    }

    fn is_security(&self) -> bool {
        SECURITY_CLASSES.contains(&self.classification) || !self.cve_ids.is_empty()
    }
}

impl PatchFacts for Patch {
    fn id(&self) -> &str {
        &self.id
    }

    fn released(&self) -> Option<Timestamp> {
        self.release_date
    }

    fn any_value(&self, key: FilterKey, wanted: &mut dyn FnMut(&str) -> bool) -> bool {
        match key {
            FilterKey::Arch => one(self.arch.as_deref(), wanted),
            FilterKey::AdvisoryId => many(&self.advisory_ids, wanted),
            FilterKey::BugzillaId => many(&self.bugzilla_ids, wanted),
            FilterKey::PatchSet => wanted("OS"),
            FilterKey::Product => one(self.product.as_deref(), wanted),
            FilterKey::ProductFamily => one(self.product_family.as_deref(), wanted),
            FilterKey::Classification => one(self.classification.as_deref(), wanted),
            FilterKey::CveId => many(&self.cve_ids, wanted),
            FilterKey::Epoch => self.epoch.is_some_and(|e| wanted(&e.to_string())),
            FilterKey::MsrcSeverity => one(self.msrc_severity.as_deref(), wanted),
            FilterKey::Name => one(self.name.as_deref(), wanted),
            FilterKey::PatchId => wanted(&self.id) || one(self.kb_number.as_deref(), wanted),
            FilterKey::Section | FilterKey::Priority => false,
            FilterKey::Repository => one(self.repository.as_deref(), wanted),
            FilterKey::Release => one(self.release.as_deref(), wanted),
            FilterKey::Severity => one(self.severity.as_deref(), wanted),
            FilterKey::Security => wanted(if self.is_security() {
                "SECURITY"
            } else {
                "NONSECURITY"
            }),
            FilterKey::Version => one(self.version.as_deref(), wanted),
        }
    }

    fn is_security(&self) -> bool {
        self.classification
            .as_deref()
            .is_some_and(|c| SECURITY_CLASSES.contains(&c))
            || !self.cve_ids.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A patch with just the facts approval tests need.
    #[derive(Debug, Clone)]
    pub(crate) struct FakePatch {
        pub id: String,
        pub name: String,
        pub classification: &'static str,
        pub severity: &'static str,
        pub released: Timestamp,
    }

    impl FakePatch {
        pub fn security(name: &str, severity: &'static str, released: Timestamp) -> Self {
            FakePatch {
                id: format!("{name}.x86_64:0:1.0-{}", released.secs()),
                name: name.to_owned(),
                classification: "Security",
                severity,
                released,
            }
        }
    }

    impl PatchFacts for FakePatch {
        fn id(&self) -> &str {
            &self.id
        }

        fn released(&self) -> Option<Timestamp> {
            Some(self.released)
        }

        fn any_value(&self, key: FilterKey, wanted: &mut dyn FnMut(&str) -> bool) -> bool {
            match key {
                FilterKey::Name => wanted(&self.name),
                FilterKey::Classification => wanted(self.classification),
                FilterKey::Severity => wanted(self.severity),
                FilterKey::Product => wanted("AmazonLinux2023"),
                FilterKey::PatchId => wanted(&self.id),
                _ => false,
            }
        }

        fn is_security(&self) -> bool {
            self.classification == "Security"
        }
    }

    #[test]
    fn keys_spell_as_the_model_does() {
        for key in FilterKey::ALL {
            assert_eq!(FilterKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(FilterKey::parse("severity"), None);
    }
}
