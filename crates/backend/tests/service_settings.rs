//! Service settings (GetServiceSetting, UpdateServiceSetting,
//! ResetServiceSetting) through the one gate: AWS's defaults, ids and ARNs,
//! values checked per setting, resetting, surviving a restart, and the one
//! setting sysman acts on: the default parameter tier.

use sysman_api::parameters::{ParameterTier, PutParameter};
use sysman_api::service_settings::{
    GetServiceSetting, ResetServiceSetting, ServiceSetting, UpdateServiceSetting,
};
mod support;
use support::{Fx, START};

const TIER: &str = "/ssm/parameter-store/default-parameter-tier";
const THROUGHPUT: &str = "/ssm/parameter-store/high-throughput-enabled";
const TIER_ARN: &str =
    "arn:aws:ssm:us-east-1:000000000000:servicesetting/ssm/parameter-store/default-parameter-tier";
const NOT_FOUND: &str = "The specified service setting wasn't found. Either the service name or \
                         the setting hasn't been provisioned by the Amazon Web Services service \
                         team.";

impl Fx {
    async fn get(&self, id: &str) -> ServiceSetting {
        self.ok(GetServiceSetting {
            setting_id: id.to_owned(),
        })
        .await
        .service_setting
    }

    async fn update(&self, id: &str, value: &str) {
        self.ok(update(id, value)).await;
    }

    async fn put(&self, name: &str, value: &str) -> ParameterTier {
        self.ok(PutParameter {
            name: name.to_owned(),
            value: value.to_owned(),
            r#type: Some("String".into()),
            ..Default::default()
        })
        .await
        .tier
    }
}

fn update(id: &str, value: &str) -> UpdateServiceSetting {
    UpdateServiceSetting {
        setting_id: id.to_owned(),
        setting_value: value.to_owned(),
    }
}

fn reset(id: &str) -> ResetServiceSetting {
    ResetServiceSetting {
        setting_id: id.to_owned(),
    }
}

#[tokio::test]
async fn every_documented_setting_reads_as_its_default() {
    let fx = Fx::open(None);
    for (id, default) in [
        ("/ssm/appmanager/appmanager-enabled", "False"),
        ("/ssm/automation/customer-script-log-destination", "None"),
        (
            "/ssm/automation/customer-script-log-group-name",
            "/aws/ssm/automation/executeScript",
        ),
        ("/ssm/automation/enable-adaptive-concurrency", "False"),
        ("/ssm/documents/console/public-sharing-permission", "Enable"),
        ("/ssm/managed-instance/activation-tier", "standard"),
        (
            "/ssm/managed-instance/default-ec2-instance-management-role",
            "$None",
        ),
        ("/ssm/opsinsights/opscenter", "Disabled"),
        (TIER, "Standard"),
        (THROUGHPUT, "false"),
    ] {
        let setting = fx.get(id).await;
        assert_eq!(
            setting,
            ServiceSetting {
                setting_id: id.to_owned(),
                setting_value: default.to_owned(),
                last_modified_date: None,
                last_modified_user: None,
                arn: format!("arn:aws:ssm:us-east-1:000000000000:servicesetting{id}"),
                status: "Default".to_owned(),
            }
        );
    }
}

#[tokio::test]
async fn a_setting_is_updated_by_id_or_arn_and_reset() {
    let fx = Fx::open(None);
    fx.update(TIER_ARN, "Advanced").await;
    let setting = fx.get(TIER).await;
    assert_eq!(setting.setting_value, "Advanced");
    assert_eq!(setting.status, "Customized");
    assert_eq!(setting.last_modified_date, Some(START));
    assert_eq!(
        setting.last_modified_user.as_deref(),
        Some("arn:aws:iam::000000000000:user/test")
    );
    assert_eq!(
        fx.get(TIER_ARN).await,
        setting,
        "the ARN reads the same setting"
    );

    fx.update(THROUGHPUT, "true").await;
    let restored = fx.ok(reset(TIER)).await.service_setting;
    assert_eq!(restored.setting_value, "Standard");
    assert_eq!(restored.status, "Default");
    assert_eq!(fx.get(TIER).await, restored);
    assert_eq!(
        fx.get(THROUGHPUT).await.setting_value,
        "true",
        "resetting one setting leaves the others"
    );
    // Resetting a setting at its default is no error.
    fx.ok(reset(TIER)).await;

    fx.update(
        "/ssm/managed-instance/default-ec2-instance-management-role",
        "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole",
    )
    .await;
    fx.update(
        "/ssm/automation/customer-script-log-group-name",
        "/my/scripts#1",
    )
    .await;
}

