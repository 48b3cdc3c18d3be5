//! AWS's node inventory (AmazonSSM.ListNodes, ListNodesSummary) and
//! DescribeInstanceProperties through the one gate: nodes as each shows
//! them, filters with each operator, pages, counts by one and two
//! attributes, and refused requests.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::fleet::{
    CreateActivation, DescribeInstanceProperties, InstancePropertyFilter,
    InstancePropertyStringFilter, ListManagedNodes, ListNodesSummary, ManagedNode, NodeAggregator,
    NodeFilter, PlatformType, RegisterNode,
};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200);

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn new() -> Self {
        let clock = ManualClock::new(START);
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(42),
            ..Options::default()
        };
        Self {
            clock,
            backend: Backend::open_in_memory(options).unwrap(),
            admin: Caller::admin("test"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn refused<O: Handler>(&self, op: O, code: &str) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{} refused with {e}", O::NAME);
        e
    }

    async fn node(&self, platform: PlatformType, name: &str, agent: &str) -> String {
        let activation = self
            .ok(CreateActivation {
                iam_role: "SSMServiceRole".into(),
                ..Default::default()
            })
            .await;
        let op = RegisterNode {
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            platform_type: Some(platform),
            platform_name: Some(name.to_owned()),
            agent_version: Some(agent.to_owned()),
            computer_name: Some(format!("{name}-host")),
            ..Default::default()
        };
        self.backend
            .call(&Caller::Anonymous, op)
            .await
            .unwrap()
            .instance_id
    }

    /// Three Ubuntu nodes, one Amazon Linux node and one Windows node.
    async fn fleet(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(self.node(PlatformType::Linux, "Ubuntu", "3.3.1611.0").await);
        }
        ids.push(
            self.node(PlatformType::Linux, "Amazon Linux", "3.2.582.0")
                .await,
        );
        ids.push(
            self.node(
                PlatformType::Windows,
                "Microsoft Windows Server 2022",
                "3.3.1611.0",
            )
            .await,
        );
        ids
    }

    async fn all(&self, mut op: ListManagedNodes) -> Vec<ManagedNode> {
        let mut all = Vec::new();
        loop {
            let page = self.ok(op.clone()).await;
            all.extend(page.nodes);
            match page.next_token {
                Some(t) => op.next_token = Some(t),
                None => return all,
            }
        }
    }

    async fn ids(&self, filters: Vec<NodeFilter>) -> Vec<String> {
        let mut ids: Vec<String> = self
            .all(ListManagedNodes {
                filters: Some(filters),
                ..Default::default()
            })
            .await
            .into_iter()
            .map(|n| n.id)
            .collect();
        ids.sort();
        ids
    }
}

fn filter(key: &str, values: &[&str], op: Option<&str>) -> NodeFilter {
    NodeFilter {
        key: key.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        r#type: op.map(str::to_owned),
    }
}

fn count_by(attribute: &str) -> NodeAggregator {
    NodeAggregator {
        aggregator_type: "Count".into(),
        type_name: "Instance".into(),
        attribute_name: attribute.into(),
        aggregators: None,
    }
}

