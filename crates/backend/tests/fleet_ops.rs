//! Every fleet operation through the one gate, as a user of the
//! AWS-compatible API notices it: DescribeInstanceInformation with both
//! filter lists and its pages, hybrid activations, registration, heartbeats,
//! deregistration and node tags; then the audit trail and the change events.
//!
//! Every refused request is checked three ways: the exact error code, a
//! message that names what was wrong, and a store left exactly as it was
//! (every node with its tags, every activation with its counts).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sysman_api::fleet::{
    Activation, AddTagsToResource, CreateActivation, CreateActivationResult, DeleteActivation,
    DeregisterManagedInstance, DescribeActivations, DescribeActivationsFilter,
    DescribeInstanceInformation, InstanceInformation, InstanceInformationFilter,
    InstanceInformationStringFilter, ListNodes, ListTagsForResource, NodeSummary, PingStatus,
    PlatformType, RegisterNode, RegisterNodeResult, RemoveTagsFromResource,
    UpdateInstanceInformation,
};
use sysman_api::{ApiError, Tag, Timestamp};
use sysman_backend::fleet::LATEST_AGENT_VERSION;
use sysman_backend::{Backend, Caller, Event, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z
const DAY: i64 = 86_400;
const OLD_AGENT: &str = "3.2.582.0";
/// Well formed, but no node has it.
const UNKNOWN_NODE: &str = "mi-0000000000000000f";
/// A lowercase UUID no activation has.
const UNKNOWN_ACTIVATION: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

// ---------------------------------------------------------------------------
// Request builders

fn strs(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::new(key, value)
}

/// DescribeInstanceInformation with the older `InstanceInformationFilterList`.
fn by_list(filters: &[(&str, &[&str])]) -> DescribeInstanceInformation {
    DescribeInstanceInformation {
        instance_information_filter_list: Some(
            filters
                .iter()
                .map(|(key, values)| InstanceInformationFilter {
                    key: (*key).to_owned(),
                    value_set: strs(values),
                })
                .collect(),
        ),
        ..Default::default()
    }
}

/// DescribeInstanceInformation with the newer `Filters`.
fn by_filters(filters: &[(&str, &[&str])]) -> DescribeInstanceInformation {
    DescribeInstanceInformation {
        filters: Some(
            filters
                .iter()
                .map(|(key, values)| InstanceInformationStringFilter {
                    key: (*key).to_owned(),
                    values: strs(values),
                })
                .collect(),
        ),
        ..Default::default()
    }
}

fn pages_of(max: i64, req: DescribeInstanceInformation) -> DescribeInstanceInformation {
    DescribeInstanceInformation {
        max_results: Some(max),
        ..req
    }
}

fn activations_by(filters: &[(&str, &[&str])]) -> DescribeActivations {
    DescribeActivations {
        filters: Some(
            filters
                .iter()
                .map(|(key, values)| DescribeActivationsFilter {
                    filter_key: Some((*key).to_owned()),
                    filter_values: Some(strs(values)),
                })
                .collect(),
        ),
        ..Default::default()
    }
}

fn role(iam_role: &str) -> CreateActivation {
    CreateActivation {
        iam_role: iam_role.to_owned(),
        ..Default::default()
    }
}

fn add_tags(resource_type: &str, id: &str, tags: Vec<Tag>) -> AddTagsToResource {
    AddTagsToResource {
        resource_type: resource_type.to_owned(),
        resource_id: id.to_owned(),
        tags,
    }
}

fn remove_tags(resource_type: &str, id: &str, keys: &[&str]) -> RemoveTagsFromResource {
    RemoveTagsFromResource {
        resource_type: resource_type.to_owned(),
        resource_id: id.to_owned(),
        tag_keys: strs(keys),
    }
}

fn list_tags(resource_type: &str, id: &str) -> ListTagsForResource {
    ListTagsForResource {
        resource_type: resource_type.to_owned(),
        resource_id: id.to_owned(),
    }
}

fn heartbeat(id: &str) -> UpdateInstanceInformation {
    UpdateInstanceInformation {
        instance_id: id.to_owned(),
        ..Default::default()
    }
}

fn deregister(id: &str) -> DeregisterManagedInstance {
    DeregisterManagedInstance {
        instance_id: id.to_owned(),
    }
}

fn is_node_id(id: &str) -> bool {
    id.strip_prefix("mi-").is_some_and(|hex| {
        hex.len() == 17 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn ids_of(list: &[InstanceInformation]) -> BTreeSet<String> {
    list.iter().map(|i| i.instance_id.clone()).collect()
}

// ---------------------------------------------------------------------------
// Listings that come in pages

trait Paged: Handler + Clone {
    type Item;
    fn page_size(&self) -> Option<i64>;
    fn resume(&mut self, token: String);
    fn split(out: Self::Output) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! paged {
    ($op:ty, $item:ty, $list:ident) => {
        impl Paged for $op {
            type Item = $item;
            fn page_size(&self) -> Option<i64> {
                self.max_results
            }
            fn resume(&mut self, token: String) {
                self.next_token = Some(token);
            }
            fn split(out: Self::Output) -> (Vec<$item>, Option<String>) {
                (out.$list, out.next_token)
            }
        }
    };
}

paged!(ListNodes, NodeSummary, nodes);
paged!(DescribeActivations, Activation, activation_list);
paged!(
    DescribeInstanceInformation,
    InstanceInformation,
    instance_information_list
);

// ---------------------------------------------------------------------------
// The fixture: a backend on a manual clock with seeded ids

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn new() -> Self {
        Self::open(None, ManualClock::new(START))
    }

    /// A backend whose store lives in `dir`, or in memory.
    fn open(dir: Option<&Path>, clock: ManualClock) -> Self {
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(42),
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        Self {
            clock,
            backend,
            admin: Caller::admin("test"),
        }
    }

    fn advance_secs(&self, secs: i64) {
        self.clock
            .advance(Duration::from_secs(secs.try_into().unwrap()));
    }

    async fn ok_as<O: Handler>(&self, caller: &Caller, op: O) -> O::Output {
        match self.backend.call(caller, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        self.ok_as(&self.admin, op).await
    }

    /// Every item of a listing, page by page; checks the page size and that
    /// no item comes twice. Returns the items and how many pages there were.
    async fn walk<O: Paged>(&self, mut op: O) -> (Vec<O::Item>, usize)
    where
        O::Item: std::fmt::Debug + PartialEq,
    {
        let mut items: Vec<O::Item> = Vec::new();
        let mut pages = 0;
        loop {
            let (page, token) = O::split(self.ok(op.clone()).await);
            pages += 1;
            if let Some(max) = op.page_size() {
                assert!(
                    page.len() <= max as usize,
                    "a page of {} > {max}",
                    page.len()
                );
            }
            for item in page {
                assert!(!items.contains(&item), "{item:?} was listed twice");
                items.push(item);
            }
            match token {
                Some(token) => op.resume(token),
                None => return (items, pages),
            }
        }
    }

    async fn ids(&self, req: DescribeInstanceInformation) -> BTreeSet<String> {
        ids_of(&self.walk(req).await.0)
    }

    async fn info(&self, id: &str) -> InstanceInformation {
        let (mut found, _) = self.walk(by_filters(&[("InstanceIds", &[id])])).await;
        assert_eq!(found.len(), 1, "{id} not listed once");
        found.remove(0)
    }

    async fn nodes(&self) -> Vec<NodeSummary> {
        let op = ListNodes {
            max_results: Some(4),
            next_token: None,
        };
        self.walk(op).await.0
    }

    async fn node(&self, id: &str) -> Option<NodeSummary> {
        self.nodes()
            .await
            .into_iter()
            .find(|n| n.info.instance_id == id)
    }

    async fn activations(&self) -> Vec<Activation> {
        let op = DescribeActivations {
            max_results: Some(3),
            ..Default::default()
        };
        self.walk(op).await.0
    }

    async fn activation(&self, id: &str) -> Activation {
        let (mut found, _) = self.walk(activations_by(&[("ActivationIds", &[id])])).await;
        assert_eq!(found.len(), 1, "{id} not listed once");
        found.remove(0)
    }

    async fn tags(&self, id: &str) -> Vec<Tag> {
        self.ok(list_tags("ManagedInstance", id)).await.tag_list
    }

    async fn register(
        &self,
        a: &CreateActivationResult,
        report: RegisterNode,
    ) -> RegisterNodeResult {
        let op = RegisterNode {
            activation_id: a.activation_id.clone(),
            activation_code: a.activation_code.clone(),
            ..report
        };
        self.ok_as(&Caller::Anonymous, op).await
    }

    /// A node registered through an activation of its own that tags it
    /// Environment=prod and Team=web and names it `web`.
    async fn one_node(&self) -> String {
        let activation = self
            .ok(CreateActivation {
                default_instance_name: Some("web".into()),
                tags: Some(vec![tag("Team", "web"), tag("Environment", "prod")]),
                ..role("SSMServiceRole")
            })
            .await;
        let report = RegisterNode {
            platform_type: Some(PlatformType::Linux),
            platform_name: Some("Ubuntu".into()),
            agent_version: Some(LATEST_AGENT_VERSION.into()),
            ..Default::default()
        };
        self.register(&activation, report).await.instance_id
    }

    /// Everything a user can see of the store.
    async fn state(&self) -> (Vec<NodeSummary>, Vec<Activation>) {
        (self.nodes().await, self.activations().await)
    }

    /// Calls `op` as `caller`, which must fail with `code` and a message
    /// naming each of `names`, and change nothing.
    async fn refused<O: Handler>(
        &self,
        caller: &Caller,
        op: O,
        code: &str,
        names: &[&str],
    ) -> ApiError {
        let before = self.state().await;
        let Err(err) = self.backend.call(caller, op).await else {
            panic!("{} succeeded; expected {code}", O::NAME);
        };
        assert_eq!(err.code, code, "{} gave {err}", O::NAME);
        for name in names {
            assert!(
                err.message.contains(name),
                "the message of {} does not name {name:?}: {err}",
                O::NAME
            );
        }
        assert_eq!(
            self.state().await,
            before,
            "a refused {} changed the store",
            O::NAME
        );
        err
    }

    async fn refuse<O: Handler>(&self, op: O, code: &str, names: &[&str]) -> ApiError {
        self.refused(&self.admin, op, code, names).await
    }

    /// The same refusal from AddTagsToResource, RemoveTagsFromResource and
    /// ListTagsForResource.
    async fn refuse_tag_ops(&self, resource_type: &str, id: &str, code: &str, names: &[&str]) {
        let add = add_tags(resource_type, id, vec![tag("Owner", "alice")]);
        self.refuse(add, code, names).await;
        let remove = remove_tags(resource_type, id, &["Environment"]);
        self.refuse(remove, code, names).await;
        self.refuse(list_tags(resource_type, id), code, names).await;
    }
}

// ---------------------------------------------------------------------------
// A small fleet to filter: 14 nodes from two activations

const FLEET_SIZE: usize = 14;

#[derive(Debug, Clone)]
struct Member {
    id: String,
    prod: bool,
    platform: PlatformType,
    agent: &'static str,
    online: bool,
}

struct TestFleet {
    fx: Fx,
    prod: CreateActivationResult,
    members: Vec<Member>,
}

impl TestFleet {
    /// Even nodes come from the prod activation (Environment=prod, Team=web,
    /// ProdRole, named `web`), odd ones from dev (Environment=dev, DevRole).
    /// Platforms rotate Windows, Linux, MacOS; nodes 10.. run an old agent;
    /// every fourth node stopped reporting and is ConnectionLost.
    async fn new() -> Self {
        let fx = Fx::new();
        let prod = fx
            .ok(CreateActivation {
                default_instance_name: Some("web".into()),
                registration_limit: Some(20),
                tags: Some(vec![tag("Environment", "prod"), tag("Team", "web")]),
                ..role("ProdRole")
            })
            .await;
        let dev = fx
            .ok(CreateActivation {
                registration_limit: Some(20),
                tags: Some(vec![tag("Environment", "dev")]),
                ..role("DevRole")
            })
            .await;
        let mut members = Vec::new();
        for i in 0..FLEET_SIZE {
            let platform = PlatformType::ALL[i % 3];
            let agent = if i < 10 {
                LATEST_AGENT_VERSION
            } else {
                OLD_AGENT
            };
            let report = RegisterNode {
                platform_type: Some(platform),
                agent_version: Some(agent.into()),
                computer_name: Some(format!("host-{i:02}")),
                ..Default::default()
            };
            let activation = if i % 2 == 0 { &prod } else { &dev };
            let id = fx.register(activation, report).await.instance_id;
            members.push(Member {
                id,
                prod: i % 2 == 0,
                platform,
                agent,
                online: i % 4 != 0,
            });
        }
        // Four heartbeat intervals later only the nodes that reported are Online.
        fx.clock
            .advance(fx.backend.fleet_config().heartbeat_interval * 4);
        for m in members.iter().filter(|m| m.online) {
            fx.ok_as(&Caller::node(&m.id), heartbeat(&m.id)).await;
        }
        Self { fx, prod, members }
    }

    fn expect(&self, keep: impl Fn(&Member) -> bool) -> BTreeSet<String> {
        self.members
            .iter()
            .filter(|m| keep(m))
            .map(|m| m.id.clone())
            .collect()
    }

    /// Each request, walked in pages of 5, lists exactly the expected nodes.
    async fn check(&self, cases: Vec<Case>) {
        for (req, keep) in cases {
            let expected = self.expect(keep);
            let got = self.fx.ids(pages_of(5, req.clone())).await;
            assert_eq!(got, expected, "{req:?}");
        }
    }
}

type Case = (DescribeInstanceInformation, Box<dyn Fn(&Member) -> bool>);

fn case(req: DescribeInstanceInformation, keep: impl Fn(&Member) -> bool + 'static) -> Case {
    (req, Box::new(keep))
}

// ---------------------------------------------------------------------------
// DescribeInstanceInformation

#[tokio::test]
async fn the_older_filter_list_selects_nodes() {
    let fleet = TestFleet::new().await;
    let (a, b) = (fleet.members[0].id.clone(), fleet.members[5].id.clone());
    let (ida, idb) = (a.clone(), b.clone());
    let prod = fleet.prod.activation_id.clone();
    fleet
        .check(vec![
            case(by_list(&[("PingStatus", &["ConnectionLost"])]), |m| {
                !m.online
            }),
            case(
                by_list(&[("PingStatus", &["Online", "ConnectionLost"])]),
                |_| true,
            ),
            case(by_list(&[("PingStatus", &["Inactive"])]), |_| false),
            case(by_list(&[("PlatformTypes", &["Windows", "MacOS"])]), |m| {
                m.platform != PlatformType::Linux
            }),
            case(by_list(&[("ActivationIds", &[prod.as_str()])]), |m| m.prod),
            case(by_list(&[("IamRole", &["DevRole"])]), |m| !m.prod),
            case(by_list(&[("AgentVersion", &[OLD_AGENT])]), |m| {
                m.agent == OLD_AGENT
            }),
            case(
                by_list(&[("InstanceIds", &[a.as_str(), b.as_str()])]),
                move |m| m.id == ida || m.id == idb,
            ),
            case(by_list(&[("ResourceType", &["ManagedInstance"])]), |_| true),
            case(by_list(&[("ResourceType", &["EC2Instance"])]), |_| false),
            case(by_list(&[("AssociationStatus", &["Success"])]), |_| false),
            case(
                by_list(&[("PingStatus", &["Online"]), ("PlatformTypes", &["Linux"])]),
                |m| m.online && m.platform == PlatformType::Linux,
            ),
        ])
        .await;
}

#[tokio::test]
async fn the_newer_filters_select_nodes_by_tag_and_attribute() {
    let fleet = TestFleet::new().await;
    let a = fleet.members[3].id.clone();
    let ida = a.clone();
    fleet
        .check(vec![
            case(by_filters(&[("tag:Environment", &["prod"])]), |m| m.prod),
            case(by_filters(&[("tag:Environment", &["prod", "dev"])]), |_| {
                true
            }),
            case(by_filters(&[("tag:Environment", &["staging"])]), |_| false),
            case(by_filters(&[("tag:Team", &["web"])]), |m| m.prod),
            case(by_filters(&[("tag-key", &["Team"])]), |m| m.prod),
            case(by_filters(&[("tag-key", &["Team", "Environment"])]), |_| {
                true
            }),
            case(by_filters(&[("tag-key", &["Owner"])]), |_| false),
            case(
                by_filters(&[("tag:Environment", &["prod"]), ("tag-key", &["Team"])]),
                |m| m.prod,
            ),
            case(
                by_filters(&[("tag:Environment", &["dev"]), ("tag:Team", &["web"])]),
                |_| false,
            ),
            case(by_filters(&[("PingStatus", &["Online"])]), |m| m.online),
            case(by_filters(&[("PlatformTypes", &["Linux"])]), |m| {
                m.platform == PlatformType::Linux
            }),
            case(
                by_filters(&[("ResourceType", &["ManagedInstance"])]),
                |_| true,
            ),
            case(
                by_filters(&[("AgentVersion", &[LATEST_AGENT_VERSION])]),
                |m| m.agent == LATEST_AGENT_VERSION,
            ),
            case(by_filters(&[("InstanceIds", &[a.as_str()])]), move |m| {
                m.id == ida
            }),
            case(
                by_filters(&[
                    ("PingStatus", &["ConnectionLost"]),
                    ("PlatformTypes", &["MacOS"]),
                ]),
                |m| !m.online && m.platform == PlatformType::MacOS,
            ),
        ])
        .await;

    // What a node looks like in the listing.
    let fx = &fleet.fx;
    let web = fx.info(&fleet.members[6].id).await; // prod, Windows, online
    assert_eq!(web.ping_status, PingStatus::Online);
    assert_eq!(web.last_ping_date_time, Some(fx.backend.now()));
    assert_eq!(web.registration_date, Some(START));
    assert_eq!(web.name.as_deref(), Some("web"));
    assert_eq!(web.iam_role.as_deref(), Some("ProdRole"));
    assert_eq!(web.activation_id.as_ref(), Some(&fleet.prod.activation_id));
    assert_eq!(web.resource_type, "ManagedInstance");
    assert_eq!(web.platform_type, Some(PlatformType::Windows));
    assert_eq!(web.computer_name.as_deref(), Some("host-06"));
    assert_eq!(web.is_latest_version, Some(true));
    let old = fx.info(&fleet.members[12].id).await;
    assert_eq!(old.ping_status, PingStatus::ConnectionLost);
    assert_eq!(old.last_ping_date_time, Some(START));
    assert_eq!(old.is_latest_version, Some(false));
}

/// The service model lists SourceIds and SourceTypes among the keys of
/// `Filters`; a node's SourceId is its id and its SourceType
/// `AWS::SSM::ManagedInstance`, as DescribeInstanceInformation reports them.
#[tokio::test]
async fn the_newer_filters_select_nodes_by_source() {
    let fleet = TestFleet::new().await;
    let a = fleet.members[2].id.clone();
    let ida = a.clone();
    fleet
        .check(vec![
            case(by_filters(&[("SourceIds", &[a.as_str()])]), move |m| {
                m.id == ida
            }),
            case(
                by_filters(&[("SourceTypes", &["AWS::SSM::ManagedInstance"])]),
                |_| true,
            ),
            case(
                by_filters(&[("SourceTypes", &["AWS::EC2::Instance"])]),
                |_| false,
            ),
        ])
        .await;
}

#[tokio::test]
async fn pages_walk_every_matching_node_exactly_once() {
    let fleet = TestFleet::new().await;
    let fx = &fleet.fx;
    let all = fleet.expect(|_| true);

    let (items, pages) = fx
        .walk(pages_of(5, DescribeInstanceInformation::default()))
        .await;
    assert_eq!((ids_of(&items), pages), (all.clone(), 3));
    assert_eq!(fx.ids(DescribeInstanceInformation::default()).await, all);

    let online = by_filters(&[("PingStatus", &["Online"])]);
    let (items, pages) = fx.walk(pages_of(5, online)).await;
    assert_eq!(ids_of(&items), fleet.expect(|m| m.online));
    assert!(pages >= 2, "{pages} pages");

    // A node that leaves between pages is not missed around, nor listed twice.
    let first = fx
        .ok(pages_of(5, DescribeInstanceInformation::default()))
        .await;
    let last_of_first = first.instance_information_list[4].instance_id.clone();
    let on_second = fleet.members.iter().map(|m| m.id.clone()).max().unwrap();
    fx.ok(deregister(&last_of_first)).await;
    fx.ok(deregister(&on_second)).await;
    let mut rest = pages_of(5, DescribeInstanceInformation::default());
    rest.next_token = first.next_token;
    let (items, _) = fx.walk(rest).await;
    let mut seen = ids_of(&first.instance_information_list);
    seen.extend(ids_of(&items));
    let mut expected = all;
    expected.remove(&on_second);
    assert_eq!(seen, expected);

    // The same token goes on with another page size.
    let first = fx
        .ok(pages_of(5, DescribeInstanceInformation::default()))
        .await;
    let mut next = pages_of(10, DescribeInstanceInformation::default());
    next.next_token = first.next_token;
    let second = fx.ok(next).await;
    assert_eq!(second.instance_information_list.len(), 7);
    assert!(second.next_token.is_none());
}

#[tokio::test]
async fn describe_refuses_bad_filters_and_page_sizes() {
    let fleet = TestFleet::new().await;
    let fx = &fleet.fx;
    let bad_value = "InvalidInstanceInformationFilterValue";

    fx.refuse(
        by_list(&[("tag:Environment", &["prod"])]),
        "InvalidFilterKey",
        &["'tag:Environment'", "InstanceInformationFilterList"],
    )
    .await;
    fx.refuse(
        by_list(&[("Colour", &["red"])]),
        "InvalidFilterKey",
        &["'Colour'"],
    )
    .await;
    fx.refuse(
        by_filters(&[("Colour", &["red"])]),
        "InvalidFilterKey",
        &["'Colour'", "Filters"],
    )
    .await;
    fx.refuse(
        by_filters(&[("tag:", &["x"])]),
        "InvalidFilterKey",
        &["'tag:'"],
    )
    .await;
    fx.refuse(
        by_filters(&[("PingStatus", &["Sleeping"])]),
        bad_value,
        &["'Sleeping'", "PingStatus"],
    )
    .await;
    fx.refuse(
        by_list(&[("PingStatus", &["Online", "Sleeping"])]),
        bad_value,
        &["'Sleeping'", "PingStatus"],
    )
    .await;
    fx.refuse(
        by_filters(&[("PlatformTypes", &["Solaris"])]),
        bad_value,
        &["'Solaris'", "PlatformTypes"],
    )
    .await;
    fx.refuse(
        by_filters(&[("ResourceType", &["Document"])]),
        bad_value,
        &["'Document'", "ResourceType"],
    )
    .await;
    fx.refuse(by_list(&[("PingStatus", &[])]), bad_value, &["PingStatus"])
        .await;
    fx.refuse(
        by_filters(&[("tag:Environment", &["prod"; 101])]),
        bad_value,
        &["tag:Environment", "101"],
    )
    .await;

    let err = fx
        .refuse(
            pages_of(4, DescribeInstanceInformation::default()),
            "ValidationException",
            &[],
        )
        .await;
    assert_eq!(
        err.message,
        "1 validation error detected: Value '4' at 'maxResults' failed to satisfy constraint: \
         Member must have value greater than or equal to 5"
    );
    let err = fx
        .refuse(
            pages_of(51, by_filters(&[("PingStatus", &["Online"])])),
            "ValidationException",
            &[],
        )
        .await;
    assert_eq!(
        err.message,
        "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: \
         Member must have value less than or equal to 50"
    );

    let both = DescribeInstanceInformation {
        filters: by_filters(&[("PingStatus", &["Online"])]).filters,
        ..by_list(&[("PingStatus", &["Online"])])
    };
    fx.refuse(
        both,
        "ValidationException",
        &["InstanceInformationFilterList", "Filters"],
    )
    .await;

    for req in [
        by_list(&[("InstanceIds", &["node-42"])]),
        by_filters(&[("InstanceIds", &[fleet.members[0].id.as_str(), "node-42"])]),
    ] {
        fx.refuse(req, "InvalidInstanceId", &["'node-42'"]).await;
    }
}

/// Replaces the last key a NextToken carries, keeping its signature.
fn edit_token(token: &str, last_key: &str) -> String {
    let (payload, mac) = token.split_once('.').expect("a token is payload.mac");
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let key = claims
        .as_object_mut()
        .unwrap()
        .values_mut()
        .find(|v| v.as_str().is_some_and(|s| s.starts_with("mi-")))
        .expect("the token carries the last node id");
    *key = serde_json::Value::from(last_key);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{payload}.{mac}")
}

#[tokio::test]
async fn next_tokens_cannot_be_forged_edited_or_replayed() {
    let fleet = TestFleet::new().await;
    let fx = &fleet.fx;
    let online = || pages_of(5, by_filters(&[("PingStatus", &["Online"])]));
    let token = fx
        .ok(online())
        .await
        .next_token
        .expect("more than one page");
    let with = |req: DescribeInstanceInformation, token: &str| DescribeInstanceInformation {
        next_token: Some(token.to_owned()),
        ..req
    };

    let first = fleet.members[0].id.as_str();
    let (payload, mac) = token.split_once('.').unwrap();
    let forged_mac = format!("{payload}.{}", URL_SAFE_NO_PAD.encode([0u8; 32]));
    let flipped = mac.chars().rev().collect::<String>();
    let list_nodes_token = fx
        .ok(ListNodes {
            max_results: Some(1),
            next_token: None,
        })
        .await
        .next_token
        .unwrap();
    let invalid = [
        with(online(), &edit_token(&token, first)),
        with(online(), &format!("{payload}.{flipped}")),
        with(online(), &forged_mac),
        with(online(), "not-a-token"),
        with(online(), ""),
        with(online(), &list_nodes_token),
        // Replayed with other filters.
        with(
            pages_of(5, by_filters(&[("PingStatus", &["ConnectionLost"])])),
            &token,
        ),
        with(pages_of(5, DescribeInstanceInformation::default()), &token),
        with(pages_of(5, by_list(&[("PingStatus", &["Online"])])), &token),
    ];
    for req in invalid {
        fx.refuse(
            req,
            "InvalidNextToken",
            &["The specified token isn't valid."],
        )
        .await;
    }

    // The untouched token still works.
    let second = fx.ok(with(online(), &token)).await;
    assert!(!second.instance_information_list.is_empty());
}

// ---------------------------------------------------------------------------
// Activations

#[tokio::test]
async fn activations_are_created_described_filtered_and_deleted() {
    let fx = Fx::new();
    let web = fx
        .ok(CreateActivation {
            description: Some("web servers".into()),
            default_instance_name: Some("web".into()),
            registration_limit: Some(10),
            tags: Some(vec![tag("Environment", "prod")]),
            ..role("RoleOne")
        })
        .await;
    let db = fx
        .ok(CreateActivation {
            default_instance_name: Some("db".into()),
            ..role("RoleTwo")
        })
        .await;
    let plain = fx.ok(role("RoleOne")).await;
    for a in [&web, &db, &plain] {
        assert_eq!(a.activation_id.len(), 36, "a UUID: {}", a.activation_id);
        assert_eq!(a.activation_id, a.activation_id.to_lowercase());
        assert_eq!(a.activation_code.len(), 20);
    }

    let described = fx.activation(&web.activation_id).await;
    assert_eq!(
        described,
        Activation {
            activation_id: web.activation_id.clone(),
            description: Some("web servers".into()),
            default_instance_name: Some("web".into()),
            iam_role: "RoleOne".into(),
            registration_limit: 10,
            registrations_count: 0,
            expiration_date: START.plus_secs(DAY),
            expired: false,
            created_date: START,
            tags: vec![tag("Environment", "prod")],
        }
    );
    assert_eq!(fx.activation(&db.activation_id).await.registration_limit, 1);

    let found = |list: Vec<Activation>| -> BTreeSet<String> {
        list.into_iter().map(|a| a.activation_id).collect()
    };
    let ids = |list: &[&CreateActivationResult]| -> BTreeSet<String> {
        list.iter().map(|a| a.activation_id.clone()).collect()
    };
    let cases = [
        (
            activations_by(&[("ActivationIds", &[db.activation_id.as_str()])]),
            ids(&[&db]),
        ),
        (
            activations_by(&[("DefaultInstanceName", &["web"])]),
            ids(&[&web]),
        ),
        (
            activations_by(&[("IamRole", &["RoleOne"])]),
            ids(&[&web, &plain]),
        ),
        (
            activations_by(&[("IamRole", &["RoleOne"]), ("DefaultInstanceName", &["db"])]),
            ids(&[]),
        ),
        (DescribeActivations::default(), ids(&[&web, &db, &plain])),
    ];
    for (req, expected) in cases {
        let paged = DescribeActivations {
            max_results: Some(1),
            ..req.clone()
        };
        assert_eq!(found(fx.walk(paged).await.0), expected, "{req:?}");
    }

    fx.ok(DeleteActivation {
        activation_id: db.activation_id.clone(),
    })
    .await;
    assert_eq!(found(fx.activations().await), ids(&[&web, &plain]));
    // A deleted activation registers nothing.
    let late = RegisterNode {
        activation_id: db.activation_id.clone(),
        activation_code: db.activation_code.clone(),
        ..Default::default()
    };
    fx.refused(
        &Caller::Anonymous,
        late,
        "InvalidActivation",
        &["activation"],
    )
    .await;
}

#[tokio::test]
async fn activation_requests_with_bad_input_are_refused() {
    let fx = Fx::new();
    let kept = fx.ok(role("RoleOne")).await;
    fx.refuse(
        activations_by(&[("Colour", &["red"])]),
        "InvalidFilter",
        &["'Colour'"],
    )
    .await;
    let keyless = DescribeActivations {
        filters: Some(vec![DescribeActivationsFilter {
            filter_key: None,
            filter_values: Some(strs(&["x"])),
        }]),
        ..Default::default()
    };
    fx.refuse(keyless, "InvalidFilter", &["ActivationIds"])
        .await;
    for (max, constraint) in [
        (0, "greater than or equal to 1"),
        (51, "less than or equal to 50"),
    ] {
        let req = DescribeActivations {
            max_results: Some(max),
            ..Default::default()
        };
        let value = format!("Value '{max}' at 'maxResults'");
        fx.refuse(req, "ValidationException", &[&value, constraint])
            .await;
    }
    fx.ok(role("RoleTwo")).await;
    let token = fx
        .ok(DescribeActivations {
            max_results: Some(1),
            ..Default::default()
        })
        .await
        .next_token
        .unwrap();
    let replayed = DescribeActivations {
        max_results: Some(1),
        next_token: Some(token),
        ..activations_by(&[("IamRole", &["RoleOne"])])
    };
    fx.refuse(
        replayed,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;

    for id in [UNKNOWN_ACTIVATION, "not-an-activation"] {
        let delete = DeleteActivation {
            activation_id: id.to_owned(),
        };
        fx.refuse(delete, "InvalidActivationId", &[id]).await;
    }
    fx.ok(DeleteActivation {
        activation_id: kept.activation_id.clone(),
    })
    .await;
    let again = DeleteActivation {
        activation_id: kept.activation_id.clone(),
    };
    fx.refuse(again, "InvalidActivationId", &[&kept.activation_id])
        .await;
}

#[tokio::test]
async fn create_activation_checks_dates_limits_and_tags() {
    let fx = Fx::new();
    let dated = |secs: i64| CreateActivation {
        expiration_date: Some(START.plus_secs(secs)),
        ..role("RoleOne")
    };
    for (secs, says) in [
        (30 * DAY + 1, "more than 30 days ahead"),
        (-1, "not in the future"),
        (0, "not in the future"),
    ] {
        fx.refuse(dated(secs), "InvalidParameters", &["ExpirationDate", says])
            .await;
    }
    for limit in [0, 1001, -5] {
        let req = CreateActivation {
            registration_limit: Some(limit),
            ..role("RoleOne")
        };
        let value = format!("Value '{limit}' at 'registrationLimit'");
        fx.refuse(req, "ValidationException", &[&value, "1 and 1000"])
            .await;
    }
    fx.refuse(role(""), "ValidationException", &["IamRole"])
        .await;
    fx.refuse(role(&"r".repeat(65)), "ValidationException", &["'iamRole'"])
        .await;
    let named = CreateActivation {
        default_instance_name: Some("web;db".into()),
        ..role("RoleOne")
    };
    fx.refuse(
        named,
        "ValidationException",
        &["'web;db'", "defaultInstanceName"],
    )
    .await;
    let tagged = |tags: Vec<Tag>| CreateActivation {
        tags: Some(tags),
        ..role("RoleOne")
    };
    let many = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    fx.refuse(tagged(many), "TooManyTagsError", &["50", "51"])
        .await;
    fx.refuse(
        tagged(vec![tag("aws:owner", "x")]),
        "ValidationException",
        &["'aws:owner'"],
    )
    .await;

    // The edges themselves are fine.
    let last_day = fx.ok(dated(30 * DAY)).await;
    let most = fx
        .ok(CreateActivation {
            registration_limit: Some(1000),
            ..role("RoleOne")
        })
        .await;
    assert_eq!(
        fx.activation(&last_day.activation_id).await.expiration_date,
        START.plus_secs(30 * DAY)
    );
    assert_eq!(
        fx.activation(&most.activation_id).await.registration_limit,
        1000
    );
}

#[tokio::test]
async fn activations_expire_on_the_clock() {
    let fx = Fx::new();
    let hour = fx
        .ok(CreateActivation {
            expiration_date: Some(START.plus_secs(3600)),
            registration_limit: Some(5),
            ..role("RoleOne")
        })
        .await;
    let day = fx.ok(role("RoleOne")).await;
    fx.advance_secs(3599);
    assert!(!fx.activation(&hour.activation_id).await.expired);
    fx.register(&hour, RegisterNode::default()).await;

    fx.advance_secs(1);
    let described = fx.activation(&hour.activation_id).await;
    assert!(
        described.expired,
        "Expired once the clock reaches ExpirationDate"
    );
    assert_eq!(described.registrations_count, 1);
    assert!(!fx.activation(&day.activation_id).await.expired);
    let late = RegisterNode {
        activation_id: hour.activation_id.clone(),
        activation_code: hour.activation_code.clone(),
        ..Default::default()
    };
    fx.refused(
        &Caller::Anonymous,
        late,
        "InvalidActivation",
        &[&hour.activation_id, "expired"],
    )
    .await;

    fx.advance_secs(DAY);
    assert!(fx.activation(&day.activation_id).await.expired);
}

// ---------------------------------------------------------------------------
// RegisterNode

#[tokio::test]
async fn registering_gives_an_id_and_credentials_and_copies_the_activation() {
    let fx = Fx::new();
    let activation = fx
        .ok(CreateActivation {
            default_instance_name: Some("web".into()),
            registration_limit: Some(2),
            tags: Some(vec![tag("Team", "web"), tag("Environment", "prod")]),
            ..role("SSMServiceRole")
        })
        .await;
    let report = RegisterNode {
        computer_name: Some("web-01".into()),
        platform_type: Some(PlatformType::Linux),
        platform_name: Some("Ubuntu".into()),
        platform_version: Some("24.04".into()),
        agent_version: Some(OLD_AGENT.into()),
        ip_address: Some("10.0.0.7".into()),
        ..Default::default()
    };
    let first = fx.register(&activation, report.clone()).await;
    assert!(is_node_id(&first.instance_id), "{}", first.instance_id);
    assert!(!first.access_key_id.is_empty());
    assert!(first.secret_access_key.len() >= 40);
    let count = fx.activation(&activation.activation_id).await;
    assert_eq!(count.registrations_count, 1);

    let node = fx.node(&first.instance_id).await.unwrap();
    assert_eq!(node.tags, [tag("Environment", "prod"), tag("Team", "web")]);
    assert_eq!(fx.tags(&first.instance_id).await, node.tags);
    let info = node.info;
    assert_eq!(info.name.as_deref(), Some("web"));
    assert_eq!(info.iam_role.as_deref(), Some("SSMServiceRole"));
    assert_eq!(info.activation_id, Some(activation.activation_id.clone()));
    assert_eq!(info.registration_date, Some(START));
    assert_eq!(info.ping_status, PingStatus::Online);
    assert_eq!(info.computer_name.as_deref(), Some("web-01"));
    assert_eq!(info.platform_version.as_deref(), Some("24.04"));
    assert_eq!(info.ip_address.as_deref(), Some("10.0.0.7"));
    assert_eq!(info.is_latest_version, Some(false));

    // A sysman-agent of this release is the latest of its kind, though
    // the simulated fleet's newest SSM agent is another version.
    let ours = fx
        .register(
            &activation,
            RegisterNode {
                agent_version: Some(env!("CARGO_PKG_VERSION").into()),
                ..report.clone()
            },
        )
        .await;
    let ours = fx.node(&ours.instance_id).await.unwrap().info;
    assert_eq!(ours.is_latest_version, Some(true));

    let activation = fx
        .ok(CreateActivation {
            registration_limit: Some(2),
            ..role("SSMServiceRole")
        })
        .await;
    let first = fx.register(&activation, report.clone()).await;
    let second = fx.register(&activation, report).await;
    assert_ne!(second.instance_id, first.instance_id);
    assert_ne!(second.access_key_id, first.access_key_id);
    assert_ne!(second.secret_access_key, first.secret_access_key);
    let count = fx.activation(&activation.activation_id).await;
    assert_eq!(count.registrations_count, 2);
    assert_eq!(fx.nodes().await.len(), 4);
}

#[tokio::test]
async fn registering_refuses_wrong_codes_and_used_up_activations() {
    let fx = Fx::new();
    let once = fx.ok(role("RoleOne")).await;
    let with = |id: &str, code: &str| RegisterNode {
        activation_id: id.to_owned(),
        activation_code: code.to_owned(),
        ..Default::default()
    };
    let anonymous = Caller::Anonymous;
    let mismatch = ["activation id and code"];
    let wrong_code = with(&once.activation_id, "AAAAAAAAAAAAAAAAAAAA");
    fx.refused(&anonymous, wrong_code, "InvalidActivation", &mismatch)
        .await;
    let unknown = with(UNKNOWN_ACTIVATION, &once.activation_code);
    fx.refused(&anonymous, unknown, "InvalidActivation", &mismatch)
        .await;
    let bad_agent = RegisterNode {
        agent_version: Some("three".into()),
        ..with(&once.activation_id, &once.activation_code)
    };
    fx.refused(
        &anonymous,
        bad_agent,
        "ValidationException",
        &["'three'", "agentVersion"],
    )
    .await;

    fx.register(&once, RegisterNode::default()).await;
    let again = with(&once.activation_id, &once.activation_code);
    fx.refused(
        &anonymous,
        again,
        "InvalidActivation",
        &[&once.activation_id, "registration limit of 1"],
    )
    .await;
    assert_eq!(
        fx.activation(&once.activation_id).await.registrations_count,
        1
    );
}

// ---------------------------------------------------------------------------
// UpdateInstanceInformation

#[tokio::test]
async fn heartbeats_bring_a_node_back_online_and_update_what_it_reports() {
    let fx = Fx::new();
    let id = fx.one_node().await;
    fx.advance_secs(181);
    assert_eq!(fx.info(&id).await.ping_status, PingStatus::ConnectionLost);

    let report = UpdateInstanceInformation {
        agent_version: Some(OLD_AGENT.into()),
        ip_address: Some("192.168.1.20".into()),
        computer_name: Some("renamed".into()),
        ..heartbeat(&id)
    };
    fx.ok_as(&Caller::node(&id), report).await;
    let info = fx.info(&id).await;
    assert_eq!(info.ping_status, PingStatus::Online);
    assert_eq!(info.last_ping_date_time, Some(START.plus_secs(181)));
    assert_eq!(info.agent_version.as_deref(), Some(OLD_AGENT));
    assert_eq!(info.is_latest_version, Some(false));
    assert_eq!(info.ip_address.as_deref(), Some("192.168.1.20"));
    assert_eq!(info.computer_name.as_deref(), Some("renamed"));
    assert_eq!(info.platform_name.as_deref(), Some("Ubuntu"), "kept");
    assert_eq!(info.registration_date, Some(START), "kept");
    assert_eq!(fx.tags(&id).await.len(), 2, "tags kept");
}

#[tokio::test]
async fn heartbeats_are_refused_for_other_nodes_unknown_nodes_and_bad_reports() {
    let fx = Fx::new();
    let me = fx.one_node().await;
    let other = fx.one_node().await;
    fx.advance_secs(181); // both ConnectionLost: a wrongful heartbeat would show
    let node = Caller::node(&me);

    fx.refused(
        &node,
        heartbeat(&other),
        "AccessDeniedException",
        &[&other, "UpdateInstanceInformation"],
    )
    .await;
    fx.refused(
        &Caller::Anonymous,
        heartbeat(&me),
        "AccessDeniedException",
        &[&me],
    )
    .await;
    fx.refuse(
        heartbeat(UNKNOWN_NODE),
        "InvalidInstanceId",
        &[UNKNOWN_NODE],
    )
    .await;
    let bad = |report: UpdateInstanceInformation| UpdateInstanceInformation {
        instance_id: me.clone(),
        ..report
    };
    let cases = [
        (
            bad(UpdateInstanceInformation {
                agent_version: Some("3.3".into()),
                ..Default::default()
            }),
            ["'3.3'", "agentVersion"],
        ),
        (
            bad(UpdateInstanceInformation {
                ip_address: Some(String::new()),
                ..Default::default()
            }),
            ["''", "iPAddress"],
        ),
        (
            bad(UpdateInstanceInformation {
                computer_name: Some("c".repeat(256)),
                ..Default::default()
            }),
            ["between 1 and 255", "computerName"],
        ),
        (
            bad(UpdateInstanceInformation {
                platform_name: Some("p".repeat(64 * 1024)),
                ..Default::default()
            }),
            ["between 1 and 255", "platformName"],
        ),
        (
            bad(UpdateInstanceInformation {
                platform_version: Some("9".repeat(256)),
                ..Default::default()
            }),
            ["between 1 and 255", "platformVersion"],
        ),
    ];
    for (req, names) in cases {
        fx.refused(&node, req, "ValidationException", &names).await;
    }
    assert_eq!(fx.info(&me).await.ping_status, PingStatus::ConnectionLost);
}

// ---------------------------------------------------------------------------
// DeregisterManagedInstance

#[tokio::test]
async fn a_deregistered_node_is_gone_everywhere() {
    let fx = Fx::new();
    let gone = fx.one_node().await;
    let stays = fx.one_node().await;

    fx.refused(
        &Caller::node(&gone),
        deregister(&gone),
        "AccessDeniedException",
        &["DeregisterManagedInstance"],
    )
    .await;
    for bad in ["node-42", "mi-0123456789ABCDEF0", "mi-123", ""] {
        let value = format!("Value '{bad}' at 'instanceId'");
        fx.refuse(deregister(bad), "ValidationException", &[&value])
            .await;
    }
    fx.refuse(
        deregister(UNKNOWN_NODE),
        "InvalidInstanceId",
        &[UNKNOWN_NODE],
    )
    .await;

    fx.ok(deregister(&gone)).await;
    let listed = fx.ids(DescribeInstanceInformation::default()).await;
    assert_eq!(listed, BTreeSet::from([stays.clone()]));
    assert!(
        fx.ids(by_filters(&[("InstanceIds", &[gone.as_str()])]))
            .await
            .is_empty()
    );
    assert!(fx.node(&gone).await.is_none());
    fx.refuse(
        list_tags("ManagedInstance", &gone),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        &Caller::node(&gone),
        heartbeat(&gone),
        "InvalidInstanceId",
        &[&gone],
    )
    .await;
    fx.refuse(deregister(&gone), "InvalidInstanceId", &[&gone])
        .await;
}

// ---------------------------------------------------------------------------
// Tags

#[tokio::test]
async fn tags_are_added_overwritten_listed_and_removed() {
    let fx = Fx::new();
    let id = fx.one_node().await;
    assert_eq!(
        fx.tags(&id).await,
        [tag("Environment", "prod"), tag("Team", "web")]
    );

    let change = vec![tag("Environment", "staging"), tag("Owner", "alice")];
    fx.ok(add_tags("ManagedInstance", &id, change)).await;
    let expected = [
        tag("Environment", "staging"),
        tag("Owner", "alice"),
        tag("Team", "web"),
    ];
    assert_eq!(fx.tags(&id).await, expected);
    assert_eq!(fx.node(&id).await.unwrap().tags, expected);
    let staging = by_filters(&[("tag:Environment", &["staging"])]);
    assert_eq!(fx.ids(staging).await, BTreeSet::from([id.clone()]));
    assert!(
        fx.ids(by_filters(&[("tag:Environment", &["prod"])]))
            .await
            .is_empty()
    );

    fx.ok(remove_tags("ManagedInstance", &id, &["Team", "NoSuchKey"]))
        .await;
    assert_eq!(
        fx.tags(&id).await,
        [tag("Environment", "staging"), tag("Owner", "alice")]
    );

    // The longest key and value, and an empty value, are fine.
    let (key, value) = ("k".repeat(128), "v".repeat(256));
    let edges = vec![
        tag(&key, &value),
        tag("Empty", ""),
        tag("é @:/=+-_.", "x y"),
    ];
    fx.ok(add_tags("ManagedInstance", &id, edges)).await;
    assert_eq!(fx.tags(&id).await.len(), 5);
}

#[tokio::test]
async fn a_node_carries_at_most_fifty_tags() {
    let fx = Fx::new();
    let id = fx.one_node().await; // two tags already
    let more = |from: usize, to: usize| {
        let tags = (from..to).map(|i| tag(&format!("k{i:02}"), "v")).collect();
        add_tags("ManagedInstance", &id, tags)
    };
    fx.refuse(
        more(0, 49),
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;
    fx.ok(more(0, 48)).await;
    assert_eq!(fx.tags(&id).await.len(), 50);
    // Overwriting at the limit is fine; one more is not.
    fx.ok(add_tags("ManagedInstance", &id, vec![tag("Team", "db")]))
        .await;
    fx.refuse(
        more(48, 49),
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;
    assert_eq!(fx.tags(&id).await.len(), 50);
}

#[tokio::test]
async fn bad_tags_are_refused() {
    let fx = Fx::new();
    let id = fx.one_node().await;
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let cases: [(Vec<Tag>, &[&str]); 8] = [
        (
            vec![tag(&long_key, "v")],
            &["tags.1.member.key", "between 1 and 128"],
        ),
        (
            vec![tag("Owner", "a"), tag("Team", &long_value)],
            &["tags.2.member.value", "less than or equal to 256"],
        ),
        (
            vec![tag("semi;colon", "v")],
            &["'semi;colon'", "tags.1.member.key"],
        ),
        (vec![tag("Owner", "a;b")], &["'a;b'", "tags.1.member.value"]),
        (vec![tag("", "v")], &["tags.1.member.key"]),
        (vec![tag("aws:owner", "v")], &["'aws:owner'", "reserved"]),
        (vec![tag("AWS:Owner", "v")], &["'AWS:Owner'", "reserved"]),
        (
            vec![tag("Owner", "a"), tag("Owner", "b")],
            &["'Owner'", "more than once"],
        ),
    ];
    for (tags, names) in cases {
        fx.refuse(
            add_tags("ManagedInstance", &id, tags),
            "ValidationException",
            names,
        )
        .await;
    }
    let cases: [(&str, &[&str]); 3] = [
        (&long_key, &["tagKeys.2.member", "between 1 and 128"]),
        ("aws:owner", &["'aws:owner'"]),
        ("semi;colon", &["'semi;colon'"]),
    ];
    for (key, names) in cases {
        let req = remove_tags("ManagedInstance", &id, &["Team", key]);
        fx.refuse(req, "ValidationException", names).await;
    }
}

#[tokio::test]
async fn tags_on_unknown_resources_and_types_are_refused() {
    let fx = Fx::new();
    let id = fx.one_node().await;
    // No maintenance window exists yet, so no id names one.
    fx.refuse_tag_ops(
        "MaintenanceWindow",
        &id,
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    for bogus in ["Bogus", "parameter", "EC2Instance"] {
        fx.refuse_tag_ops(
            bogus,
            &id,
            "InvalidResourceType",
            &["Invalid Resource Type"],
        )
        .await;
    }
    fx.refuse_tag_ops(
        "ManagedInstance",
        UNKNOWN_NODE,
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refuse_tag_ops(
        "ManagedInstance",
        "node-42",
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
}

// ---------------------------------------------------------------------------
// The audit trail and change events

#[tokio::test]
async fn every_call_is_audited_once_without_the_activation_code() {
    let fx = Fx::new();
    let activation = fx.ok(role("RoleOne")).await;
    let wrong = RegisterNode {
        activation_id: activation.activation_id.clone(),
        activation_code: "WrongCodeWrongCode00".into(),
        ..Default::default()
    };
    assert!(fx.backend.call(&Caller::Anonymous, wrong).await.is_err());
    let registered = fx.register(&activation, RegisterNode::default()).await;
    let id = registered.instance_id.clone();
    let too_small = pages_of(4, DescribeInstanceInformation::default());
    assert!(fx.backend.call(&fx.admin, too_small).await.is_err());
    fx.ok(add_tags(
        "ManagedInstance",
        &id,
        vec![tag("Owner", "alice")],
    ))
    .await;
    let intruder = Caller::node(UNKNOWN_NODE);
    assert!(fx.backend.call(&intruder, heartbeat(&id)).await.is_err());
    fx.ok(deregister(&id)).await;
    let late = list_tags("ManagedInstance", &id);
    assert!(fx.backend.call(&fx.admin, late).await.is_err());

    fx.backend.flush().await;
    let records = fx.backend.audit_records().await.unwrap();
    let seen: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r.principal.as_str(),
                r.operation.as_str(),
                r.outcome.as_str(),
            )
        })
        .collect();
    let node = format!("node:{UNKNOWN_NODE}");
    assert_eq!(
        seen,
        [
            ("admin:test", "CreateActivation", "Success"),
            ("anonymous", "RegisterNode", "InvalidActivation"),
            ("anonymous", "RegisterNode", "Success"),
            (
                "admin:test",
                "DescribeInstanceInformation",
                "ValidationException"
            ),
            ("admin:test", "AddTagsToResource", "Success"),
            (
                node.as_str(),
                "UpdateInstanceInformation",
                "AccessDeniedException"
            ),
            ("admin:test", "DeregisterManagedInstance", "Success"),
            ("admin:test", "ListTagsForResource", "InvalidResourceId"),
        ]
    );
    assert_eq!(records[5].resource, format!("managed-instance/{id}"));
    let secrets = [
        activation.activation_code.as_str(),
        "WrongCodeWrongCode00",
        registered.secret_access_key.as_str(),
    ];
    for r in &records {
        for secret in secrets {
            let text = format!("{r:?}");
            assert!(!text.contains(secret), "{r:?} holds a secret");
        }
    }
    for r in records.iter().filter(|r| r.operation == "RegisterNode") {
        let request: serde_json::Value = serde_json::from_str(&r.request).unwrap();
        assert_eq!(request["ActivationCode"], "**redacted**");
        assert_eq!(request["ActivationId"], activation.activation_id.as_str());
    }
    assert_eq!(fx.backend.verify_audit_chain().await.unwrap(), Ok(8));
}

async fn next_event(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(1), events.recv())
        .await
        .expect("an event within a second")
        .expect("the bus is open")
}

#[tokio::test]
async fn tag_changes_and_deregistrations_are_announced() {
    let fx = Fx::new();
    let id = fx.one_node().await;
    let stays = fx.one_node().await;
    let mut events = fx.backend.subscribe();

    fx.ok(add_tags(
        "ManagedInstance",
        &id,
        vec![tag("Owner", "alice")],
    ))
    .await;
    match next_event(&mut events).await {
        Event::NodeChanged(node) => {
            assert_eq!(node.info.instance_id, id);
            assert!(node.tags.contains(&tag("Owner", "alice")), "{node:?}");
        }
        other => panic!("expected NodeChanged, got {other:?}"),
    }
    fx.ok(remove_tags("ManagedInstance", &id, &["Owner"])).await;
    match next_event(&mut events).await {
        Event::NodeChanged(node) => assert!(!node.tags.iter().any(|t| t.key == "Owner")),
        other => panic!("expected NodeChanged, got {other:?}"),
    }

    // Refused calls announce nothing.
    let bad = add_tags("ManagedInstance", &id, vec![tag("aws:x", "y")]);
    assert!(fx.backend.call(&fx.admin, bad).await.is_err());
    assert!(
        fx.backend
            .call(&fx.admin, deregister(UNKNOWN_NODE))
            .await
            .is_err()
    );
    assert!(events.try_recv().is_err(), "a refused call was announced");

    fx.ok(deregister(&id)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::NodeRemoved {
            instance_id: id.clone()
        }
    );

    // When heartbeats stop, only the node still registered is announced.
    fx.advance_secs(181);
    match next_event(&mut events).await {
        Event::NodeChanged(node) => {
            assert_eq!(node.info.instance_id, stays);
            assert_eq!(node.info.ping_status, PingStatus::ConnectionLost);
        }
        other => panic!("expected NodeChanged, got {other:?}"),
    }
    assert!(events.try_recv().is_err(), "a removed node was announced");
}

#[tokio::test]
async fn refused_calls_leave_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let before = {
        let fx = Fx::open(Some(dir.path()), clock.clone());
        let id = fx.one_node().await;
        let other = fx.one_node().await;
        let activation = fx.ok(role("RoleOne")).await;
        let full = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
        fx.refuse(
            add_tags("ManagedInstance", &id, full),
            "TooManyTagsError",
            &["A resource can have a maximum of 50 tags."],
        )
        .await;
        let reserved = remove_tags("ManagedInstance", &id, &["aws:x"]);
        fx.refuse(reserved, "ValidationException", &["aws:x"]).await;
        fx.refuse(
            deregister(UNKNOWN_NODE),
            "InvalidInstanceId",
            &[UNKNOWN_NODE],
        )
        .await;
        let limit = CreateActivation {
            registration_limit: Some(0),
            ..role("RoleOne")
        };
        fx.refuse(limit, "ValidationException", &["registrationLimit"])
            .await;
        let wrong = RegisterNode {
            activation_id: activation.activation_id.clone(),
            activation_code: "WrongCodeWrongCode00".into(),
            ..Default::default()
        };
        fx.refused(&Caller::Anonymous, wrong, "InvalidActivation", &["code"])
            .await;
        let intruder = Caller::node(&other);
        fx.refused(&intruder, heartbeat(&id), "AccessDeniedException", &[&id])
            .await;
        fx.backend.flush().await;
        fx.state().await
    };
    let reopened = Fx::open(Some(dir.path()), clock);
    assert_eq!(reopened.state().await, before);
}

#[tokio::test]
async fn an_agent_that_long_polls_stays_online_between_sparse_heartbeats() {
    use sysman_api::commands::ReceiveMessages;

    let fx = Fx::new();
    let polling = fx.one_node().await;
    let silent = fx.one_node().await;
    let poll = |id: &str| ReceiveMessages {
        instance_id: id.into(),
        wait_seconds: Some(0),
        max_messages: None,
    };
    // Registered at START, then only polls: every 100 s, for 10 minutes,
    // far past the 180 s after which a node without heartbeats is lost.
    for _ in 0..6 {
        fx.advance_secs(100);
        fx.ok_as(&Caller::node(polling.clone()), poll(&polling))
            .await;
    }
    let polled = fx.node(&polling).await.unwrap().info;
    assert_eq!(polled.ping_status, PingStatus::Online);
    assert_eq!(polled.last_ping_date_time, Some(START.plus_secs(600)));
    let quiet = fx.node(&silent).await.unwrap().info;
    assert_eq!(quiet.ping_status, PingStatus::ConnectionLost);

    // A poll right after another records nothing new.
    fx.advance_secs(10);
    fx.ok_as(&Caller::node(polling.clone()), poll(&polling))
        .await;
    let again = fx.node(&polling).await.unwrap().info;
    assert_eq!(again.last_ping_date_time, Some(START.plus_secs(600)));
}