#[tokio::test]
async fn unknown_settings_and_bad_values_are_refused_and_change_nothing() {
    let fx = Fx::open(None);
    fx.update(TIER, "Advanced").await;
    let before = fx.get(TIER).await;

    for id in [
        "/ssm/parameter-store/no-such-setting",
        "ssm/parameter-store/default-parameter-tier",
        // An ARN of another region or account.
        "arn:aws:ssm:eu-west-1:000000000000:servicesetting/ssm/parameter-store/default-parameter-tier",
        "arn:aws:ssm:us-east-1:111122223333:servicesetting/ssm/parameter-store/default-parameter-tier",
    ] {
        let e = fx
            .refused(
                GetServiceSetting {
                    setting_id: id.to_owned(),
                },
                "ServiceSettingNotFound",
            )
            .await;
        assert_eq!(e.message, NOT_FOUND);
        fx.refused(update(id, "Standard"), "ServiceSettingNotFound")
            .await;
        fx.refused(reset(id), "ServiceSettingNotFound").await;
    }

    let e = fx
        .refused(update(TIER, "Premium"), "ValidationException")
        .await;
    assert_eq!(
        e.message,
        "'Premium' is not a value /ssm/parameter-store/default-parameter-tier takes; give one \
         of Standard, Advanced, Intelligent-Tiering"
    );
    fx.refused(update(THROUGHPUT, "True"), "ValidationException")
        .await;
    fx.refused(
        update("/ssm/automation/customer-script-log-destination", "S3"),
        "ValidationException",
    )
    .await;
    fx.refused(
        update(
            "/ssm/managed-instance/default-ec2-instance-management-role",
            "my role",
        ),
        "ValidationException",
    )
    .await;
    let e = fx.refused(update(TIER, ""), "ValidationException").await;
    assert_eq!(
        e.message,
        "1 validation error detected: Value '' at 'settingValue' failed to satisfy constraint: \
         Member must have length between 1 and 4096"
    );
    let e = fx
        .refused(
            GetServiceSetting {
                setting_id: String::new(),
            },
            "ValidationException",
        )
        .await;
    assert!(e.message.contains("'settingId'"), "{e}");
    assert_eq!(fx.get(TIER).await, before);
    assert_eq!(fx.get(THROUGHPUT).await.status, "Default");
}

#[tokio::test]
async fn settings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let fx = Fx::open(Some(dir.path()));
        fx.update(TIER, "Intelligent-Tiering").await;
        fx.update(THROUGHPUT, "true").await;
        fx.ok(reset(THROUGHPUT)).await;
        fx.backend.flush().await;
        fx.get(TIER).await
    };
    let fx = Fx::open(Some(dir.path()));
    assert_eq!(fx.get(TIER).await, before);
    assert_eq!(fx.get(THROUGHPUT).await.status, "Default");
}

#[tokio::test]
async fn put_parameter_uses_the_default_tier_when_it_names_none() {
    let fx = Fx::open(None);
    let big = "x".repeat(5000);
    assert_eq!(fx.put("/small", "v").await, ParameterTier::Standard);
    fx.refused(
        PutParameter {
            name: "/big".into(),
            value: big.clone(),
            r#type: Some("String".into()),
            ..Default::default()
        },
        "ValidationException",
    )
    .await;

    // Intelligent-Tiering: Standard while the value fits, else Advanced.
    fx.update(TIER, "Intelligent-Tiering").await;
    assert_eq!(fx.put("/small-2", "v").await, ParameterTier::Standard);
    assert_eq!(fx.put("/big", &big).await, ParameterTier::Advanced);

    fx.update(TIER, "Advanced").await;
    assert_eq!(fx.put("/advanced", "v").await, ParameterTier::Advanced);
    // A tier named in the request wins.
    let named = fx
        .ok(PutParameter {
            name: "/named".into(),
            value: "v".into(),
            r#type: Some("String".into()),
            tier: Some("Standard".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(named.tier, ParameterTier::Standard);

    fx.ok(reset(TIER)).await;
    assert_eq!(fx.put("/small-3", "v").await, ParameterTier::Standard);
    // An Advanced parameter stays Advanced when updated without a tier.
    let updated = fx
        .ok(PutParameter {
            name: "/advanced".into(),
            value: "w".into(),
            overwrite: Some(true),
            ..Default::default()
        })
        .await;
    assert_eq!(updated.tier, ParameterTier::Advanced);
}
