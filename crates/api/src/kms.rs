//! Keys for SecureString parameters. AWS keeps these in a separate service
//! (KMS); sysman keeps its own, reached through `Sysman.` operations.

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Prefix, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    pub key_id: String,
    pub arn: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub enabled: bool,
    pub creation_date: Timestamp,
    /// How many times the key material was rotated, plus one.
    pub material_versions: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataResult {
    pub key_metadata: Option<KeyMetadata>,
}

macro_rules! key_op {
    ($name:ident, $out:ty, $read:literal) => {
        impl Operation for $name {
            const NAME: &'static str = stringify!($name);
            const PREFIX: Prefix = Prefix::Sysman;
            const READ_ONLY: bool = $read;
            type Output = $out;

            fn resource(&self) -> String {
                "key/*".to_owned()
            }
        }
    };
}

/// Creates a key, optionally with an alias (`alias/NAME`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}
key_op!(CreateKey, KeyMetadataResult, false);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeys {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeysResult {
    pub keys: Vec<KeyMetadata>,
}
key_op!(ListKeys, ListKeysResult, true);

/// A key by id, key ARN, alias or alias ARN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeKey {
    pub key_id: String,
}
key_op!(DescribeKey, KeyMetadataResult, true);

/// Gives a key another alias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAlias {
    pub alias_name: String,
    pub target_key_id: String,
}
key_op!(CreateAlias, Empty, false);

/// Adds new key material: new values use it, old ones still decrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateKey {
    pub key_id: String,
}
key_op!(RotateKey, KeyMetadataResult, false);

/// A disabled key neither encrypts nor decrypts until enabled again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisableKey {
    pub key_id: String,
}
key_op!(DisableKey, Empty, false);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnableKey {
    pub key_id: String,
}
key_op!(EnableKey, Empty, false);
