use serde::{Deserialize, Serialize};

/// A key-value pair attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Selects nodes by id or by tag (`tag:Environment` = `prod`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub key: String,
    pub values: Vec<String>,
}

/// What a [`Target`] selects nodes by, as its key says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKey<'a> {
    /// `InstanceIds`: the values are node ids.
    InstanceIds,
    /// `tag:Name`: nodes whose tag `Name` has one of the values.
    Tag(&'a str),
    /// `tag-key`: nodes with a tag whose key is one of the values.
    TagKey,
}

impl Target {
    /// What the key selects by; `None` for a key sysman does not resolve.
    pub fn selects_by(&self) -> Option<TargetKey<'_>> {
        if self.key == "InstanceIds" {
            Some(TargetKey::InstanceIds)
        } else if let Some(name) = self.key.strip_prefix("tag:") {
            Some(TargetKey::Tag(name))
        } else if self.key == "tag-key" {
            Some(TargetKey::TagKey)
        } else {
            None
        }
    }
}

/// The empty output `{}` of operations that return nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_keys_select_by_id_tag_or_tag_key() {
        let by = |key: &str| {
            let target = Target {
                key: key.to_owned(),
                values: Vec::new(),
            };
            target.selects_by().map(|k| format!("{k:?}"))
        };
        assert_eq!(by("InstanceIds").as_deref(), Some("InstanceIds"));
        assert_eq!(by("tag:Role").as_deref(), Some("Tag(\"Role\")"));
        assert_eq!(by("tag:").as_deref(), Some("Tag(\"\")"));
        assert_eq!(by("tag-key").as_deref(), Some("TagKey"));
        for other in [
            "instanceids",
            "Tag:Role",
            "tag-value",
            "resource-groups:Name",
            "",
        ] {
            assert_eq!(by(other), None, "{other}");
        }
    }
}
