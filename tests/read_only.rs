//! `--readonly` as an operator relies on it: nothing reaches the backend
//! that changes anything.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use sysman::app::{BackendMsg, Effect};
use sysman::fixture::Fixture;
use sysman::panes::patch::create::CreateBaseline;
use sysman_api::Operation;
use sysman_api::commands::{GetCommandOutput, ListCommandInvocations, ListCommands, SendCommand};
use sysman_api::compliance::{
    ListComplianceItems, ListComplianceSummaries, ListResourceComplianceSummaries,
};
use sysman_api::documents::{DescribeDocument, GetDocument, ListDocumentVersions, ListDocuments};
use sysman_api::fleet::{DescribeActivations, ListNodes};
use sysman_api::parameters::{DescribeParameters, GetParameter, GetParameterHistory, PutParameter};
use sysman_api::patch::{
    DescribeAvailablePatches, DescribeEffectivePatchesForPatchBaseline, DescribePatchBaselines,
    DescribePatchCounts, DescribePatchGroupState, DescribePatchGroups, DescribePatchProperties,
    GetDefaultPatchBaseline, GetPatchBaseline, UpdatePatchBaseline,
};
use sysman_backend::Caller;

/// The operations the console may send under `--readonly`: each is checked
/// to be a read, so a write cannot be let through by this list.
fn reads() -> Vec<&'static str> {
    macro_rules! reads {
        ($($op:ty),* $(,)?) => {
            vec![$({
                assert!(<$op>::READ_ONLY, "{} changes something", <$op>::NAME);
                <$op>::NAME
            }),*]
        };
    }
    reads![
        ListNodes,
        DescribeActivations,
        DescribeParameters,
        GetParameter,
        GetParameterHistory,
        ListCommands,
        ListCommandInvocations,
        GetCommandOutput,
        ListDocuments,
        DescribeDocument,
        ListDocumentVersions,
        GetDocument,
        DescribePatchBaselines,
        DescribePatchGroups,
        DescribePatchGroupState,
        GetPatchBaseline,
        GetDefaultPatchBaseline,
        DescribePatchCounts,
        DescribeAvailablePatches,
        DescribeEffectivePatchesForPatchBaseline,
        DescribePatchProperties,
        ListComplianceSummaries,
        ListResourceComplianceSummaries,
        ListComplianceItems,
    ]
}

/// Something in every pane to act on: the patch scenario's baselines,
/// groups, scans and compliance; the simulator's activation; two
/// parameters; and a command still running on one node, with output.
async fn world() -> Fixture {
    let fx = Fixture::patched(20, 11).await;
    let ops = Caller::admin("ops");
    for (name, value, kind) in [
        ("/app/db/password", "hunter2", "SecureString"),
        ("/app/web/url", "https://shop.example", "String"),
    ] {
        let put = PutParameter {
            name: name.into(),
            value: value.into(),
            r#type: Some(kind.into()),
            ..PutParameter::default()
        };
        fx.backend.call(&ops, put).await.unwrap();
    }
    fx.clock.advance(Duration::from_secs(60));
    let node = fx.sim.instance_ids().next().unwrap().to_owned();
    let send = SendCommand {
        instance_ids: Some(vec![node.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["sleep 600".to_owned()],
        )])),
        ..SendCommand::default()
    };
    fx.backend.call(&ops, send).await.unwrap();
    fx.clock.advance(Duration::from_secs(2));
    assert!(fx.reply(&node, "InProgress", -1, "sleeping\n", "").await);
    fx.backend.flush().await;
    fx
}

/// Operations by the console since audit record `from` that are not reads.
async fn writes_since(fx: &Fixture, from: usize, reads: &[&str]) -> Vec<String> {
    fx.backend.flush().await;
    let audit = fx.backend.audit_records().await.unwrap();
    audit[from..]
        .iter()
        .filter(|r| r.principal == "admin:fixture")
        .filter(|r| !reads.contains(&r.operation.as_str()))
        .map(|r| format!("{} ({})", r.operation, r.outcome))
        .collect()
}

