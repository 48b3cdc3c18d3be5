//! Service settings: account-level settings AWS defines, each with a
//! default that UpdateServiceSetting overrides and ResetServiceSetting
//! restores. Shapes follow the service model (`ServiceSetting`, ...).

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Timestamp};

/// Limits of the service model.
pub mod limits {
    /// `ServiceSettingId`: 1–1000 characters.
    pub const SETTING_ID_MAX: usize = 1000;
    /// `ServiceSettingValue`: 1–4096 characters.
    pub const SETTING_VALUE_MAX: usize = 4096;
}

/// `ServiceSetting`. `Status` is `Default` or `Customized`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceSetting {
    pub setting_id: String,
    pub setting_value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_user: Option<String>,
    #[serde(rename = "ARN")]
    pub arn: String,
    pub status: String,
}

/// `SettingId` is the setting's id (`/ssm/parameter-store/...`) or its ARN
/// (`arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetServiceSetting {
    pub setting_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetServiceSettingResult {
    pub service_setting: ServiceSetting,
}

impl Operation for GetServiceSetting {
    const NAME: &'static str = "GetServiceSetting";
    const READ_ONLY: bool = true;
    type Output = GetServiceSettingResult;

    fn resource(&self) -> String {
        service_setting_resource(&self.setting_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateServiceSetting {
    pub setting_id: String,
    pub setting_value: String,
}

impl Operation for UpdateServiceSetting {
    const NAME: &'static str = "UpdateServiceSetting";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        service_setting_resource(&self.setting_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResetServiceSetting {
    pub setting_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResetServiceSettingResult {
    pub service_setting: ServiceSetting,
}

impl Operation for ResetServiceSetting {
    const NAME: &'static str = "ResetServiceSetting";
    const READ_ONLY: bool = false;
    type Output = ResetServiceSettingResult;

    fn resource(&self) -> String {
        service_setting_resource(&self.setting_id)
    }
}

/// The part of a setting's ARN after `servicesetting`: the id itself when
/// the request gives an id.
pub fn bare_setting_id(setting_id: &str) -> &str {
    setting_id
        .strip_prefix("arn:")
        .and_then(|_| setting_id.split_once(":servicesetting"))
        .map_or(setting_id, |(_, id)| id)
}

/// The resource a service setting call acts on, as IAM names it:
/// `servicesetting/ssm/parameter-store/default-parameter-tier`.
pub fn service_setting_resource(setting_id: &str) -> String {
    format!("servicesetting{}", bare_setting_id(setting_id))
}