fn line(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn nodes_are_listed_as_the_inventory_shows_them() {
    let fx = Fx::new();
    let ids = fx.fleet().await;
    let nodes = fx.all(ListManagedNodes::default()).await;
    assert_eq!(nodes.len(), 5);
    let windows = nodes.iter().find(|n| n.id == ids[4]).unwrap();
    assert_eq!(windows.owner.account_id, "000000000000");
    assert_eq!(windows.region, "us-east-1");
    assert_eq!(windows.capture_time, START);
    let info = &windows.node_type.instance;
    assert_eq!(info.platform_type, Some(PlatformType::Windows));
    assert_eq!(
        info.platform_name.as_deref(),
        Some("Microsoft Windows Server 2022")
    );
    assert_eq!(info.instance_status, "Online");
    assert_eq!(info.managed_status, "Managed");
    assert_eq!(info.resource_type, "ManagedInstance");
    assert_eq!(
        info.computer_name.as_deref(),
        Some("Microsoft Windows Server 2022-host")
    );

    // Pages of two, each node once.
    let mut op = ListManagedNodes {
        max_results: Some(2),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = fx.ok(op.clone()).await;
        pages += 1;
        assert!(page.nodes.len() <= 2);
        seen.extend(page.nodes.into_iter().map(|n| n.id));
        match page.next_token {
            Some(t) => op.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(sorted(seen), sorted(ids));
}

#[tokio::test]
async fn filters_select_nodes_with_each_operator() {
    let fx = Fx::new();
    let ids = fx.fleet().await;
    let ubuntu = sorted(ids[..3].to_vec());
    assert_eq!(
        fx.ids(vec![filter("PlatformName", &["Ubuntu"], None)])
            .await,
        ubuntu
    );
    assert_eq!(
        fx.ids(vec![filter("PlatformType", &["Linux"], Some("NotEqual"))])
            .await,
        [ids[4].clone()]
    );
    assert_eq!(
        fx.ids(vec![filter(
            "PlatformName",
            &["Amazon", "Micro"],
            Some("BeginWith")
        )])
        .await,
        sorted(ids[3..].to_vec())
    );
    assert_eq!(
        fx.ids(vec![
            filter("PlatformType", &["Linux"], Some("Equal")),
            filter("AgentVersion", &["3.3.1611.0"], None),
        ])
        .await,
        ubuntu
    );
    assert_eq!(
        fx.ids(vec![filter("ManagedStatus", &["All"], None)])
            .await
            .len(),
        5
    );
    assert_eq!(
        fx.ids(vec![filter("ResourceType", &["EC2Instance"], None)])
            .await
            .len(),
        0
    );
    assert_eq!(
        fx.ids(vec![filter("InstanceId", &[&ids[1]], None)]).await,
        [ids[1].clone()]
    );

    fx.clock.advance(Duration::from_secs(600));
    assert_eq!(
        fx.ids(vec![filter("InstanceStatus", &["ConnectionLost"], None)])
            .await
            .len(),
        5
    );
}

#[tokio::test]
async fn nodes_are_counted_by_one_attribute_or_two() {
    let fx = Fx::new();
    fx.fleet().await;
    let summary = fx
        .ok(ListNodesSummary {
            aggregators: vec![count_by("PlatformType")],
            ..Default::default()
        })
        .await
        .summary;
    assert_eq!(
        summary,
        [
            line(&[("PlatformType", "Linux"), ("Count", "4")]),
            line(&[("PlatformType", "Windows"), ("Count", "1")]),
        ]
    );

    let nested = fx
        .ok(ListNodesSummary {
            aggregators: vec![NodeAggregator {
                aggregators: Some(vec![count_by("AgentVersion")]),
                ..count_by("PlatformType")
            }],
            filters: Some(vec![filter("PlatformType", &["Linux"], None)]),
            ..Default::default()
        })
        .await
        .summary;
    assert_eq!(
        nested,
        [
            line(&[
                ("PlatformType", "Linux"),
                ("AgentVersion", "3.2.582.0"),
                ("Count", "1")
            ]),
            line(&[
                ("PlatformType", "Linux"),
                ("AgentVersion", "3.3.1611.0"),
                ("Count", "3")
            ]),
        ]
    );

    let both = fx
        .ok(ListNodesSummary {
            aggregators: vec![count_by("Region"), count_by("ResourceType")],
            max_results: Some(1),
            ..Default::default()
        })
        .await;
    assert_eq!(
        both.summary,
        [line(&[("Region", "us-east-1"), ("Count", "5")])]
    );
    let rest = fx
        .ok(ListNodesSummary {
            aggregators: vec![count_by("Region"), count_by("ResourceType")],
            max_results: Some(1),
            next_token: both.next_token,
            ..Default::default()
        })
        .await;
    assert_eq!(
        rest.summary,
        [line(&[("ResourceType", "ManagedInstance"), ("Count", "5")])]
    );
    assert_eq!(rest.next_token, None);
}

#[tokio::test]
async fn bad_filters_and_aggregators_are_refused() {
    let fx = Fx::new();
    fx.fleet().await;
    let e = fx
        .refused(
            ListManagedNodes {
                filters: Some(vec![filter("Colour", &["red"], None)]),
                ..Default::default()
            },
            "ValidationException",
        )
        .await;
    assert!(
        e.message
            .contains("Value 'Colour' at 'filters.1.member.key'"),
        "{e}"
    );
    fx.refused(
        ListManagedNodes {
            filters: Some(vec![filter("PlatformType", &["Linux"], Some("Like"))]),
            ..Default::default()
        },
        "ValidationException",
    )
    .await;
    fx.refused(
        ListManagedNodes {
            filters: Some(vec![filter("PlatformType", &[], None)]),
            ..Default::default()
        },
        "ValidationException",
    )
    .await;
    fx.refused(
        ListManagedNodes {
            sync_name: Some("org-sync".into()),
            ..Default::default()
        },
        "ResourceDataSyncNotFoundException",
    )
    .await;
    fx.refused(
        ListNodesSummary {
            aggregators: vec![count_by("ComputerName")],
            ..Default::default()
        },
        "ValidationException",
    )
    .await;
    fx.refused(ListNodesSummary::default(), "ValidationException")
        .await;
    fx.refused(
        ListNodesSummary {
            aggregators: vec![NodeAggregator {
                aggregators: Some(vec![NodeAggregator {
                    aggregators: Some(vec![count_by("Region")]),
                    ..count_by("AgentVersion")
                }]),
                ..count_by("PlatformType")
            }],
            ..Default::default()
        },
        "InvalidAggregatorException",
    )
    .await;
    fx.refused(
        ListNodesSummary {
            aggregators: vec![NodeAggregator {
                aggregators: Some(vec![count_by("PlatformType")]),
                ..count_by("PlatformType")
            }],
            ..Default::default()
        },
        "InvalidAggregatorException",
    )
    .await;
}

async fn property_ids(fx: &Fx, mut op: DescribeInstanceProperties) -> Vec<String> {
    let mut ids = Vec::new();
    loop {
        let page = fx.ok(op.clone()).await;
        assert!(page.instance_properties.len() <= op.max_results.unwrap_or(10) as usize);
        ids.extend(page.instance_properties.into_iter().map(|p| p.instance_id));
        match page.next_token {
            Some(t) => op.next_token = Some(t),
            None => return sorted(ids),
        }
    }
}

fn with_operator(key: &str, values: &[&str], operator: &str) -> DescribeInstanceProperties {
    DescribeInstanceProperties {
        filters_with_operator: Some(vec![InstancePropertyStringFilter {
            key: key.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            operator: Some(operator.to_owned()),
        }]),
        ..Default::default()
    }
}

#[tokio::test]
async fn instance_properties_are_described_and_filtered() {
    let fx = Fx::new();
    let ids = fx.fleet().await;
    let page = fx
        .ok(DescribeInstanceProperties {
            max_results: Some(5),
            ..Default::default()
        })
        .await;
    assert_eq!(page.instance_properties.len(), 5);
    let windows = page
        .instance_properties
        .iter()
        .find(|p| p.instance_id == ids[4])
        .unwrap();
    assert_eq!(windows.platform_type, Some(PlatformType::Windows));
    assert_eq!(windows.iam_role.as_deref(), Some("SSMServiceRole"));
    assert_eq!(windows.resource_type, "ManagedInstance");
    assert_eq!(windows.last_ping_date_time, Some(START));

    let list = DescribeInstanceProperties {
        instance_property_filter_list: Some(vec![InstancePropertyFilter {
            key: "PlatformTypes".into(),
            value_set: vec!["Windows".into()],
        }]),
        ..Default::default()
    };
    assert_eq!(property_ids(&fx, list).await, [ids[4].clone()]);
    assert_eq!(
        property_ids(&fx, with_operator("AgentVersion", &["3.3.0.0"], "LessThan")).await,
        [ids[3].clone()]
    );
    assert_eq!(
        property_ids(
            &fx,
            with_operator("AgentVersion", &["3.3.0.0"], "GreaterThan")
        )
        .await,
        sorted(vec![
            ids[0].clone(),
            ids[1].clone(),
            ids[2].clone(),
            ids[4].clone()
        ])
    );
    assert_eq!(
        property_ids(&fx, with_operator("PlatformTypes", &["Linux"], "NotEqual")).await,
        [ids[4].clone()]
    );
    assert_eq!(
        property_ids(&fx, with_operator("IamRole", &["SSM"], "BeginWith"))
            .await
            .len(),
        5
    );
    assert!(
        property_ids(
            &fx,
            with_operator("AssociationStatus", &["Success"], "Equal")
        )
        .await
        .is_empty()
    );
    let paged = DescribeInstanceProperties {
        max_results: Some(5),
        ..Default::default()
    };
    assert_eq!(property_ids(&fx, paged).await, sorted(ids));
}

#[tokio::test]
async fn bad_property_filters_are_refused() {
    let fx = Fx::new();
    fx.fleet().await;
    fx.refused(
        with_operator("Colour", &["red"], "Equal"),
        "InvalidFilterKey",
    )
    .await;
    fx.refused(
        with_operator("PingStatus", &["Asleep"], "Equal"),
        "InvalidInstancePropertyFilterValue",
    )
    .await;
    fx.refused(
        with_operator("InstanceIds", &["node-1"], "Equal"),
        "InvalidInstanceId",
    )
    .await;
    fx.refused(
        with_operator("AgentVersion", &["1.0", "2.0"], "LessThan"),
        "InvalidInstancePropertyFilterValue",
    )
    .await;
    fx.refused(
        with_operator("AgentVersion", &["1.0"], "Like"),
        "ValidationException",
    )
    .await;
    fx.refused(
        DescribeInstanceProperties {
            max_results: Some(4),
            ..Default::default()
        },
        "ValidationException",
    )
    .await;
    let both = DescribeInstanceProperties {
        instance_property_filter_list: Some(vec![InstancePropertyFilter {
            key: "PlatformTypes".into(),
            value_set: vec!["Linux".into()],
        }]),
        ..with_operator("PlatformTypes", &["Linux"], "Equal")
    };
    fx.refused(both, "ValidationException").await;
}
