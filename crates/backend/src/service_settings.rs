//! Service settings: the account-level settings AWS defines
//! (`/ssm/parameter-store/default-parameter-tier`, ...), each with AWS's
//! default and the values AWS allows. Only a customized value is stored;
//! resetting a setting deletes its record, so it reads as its default
//! again.
//!
//! sysman acts on one of them: `default-parameter-tier` is the tier
//! PutParameter uses when a request names none. The others are kept and
//! reported only.

use std::collections::BTreeMap;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sysman_api::parameters::ParameterTier;
use sysman_api::service_settings::{
    GetServiceSetting, GetServiceSettingResult, ResetServiceSetting, ResetServiceSettingResult,
    ServiceSetting, UpdateServiceSetting, bare_setting_id, limits,
};
use sysman_api::{ApiError, Empty, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::gate::{Ctx, Handler};
use crate::store::{Change, Snapshot};
use crate::{Inner, validate};

const KIND: &str = "service_setting";

pub(crate) const DEFAULT_PARAMETER_TIER: &str = "/ssm/parameter-store/default-parameter-tier";

/// The values a setting takes.
enum Allowed {
    OneOf(&'static [&'static str]),
    /// A CloudWatch Logs log group name: `[\.\-_/#A-Za-z0-9]+`, 1–512.
    LogGroupName,
    /// An IAM role name, with its path if any: `[\w+=,.@/-]+`, 1–512.
    RoleName,
}

impl Allowed {
    fn admits(&self, value: &str) -> bool {
        match self {
            Allowed::OneOf(values) => values.contains(&value),
            Allowed::LogGroupName => {
                value.len() <= 512
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b))
            }
            Allowed::RoleName => {
                value.len() <= 512
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@/-".contains(&b))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Allowed::OneOf(values) => format!("one of {}", values.join(", ")),
            Allowed::LogGroupName => "the name of a CloudWatch Logs log group".to_owned(),
            Allowed::RoleName => "the name of an IAM role".to_owned(),
        }
    }
}

/// A setting AWS defines, with its default.
struct Definition {
    id: &'static str,
    default: &'static str,
    allowed: Allowed,
}

/// The settings of the service model's documentation, with AWS's defaults.
const DEFINITIONS: [Definition; 10] = [
    Definition {
        id: "/ssm/appmanager/appmanager-enabled",
        default: "False",
        allowed: Allowed::OneOf(&["True", "False"]),
    },
    Definition {
        id: "/ssm/automation/customer-script-log-destination",
        default: "None",
        allowed: Allowed::OneOf(&["CloudWatch"]),
    },
    Definition {
        id: "/ssm/automation/customer-script-log-group-name",
        default: "/aws/ssm/automation/executeScript",
        allowed: Allowed::LogGroupName,
    },
    Definition {
        id: "/ssm/automation/enable-adaptive-concurrency",
        default: "False",
        allowed: Allowed::OneOf(&["True", "False"]),
    },
    Definition {
        id: "/ssm/documents/console/public-sharing-permission",
        default: "Enable",
        allowed: Allowed::OneOf(&["Enable", "Disable"]),
    },
    Definition {
        id: "/ssm/managed-instance/activation-tier",
        default: "standard",
        allowed: Allowed::OneOf(&["standard", "advanced"]),
    },
    Definition {
        id: "/ssm/managed-instance/default-ec2-instance-management-role",
        default: "$None",
        allowed: Allowed::RoleName,
    },
    Definition {
        id: "/ssm/opsinsights/opscenter",
        default: "Disabled",
        allowed: Allowed::OneOf(&["Enabled", "Disabled"]),
    },
    Definition {
        id: DEFAULT_PARAMETER_TIER,
        default: "Standard",
        allowed: Allowed::OneOf(&["Standard", "Advanced", "Intelligent-Tiering"]),
    },
    Definition {
        id: "/ssm/parameter-store/high-throughput-enabled",
        default: "false",
        allowed: Allowed::OneOf(&["true", "false"]),
    },
];

/// A customized value as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Customized {
    value: String,
    modified: Timestamp,
    modified_by: String,
}

pub(crate) struct ServiceSettings {
    /// Customized values by setting id; absent ones are at their default.
    state: RwLock<BTreeMap<String, Customized>>,
}