/// The seam itself: a read-only connection sends no write, whatever asks
/// for it, and still reads.
#[tokio::test]
async fn a_read_only_connection_refuses_every_write_and_reads() {
    let fx = world().await;
    let ops = Caller::admin("ops");
    let connection = fx.connection.clone().read_only(true);
    let instance_id = fx.sim.instance_ids().next().unwrap().to_owned();
    let activation_id = fx
        .backend
        .call(&ops, DescribeActivations::default())
        .await
        .unwrap()
        .activation_list[0]
        .activation_id
        .clone();
    let command_id = fx
        .backend
        .call(&ops, ListCommands::default())
        .await
        .unwrap()
        .commands[0]
        .command_id
        .clone();
    let baseline_id = fx
        .backend
        .call(&ops, DescribePatchBaselines::default())
        .await
        .unwrap()
        .baseline_identities
        .into_iter()
        .find(|b| b.baseline_name == "prod-linux")
        .unwrap()
        .baseline_id;
    let put = PutParameter {
        name: "/app/web/url".into(),
        value: "https://other.example".into(),
        overwrite: Some(true),
        ..PutParameter::default()
    };
    let send = SendCommand {
        instance_ids: Some(vec![instance_id.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["reboot".to_owned()],
        )])),
        ..SendCommand::default()
    };
    let effects = vec![
        Effect::PutParameter {
            request: 1,
            put: Box::new(put),
        },
        Effect::LabelVersion {
            request: 2,
            name: "/app/web/url".into(),
            version: 1,
            label: "stable".into(),
        },
        Effect::DeleteParameter {
            request: 3,
            name: "/app/web/url".into(),
        },
        Effect::Deregister {
            request: 4,
            instance_id,
        },
        Effect::DeleteActivation {
            request: 5,
            activation_id,
        },
        Effect::SendCommand {
            request: 6,
            send: Box::new(send),
        },
        Effect::CancelCommand {
            request: 7,
            command_id,
        },
        Effect::UpdateBaseline {
            request: 8,
            update: Box::new(UpdatePatchBaseline {
                baseline_id: baseline_id.clone(),
                approved_patches: Some(vec!["KB1".into()]),
                ..UpdatePatchBaseline::default()
            }),
        },
        Effect::CreateBaseline {
            request: 9,
            create: Box::new(CreateBaseline {
                name: "ro-probe".into(),
                operating_system: "AMAZON_LINUX_2023".into(),
                copy_from: None,
                patch_group: Some("ro-probe".into()),
                approved_level: None,
                replaces: None,
                existing: None,
            }),
        },
        Effect::SetDefaultBaseline {
            request: 10,
            baseline_id: baseline_id.clone(),
            name: "prod-linux".into(),
        },
        Effect::DeleteBaseline {
            request: 11,
            baseline_id,
            name: "prod-linux".into(),
        },
    ];
    fx.backend.flush().await;
    let from = fx.backend.audit_records().await.unwrap().len();
    for effect in effects {
        let asked = format!("{effect:?}");
        let error = match connection.perform(effect).await {
            BackendMsg::Done { result, .. } => result.err(),
            BackendMsg::CommandSent { result, .. } => result.err().map(|e| e.to_string()),
            BackendMsg::BaselineUpdated { result, .. } => result.err(),
            BackendMsg::BaselineCreated { result, .. } => result.err().map(|e| e.text),
            other => panic!("{asked} answered {other:?}"),
        };
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("the console is read-only")),
            "{asked} was not refused: {error:?}"
        );
    }
    assert_eq!(
        writes_since(&fx, from, &reads()).await,
        Vec::<String>::new()
    );
    assert!(
        fx.backend.audit_records().await.unwrap()[from..].is_empty(),
        "a refused write is not even audited: it never left the console"
    );
    match connection
        .perform(Effect::LoadParameters { request: 12 })
        .await
    {
        BackendMsg::ParametersLoaded {
            result: Ok(list), ..
        } => assert_eq!(list.len(), 2),
        other => panic!("a read goes through: {other:?}"),
    }
}