impl Capability for ServiceSettings {
    fn load(from: &Source<'_>) -> Result<ServiceSettings, String> {
        ServiceSettings::from_records(from.snapshot)
    }

    fn replace_with(&self, fresh: ServiceSettings) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Every setting goes back to its default.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        self.state.write().clear();
        Ok(())
    }
}

impl ServiceSettings {
    fn from_records(snapshot: &Snapshot) -> Result<ServiceSettings, String> {
        let mut state = BTreeMap::new();
        for (id, body) in snapshot.get(KIND).into_iter().flatten() {
            let customized: Customized = serde_json::from_str(body)
                .map_err(|e| format!("stored service setting {id} cannot be read: {e}"))?;
            state.insert(id.clone(), customized);
        }
        Ok(ServiceSettings {
            state: RwLock::new(state),
        })
    }

    /// The tier PutParameter uses when a request names none, when it is not
    /// Standard (which is what no tier already means).
    pub fn default_parameter_tier(&self) -> Option<ParameterTier> {
        let state = self.state.read();
        let value = state.get(DEFAULT_PARAMETER_TIER)?;
        ParameterTier::parse(&value.value).filter(|t| *t != ParameterTier::Standard)
    }
}

fn not_found() -> ApiError {
    ApiError::new(
        "ServiceSettingNotFound",
        "The specified service setting wasn't found. Either the service name or the setting \
         hasn't been provisioned by the Amazon Web Services service team.",
    )
}

/// The definition a request's SettingId names, as an id or as an ARN of
/// this region and account.
fn definition(b: &Inner, setting_id: &str) -> Result<&'static Definition, ApiError> {
    validate::length(Some(setting_id), "settingId", 1, limits::SETTING_ID_MAX)?;
    let id = bare_setting_id(setting_id);
    if id != setting_id && setting_id != arn(b, id) {
        return Err(not_found());
    }
    DEFINITIONS
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(not_found)
}

fn arn(b: &Inner, id: &str) -> String {
    format!(
        "arn:aws:ssm:{}:{}:servicesetting{id}",
        b.settings.region, b.settings.account_id
    )
}

fn describe(b: &Inner, definition: &Definition, customized: Option<&Customized>) -> ServiceSetting {
    ServiceSetting {
        setting_id: definition.id.to_owned(),
        setting_value: customized
            .map_or(definition.default, |c| &c.value)
            .to_owned(),
        last_modified_date: customized.map(|c| c.modified),
        last_modified_user: customized.map(|c| c.modified_by.clone()),
        arn: arn(b, definition.id),
        status: if customized.is_some() {
            "Customized"
        } else {
            "Default"
        }
        .to_owned(),
    }
}

impl Handler for GetServiceSetting {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let definition = definition(b, &self.setting_id)?;
        let state = b.service_settings.state.read();
        Ok(GetServiceSettingResult {
            service_setting: describe(b, definition, state.get(definition.id)),
        })
    }
}

impl Handler for UpdateServiceSetting {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let definition = definition(b, &self.setting_id)?;
        let value = self.setting_value;
        validate::length(Some(&value), "settingValue", 1, limits::SETTING_VALUE_MAX)?;
        if !definition.allowed.admits(&value) {
            return Err(ApiError::validation(format!(
                "'{value}' is not a value {} takes; give {}",
                definition.id,
                definition.allowed.describe()
            )));
        }
        let customized = Customized {
            value,
            modified: ctx.now,
            modified_by: ctx.caller.arn(&b.settings.account_id),
        };
        let commit = {
            let mut state = b.service_settings.state.write();
            let change = Change::Put {
                kind: KIND,
                id: definition.id.to_owned(),
                body: serde_json::to_string(&customized).unwrap_or_default(),
            };
            state.insert(definition.id.to_owned(), customized);
            ctx.commit(&b.store, vec![change])
        };
        commit.await?;
        Ok(Empty {})
    }
}

impl Handler for ResetServiceSetting {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let definition = definition(b, &self.setting_id)?;
        let commit = {
            let mut state = b.service_settings.state.write();
            state.remove(definition.id);
            ctx.commit(
                &b.store,
                vec![Change::Delete {
                    kind: KIND,
                    id: definition.id.to_owned(),
                }],
            )
        };
        commit.await?;
        Ok(ResetServiceSettingResult {
            service_setting: describe(b, definition, None),
        })
    }
}
