//! Every Parameter Store rule through the one gate, as a user of the
//! AWS-compatible API notices it: names, PutParameter's checks and tiers,
//! versions and labels, the listings with their filters and pages, tags,
//! SecureStrings in the audit trail, and concurrent writers.
//!
//! Every refused request is checked three ways: the exact error code, a
//! message that names what was wrong, and a store left exactly as it was
//! (every parameter with its whole history, decrypted, and its tags), with
//! no change event announced.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::fleet::{AddTagsToResource, ListTagsForResource, RemoveTagsFromResource};
use sysman_api::parameters::{
    DeleteParameter, DeleteParameters, DescribeParameters, GetParameter, GetParameterHistory,
    GetParameters, GetParametersByPath, LabelParameterVersion, Parameter, ParameterHistory,
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType, ParametersFilter,
    PutParameter, UnlabelParameterVersion,
};
use sysman_api::{ApiError, Tag, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options, ParameterLimits};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z
const ARN: &str = "arn:aws:ssm:us-east-1:000000000000:parameter";
const DEFAULT_KEY: &str = "alias/aws/ssm";

// ---------------------------------------------------------------------------
// Request builders

fn strs(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The ARN of a parameter: `/app/db` gives `...:parameter/app/db`.
fn arn(name: &str) -> String {
    format!("{ARN}/{}", name.trim_start_matches('/'))
}

fn put(name: &str, value: &str, kind: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some(kind.into()),
        ..Default::default()
    }
}

/// A new version without a type: the parameter keeps its own.
fn overwrite(name: &str, value: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        overwrite: Some(true),
        ..Default::default()
    }
}

/// `op` with Overwrite: a new version, or a new parameter.
fn replacing(op: PutParameter) -> PutParameter {
    PutParameter {
        overwrite: Some(true),
        ..op
    }
}

fn tiered(tier: &str, op: PutParameter) -> PutParameter {
    PutParameter {
        tier: Some(tier.into()),
        ..op
    }
}

fn with_data_type(data_type: &str, op: PutParameter) -> PutParameter {
    PutParameter {
        data_type: Some(data_type.into()),
        ..op
    }
}

fn get(name: &str, decrypt: bool) -> GetParameter {
    GetParameter {
        name: name.into(),
        with_decryption: Some(decrypt),
    }
}

fn get_many(names: &[&str]) -> GetParameters {
    GetParameters {
        names: strs(names),
        with_decryption: Some(true),
    }
}

fn delete(name: &str) -> DeleteParameter {
    DeleteParameter { name: name.into() }
}

fn delete_many(names: &[&str]) -> DeleteParameters {
    DeleteParameters { names: strs(names) }
}

fn label(name: &str, version: Option<i64>, labels: &[&str]) -> LabelParameterVersion {
    LabelParameterVersion {
        name: name.into(),
        parameter_version: version,
        labels: strs(labels),
    }
}

fn unlabel(name: &str, version: i64, labels: &[&str]) -> UnlabelParameterVersion {
    UnlabelParameterVersion {
        name: name.into(),
        parameter_version: version,
        labels: strs(labels),
    }
}

fn history(name: &str) -> GetParameterHistory {
    GetParameterHistory {
        name: name.into(),
        with_decryption: Some(true),
        ..Default::default()
    }
}

fn by_path(path: &str, recursive: bool) -> GetParametersByPath {
    GetParametersByPath {
        path: path.into(),
        recursive: Some(recursive),
        ..Default::default()
    }
}

fn by_path_filtered(path: &str, filters: Vec<ParameterStringFilter>) -> GetParametersByPath {
    GetParametersByPath {
        parameter_filters: Some(filters),
        ..by_path(path, true)
    }
}

fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
    ParameterStringFilter {
        key: key.into(),
        option: option.map(Into::into),
        values: (!values.is_empty()).then(|| strs(values)),
    }
}

fn describe(filters: Vec<ParameterStringFilter>) -> DescribeParameters {
    DescribeParameters {
        parameter_filters: Some(filters),
        ..Default::default()
    }
}

fn describe_legacy(key: &str, values: &[&str]) -> DescribeParameters {
    DescribeParameters {
        filters: Some(vec![ParametersFilter {
            key: key.into(),
            values: strs(values),
        }]),
        ..Default::default()
    }
}

fn add_tags(id: &str, tags: Vec<Tag>) -> AddTagsToResource {
    AddTagsToResource {
        resource_type: "Parameter".into(),
        resource_id: id.into(),
        tags,
    }
}

fn remove_tags(id: &str, keys: &[&str]) -> RemoveTagsFromResource {
    RemoveTagsFromResource {
        resource_type: "Parameter".into(),
        resource_id: id.into(),
        tag_keys: strs(keys),
    }
}

fn list_tags(id: &str) -> ListTagsForResource {
    ListTagsForResource {
        resource_type: "Parameter".into(),
        resource_id: id.into(),
    }
}

fn versions_of(history: &[ParameterHistory]) -> Vec<i64> {
    history.iter().map(|h| h.version).collect()
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
    ($op:ty, $item:ty) => {
        impl Paged for $op {
            type Item = $item;
            fn page_size(&self) -> Option<i64> {
                self.max_results
            }
            fn resume(&mut self, token: String) {
                self.next_token = Some(token);
            }
            fn split(out: Self::Output) -> (Vec<$item>, Option<String>) {
                (out.parameters, out.next_token)
            }
        }
    };
}

paged!(GetParametersByPath, Parameter);
paged!(DescribeParameters, ParameterMetadata);
paged!(GetParameterHistory, ParameterHistory);

/// What a listing's items are called by.
trait Named {
    fn name(&self) -> &str;
}

impl Named for Parameter {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for ParameterMetadata {
    fn name(&self) -> &str {
        &self.name
    }
}

// ---------------------------------------------------------------------------
// The fixture: a backend on a manual clock with seeded ids

/// One parameter as a user can see all of it.
#[derive(Debug, PartialEq)]
struct Stored {
    meta: ParameterMetadata,
    history: Vec<ParameterHistory>,
    tags: Vec<Tag>,
}

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn new() -> Self {
        Self::open(None, ParameterLimits::default())
    }

    fn with_limits(max_standard: usize, max_advanced: usize) -> Self {
        let limits = ParameterLimits {
            max_standard,
            max_advanced,
        };
        Self::open(None, limits)
    }

    /// A backend whose store lives in `dir`, or in memory.
    fn open(dir: Option<&Path>, parameters: ParameterLimits) -> Self {
        let clock = ManualClock::new(START);
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(7),
            parameters,
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
            admin: Caller::admin("ops"),
        }
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

    /// Creates a parameter; returns its version (1).
    async fn create(&self, name: &str, value: &str, kind: &str) -> i64 {
        self.ok(put(name, value, kind)).await.version
    }

    /// Adds a version; returns its number.
    async fn update(&self, name: &str, value: &str) -> i64 {
        self.ok(overwrite(name, value)).await.version
    }

    async fn read(&self, name: &str) -> Parameter {
        self.ok(get(name, true)).await.parameter
    }

    async fn value(&self, name: &str) -> String {
        self.read(name).await.value
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

    /// The names a listing gives, every page of it.
    async fn names<O: Paged>(&self, op: O) -> BTreeSet<String>
    where
        O::Item: std::fmt::Debug + PartialEq + Named,
    {
        let items = self.walk(op).await.0;
        items.iter().map(|i| i.name().to_owned()).collect()
    }

    async fn versions(&self, name: &str) -> Vec<ParameterHistory> {
        self.walk(history(name)).await.0
    }

    async fn meta(&self, name: &str) -> ParameterMetadata {
        let op = describe(vec![filter("Name", None, &[name])]);
        let (mut found, _) = self.walk(op).await;
        assert_eq!(found.len(), 1, "{name} not described once");
        found.remove(0)
    }

    async fn tags(&self, id: &str) -> Vec<Tag> {
        self.ok(list_tags(id)).await.tag_list
    }

    /// Everything a user can see of the store.
    async fn state(&self) -> Vec<Stored> {
        let all = DescribeParameters {
            max_results: Some(50),
            ..Default::default()
        };
        let mut state = Vec::new();
        for meta in self.walk(all).await.0 {
            let history = self.versions(&meta.name).await;
            let tags = self.tags(&meta.name).await;
            state.push(Stored {
                meta,
                history,
                tags,
            });
        }
        state
    }

    /// Calls `op`, which must fail with `code` and a message naming each of
    /// `names`, announce nothing and change nothing.
    async fn refuse<O: Handler>(&self, op: O, code: &str, names: &[&str]) -> ApiError {
        let before = self.state().await;
        let mut events = self.backend.subscribe();
        let Err(err) = self.backend.call(&self.admin, op).await else {
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
        assert!(
            events.try_recv().is_err(),
            "a refused {} was announced",
            O::NAME
        );
        assert_eq!(
            self.state().await,
            before,
            "a refused {} changed the store",
            O::NAME
        );
        err
    }

    /// Calls `op`, which must succeed and change nothing.
    async fn harmless<O: Handler>(&self, op: O) -> O::Output {
        let before = self.state().await;
        let out = self.ok(op).await;
        assert_eq!(self.state().await, before, "{} changed the store", O::NAME);
        out
    }
}

/// A small tree to list and filter:
///
/// | name                | type         | extras                         |
/// |---------------------|--------------|--------------------------------|
/// | `/app/db/host`      | String       | tag Team=core                  |
/// | `/app/db/password`  | SecureString | label `prod` on version 1      |
/// | `/app/web/url`      | String       | Advanced                       |
/// | `/app/top`          | StringList   |                                |
/// | `/app/ami`          | String       | DataType aws:ec2:image         |
/// | `/other/x`          | String       | tag Team=web                   |
/// | `flat`              | String       | created without a leading '/'  |
async fn tree() -> Fx {
    let fx = Fx::new();
    let tagged = |name: &str, team: &str| PutParameter {
        tags: Some(vec![Tag::new("Team", team)]),
        ..put(name, "v", "String")
    };
    fx.ok(tagged("/app/db/host", "core")).await;
    fx.create("/app/db/password", "hunter2", "SecureString")
        .await;
    fx.ok(label("/app/db/password", Some(1), &["prod"])).await;
    fx.ok(tiered(
        "Advanced",
        put("/app/web/url", "https://x", "String"),
    ))
    .await;
    fx.create("/app/top", "a,b", "StringList").await;
    fx.ok(with_data_type(
        "aws:ec2:image",
        put("/app/ami", "ami-1234abcd", "String"),
    ))
    .await;
    fx.ok(tagged("/other/x", "web")).await;
    fx.create("flat", "v", "String").await;
    fx
}

const APP: [&str; 5] = [
    "/app/db/host",
    "/app/db/password",
    "/app/web/url",
    "/app/top",
    "/app/ami",
];

// ---------------------------------------------------------------------------
// Names

/// What AWS answers for a name outside the rules.
/// What AWS answers for a value too long for the Standard tier.
const STANDARD_TOO_LONG: &str = "Standard tier parameters support a maximum parameter value of \
    4096 characters. To create a larger parameter value, upgrade the parameter to use the \
    advanced-parameter tier.";

const NOT_AN_IMAGE_ID: &str = "The value of a parameter with the data type aws:ec2:image must \
    be an Amazon Machine Image (AMI) ID";
const DATA_TYPE_CHANGE: &str = "The data type of an existing parameter can't be changed.";
const LIMIT_EXCEEDED: &str = "You have exceeded the number of parameters for this AWS account. \
    Delete one or more parameters and try again.";

const TAGS_WITH_OVERWRITE: &str = "Invalid request: tags and overwrite can't be used together.";

/// What AWS answers for a name that is taken.
const ALREADY_EXISTS: &str = "The parameter already exists. To overwrite this value, set the \
    overwrite option in the request to true.";

/// What AWS answers for a name outside the rules.
const INVALID_NAME: &str = "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). \
    If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can \
    be formed as a mix of letters, numbers and the following 3 symbols .-_";

#[tokio::test]
async fn names_take_letters_digits_and_a_few_marks_only() {
    let fx = Fx::new();
    for name in ["Az09_.-", "/a/B-c/d_e.f9"] {
        fx.create(name, "v", "String").await;
        assert_eq!(fx.read(name).await.name, name);
    }
    for name in [
        "has space",
        "semi;colon",
        "/app/ütf",
        "star*",
        "/app/db:host",
        "brace{x}",
    ] {
        let err = fx
            .refuse(put(name, "v", "String"), "ValidationException", &[])
            .await;
        assert_eq!(err.message, INVALID_NAME, "{name}");
    }
    fx.refuse(put("", "v", "String"), "ValidationException", &["name"])
        .await;
    // PutParameter takes a name, never an ARN.
    let by_arn = arn("/app/new");
    let err = fx
        .refuse(put(&by_arn, "v", "String"), "ValidationException", &[])
        .await;
    assert_eq!(err.message, INVALID_NAME);
}

#[tokio::test]
async fn the_aws_and_ssm_prefixes_are_reserved_in_any_case() {
    let fx = Fx::new();
    // A top-level name.
    for name in [
        "aws",
        "awsconfig",
        "AWS-x",
        "ssm",
        "SSMthing",
        "/ssm",
        "/Aws",
    ] {
        let err = fx
            .refuse(put(name, "v", "String"), "ValidationException", &[])
            .await;
        assert_eq!(
            err.message,
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
            "{name}"
        );
    }
    // A path: /aws/ holds AWS's public parameters.
    for name in ["/aws/x", "/Aws/x"] {
        let err = fx
            .refuse(put(name, "v", "String"), "AccessDeniedException", &[])
            .await;
        assert_eq!(
            err.message,
            format!("No access to reserved parameter name: {name}.")
        );
    }
    let err = fx
        .refuse(put("/sSm/a/b", "v", "String"), "ValidationException", &[])
        .await;
    assert_eq!(err.message, INVALID_NAME);
    // Only the first level is reserved.
    for name in ["/app/aws", "/app/ssm/x", "my-aws", "/x/AWS"] {
        fx.create(name, "v", "String").await;
    }
}

#[tokio::test]
async fn a_hierarchy_begins_with_a_slash_and_has_no_empty_levels() {
    let fx = Fx::new();
    for name in ["app/db", "/app//db", "/app/", "/", "//app", "/app/db/"] {
        let err = fx
            .refuse(put(name, "v", "String"), "ValidationException", &[])
            .await;
        assert_eq!(err.message, INVALID_NAME, "{name}");
    }
}

#[tokio::test]
async fn a_hierarchy_has_at_most_15_levels() {
    let fx = Fx::new();
    let fifteen = "/l".repeat(15);
    fx.create(&fifteen, "v", "String").await;
    assert_eq!(fx.value(&fifteen).await, "v");
    let sixteen = "/l".repeat(16);
    fx.refuse(
        put(&sixteen, "v", "String"),
        "HierarchyLevelLimitExceededException",
        &["A hierarchy can have a maximum of 15 levels."],
    )
    .await;
}

#[tokio::test]
async fn names_have_at_most_1011_characters() {
    let fx = Fx::new();
    let longest = "n".repeat(1011);
    fx.create(&longest, "v", "String").await;
    assert_eq!(fx.read(&longest).await.name, longest);
    let deep = format!("/{}/{}", "d".repeat(500), "e".repeat(509));
    assert_eq!(deep.len(), 1011);
    fx.create(&deep, "v", "String").await;

    for name in [
        "n".repeat(1012),
        format!("/{}/{}", "d".repeat(500), "e".repeat(510)),
    ] {
        fx.refuse(put(&name, "v", "String"), "ValidationException", &["1011"])
            .await;
    }
}

#[tokio::test]
async fn slash_foo_and_foo_are_one_parameter() {
    let fx = Fx::new();
    fx.create("foo", "one", "String").await;
    fx.refuse(
        put("/foo", "two", "String"),
        "ParameterAlreadyExists",
        &[ALREADY_EXISTS],
    )
    .await;
    assert_eq!(fx.update("/foo", "two").await, 2);
    assert_eq!(fx.value("foo").await, "two");
    assert_eq!(fx.value("/foo").await, "two");
    assert_eq!(fx.value("/foo:1").await, "one");
    assert_eq!(versions_of(&fx.versions("/foo").await), [1, 2]);
    assert_eq!(fx.names(DescribeParameters::default()).await, set(&["foo"]));
    fx.ok(label("/foo", Some(1), &["first"])).await;
    assert_eq!(fx.value("foo:first").await, "one");
    fx.ok(add_tags("/foo", vec![Tag::new("Team", "core")]))
        .await;
    assert_eq!(fx.tags("foo").await, [Tag::new("Team", "core")]);
    assert_eq!(
        fx.read("/foo").await.arn,
        arn("foo"),
        "one parameter has one ARN"
    );

    fx.ok(delete("/foo")).await;
    fx.refuse(get("foo", false), "ParameterNotFound", &["foo"])
        .await;

    // Deeper names are not folded: /a/b and a/b are not the same (the second
    // is no name at all).
    fx.create("/a/b", "v", "String").await;
    fx.refuse(get("a/b", false), "ParameterNotFound", &["a/b"])
        .await;
}

#[tokio::test]
async fn arns_name_parameters_in_reads_deletes_history_labels_and_tags() {
    let fx = Fx::new();
    for name in ["/app/db/host", "top"] {
        fx.create(name, "v1", "String").await;
        fx.update(name, "v2").await;
        let arn = arn(name);
        assert_eq!(fx.read(&arn).await.arn, arn);
        assert_eq!(fx.value(&arn).await, "v2");
        assert_eq!(fx.value(&format!("{arn}:1")).await, "v1");
        let got = fx.ok(get_many(&[&arn, &format!("{arn}:1")])).await;
        assert!(got.invalid_parameters.is_empty(), "{got:?}");
        assert_eq!(got.parameters.len(), 2);
        assert_eq!(versions_of(&fx.versions(&arn).await), [1, 2]);

        let labelled = fx.ok(label(&arn, Some(1), &["old"])).await;
        assert_eq!(labelled.parameter_version, 1);
        assert_eq!(fx.value(&format!("{arn}:old")).await, "v1");
        let removed = fx.ok(unlabel(&arn, 1, &["old"])).await;
        assert_eq!(removed.removed_labels, ["old"]);

        fx.ok(add_tags(&arn, vec![Tag::new("Owner", "ada")])).await;
        assert_eq!(fx.tags(name).await, [Tag::new("Owner", "ada")]);

        fx.ok(delete(&arn)).await;
        fx.refuse(get(name, false), "ParameterNotFound", &[name])
            .await;
    }
    fx.create("/x/y", "v", "String").await;
    let deleted = fx.ok(delete_many(&[&arn("/x/y")])).await;
    assert_eq!(deleted.deleted_parameters, [arn("/x/y")]);
}

// ---------------------------------------------------------------------------
// PutParameter

#[tokio::test]
async fn a_type_is_required_to_create_and_must_be_known() {
    let fx = Fx::new();
    let untyped = PutParameter {
        r#type: None,
        ..put("/app/new", "v", "String")
    };
    fx.refuse(
        untyped,
        "ValidationException",
        &["A parameter type is required when you create a parameter."],
    )
    .await;
    for kind in ["Secret", "securestring", "string", "SecureString "] {
        let err = fx
            .refuse(put("/app/new", "v", kind), "ValidationException", &[])
            .await;
        assert_eq!(
            err.message,
            format!(
                "1 validation error detected: Value '{kind}' at 'type' failed to satisfy \
                 constraint: Member must satisfy enum value set: [SecureString, StringList, String]"
            )
        );
    }
    for kind in ParameterType::ALL {
        let name = format!("/typed/{}", kind.as_str());
        fx.create(&name, "v", kind.as_str()).await;
        assert_eq!(fx.read(&name).await.r#type, kind);
    }
}

#[tokio::test]
async fn an_existing_name_needs_overwrite() {
    let fx = Fx::new();
    fx.create("/app/url", "v1", "String").await;
    fx.refuse(
        put("/app/url", "v2", "String"),
        "ParameterAlreadyExists",
        &[ALREADY_EXISTS],
    )
    .await;
    let no = PutParameter {
        overwrite: Some(false),
        ..put("/app/url", "v2", "String")
    };
    fx.refuse(no, "ParameterAlreadyExists", &[ALREADY_EXISTS])
        .await;
    assert_eq!(fx.update("/app/url", "v2").await, 2);
    // Overwrite on a new name simply creates it.
    let fresh = replacing(put("/app/fresh", "v", "String"));
    assert_eq!(fx.ok(fresh).await.version, 1);
}

#[tokio::test]
async fn the_type_of_a_hierarchical_parameter_cannot_change() {
    let fx = Fx::new();
    fx.create("/app/flag", "on", "String").await;
    for kind in ["SecureString", "StringList"] {
        let change = replacing(put("/app/flag", "off", kind));
        fx.refuse(
            change,
            "HierarchyTypeMismatchException",
            &["doesn't support changing a parameter type in a hierarchy"],
        )
        .await;
    }
    let same = replacing(put("/app/flag", "off", "String"));
    assert_eq!(fx.ok(same).await.version, 2);

    // A top-level parameter may change type, with or without its '/'.
    for name in ["flag", "/slashed"] {
        fx.create(name, "on", "String").await;
        for (kind, expected) in [
            ("StringList", ParameterType::StringList),
            ("SecureString", ParameterType::SecureString),
            ("String", ParameterType::String),
        ] {
            let change = replacing(put(name, "a,b", kind));
            fx.ok(change).await;
            let read = fx.read(name).await;
            assert_eq!((read.r#type, read.value.as_str()), (expected, "a,b"));
        }
        let kinds: Vec<_> = fx.versions(name).await.iter().map(|h| h.r#type).collect();
        assert_eq!(
            kinds,
            [
                ParameterType::String,
                ParameterType::StringList,
                ParameterType::SecureString,
                ParameterType::String
            ]
        );
    }
}

#[tokio::test]
async fn a_key_id_goes_only_with_secure_strings_and_must_exist() {
    let fx = Fx::new();
    for kind in ["String", "StringList"] {
        let keyed = PutParameter {
            key_id: Some(DEFAULT_KEY.into()),
            ..put("/app/plain", "v", kind)
        };
        fx.refuse(keyed, "ValidationException", &["KeyId", "SecureString"])
            .await;
    }
    for key in ["alias/nope", "1234abcd-12ab-34cd-56ef-1234567890ab"] {
        let unknown = PutParameter {
            key_id: Some(key.into()),
            ..put("/app/secret", "v", "SecureString")
        };
        fx.refuse(unknown, "InvalidKeyId", &[key]).await;
    }

    // The default key is there for the asking, by alias or alias ARN.
    let keyed = PutParameter {
        key_id: Some(DEFAULT_KEY.into()),
        ..put("/app/secret", "s1", "SecureString")
    };
    fx.ok(keyed).await;
    assert_eq!(
        fx.meta("/app/secret").await.key_id.as_deref(),
        Some(DEFAULT_KEY)
    );
    let alias_arn = format!("arn:aws:kms:us-east-1:000000000000:{DEFAULT_KEY}");
    let by_arn = PutParameter {
        key_id: Some(alias_arn.clone()),
        ..put("/app/other", "s2", "SecureString")
    };
    fx.ok(by_arn).await;
    assert_eq!(fx.value("/app/other").await, "s2");
    assert_eq!(
        fx.meta("/app/other").await.key_id.as_deref(),
        Some(alias_arn.as_str())
    );

    // A KeyId without a type on a String is still refused: it stays a String.
    fx.create("/app/plain", "v", "String").await;
    let keyed = PutParameter {
        key_id: Some(DEFAULT_KEY.into()),
        ..overwrite("/app/plain", "v2")
    };
    fx.refuse(keyed, "ValidationException", &["KeyId"]).await;
}

#[tokio::test]
async fn tags_go_with_creation_never_with_overwrite() {
    let fx = Fx::new();
    let tagged = PutParameter {
        tags: Some(vec![Tag::new("Team", "core"), Tag::new("Env", "prod")]),
        ..put("/app/tagged", "v", "String")
    };
    fx.ok(tagged.clone()).await;
    assert_eq!(
        fx.tags("/app/tagged").await,
        [Tag::new("Env", "prod"), Tag::new("Team", "core")]
    );
    let again = replacing(tagged);
    fx.refuse(again, "ValidationException", &[TAGS_WITH_OVERWRITE])
        .await;
    // Even on a name that does not exist yet.
    let fresh = PutParameter {
        overwrite: Some(true),
        tags: Some(vec![Tag::new("Team", "core")]),
        ..put("/app/fresh", "v", "String")
    };
    fx.refuse(fresh, "ValidationException", &[TAGS_WITH_OVERWRITE])
        .await;

    let many = (0..51).map(|i| Tag::new(format!("k{i}"), "v")).collect();
    let crowded = PutParameter {
        tags: Some(many),
        ..put("/app/crowded", "v", "String")
    };
    fx.refuse(
        crowded,
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;
    let reserved = PutParameter {
        tags: Some(vec![Tag::new("aws:owner", "x")]),
        ..put("/app/reserved", "v", "String")
    };
    fx.refuse(reserved, "ValidationException", &["aws:owner"])
        .await;
}

#[tokio::test]
async fn the_allowed_pattern_guards_every_write() {
    let fx = Fx::new();
    let digits = |name: &str, value: &str| PutParameter {
        allowed_pattern: Some("^[0-9]+$".into()),
        ..put(name, value, "String")
    };
    fx.refuse(
        digits("/app/port", "eighty"),
        "ParameterPatternMismatchException",
        &["^[0-9]+$"],
    )
    .await;
    fx.ok(digits("/app/port", "80")).await;
    // A later overwrite that does not repeat the pattern is still held to it.
    fx.refuse(
        overwrite("/app/port", "http"),
        "ParameterPatternMismatchException",
        &["^[0-9]+$"],
    )
    .await;
    assert_eq!(fx.update("/app/port", "8080").await, 2);
    assert_eq!(
        fx.meta("/app/port").await.allowed_pattern.as_deref(),
        Some("^[0-9]+$")
    );
    // A new pattern replaces the old one, from that version on.
    let words = PutParameter {
        allowed_pattern: Some("^[a-z]+$".into()),
        ..overwrite("/app/port", "http")
    };
    assert_eq!(fx.ok(words).await.version, 3);
    fx.refuse(
        overwrite("/app/port", "443"),
        "ParameterPatternMismatchException",
        &["^[a-z]+$"],
    )
    .await;
    let patterns: Vec<_> = fx
        .versions("/app/port")
        .await
        .into_iter()
        .map(|h| h.allowed_pattern)
        .collect();
    assert_eq!(
        patterns,
        [
            Some("^[0-9]+$".into()),
            Some("^[0-9]+$".into()),
            Some("^[a-z]+$".into())
        ]
    );

    // The pattern guards SecureStrings too, without echoing the value.
    let pin = PutParameter {
        allowed_pattern: Some("^[0-9]{4}$".into()),
        ..put("/app/pin", "1234", "SecureString")
    };
    fx.ok(pin).await;
    let err = fx
        .refuse(
            overwrite("/app/pin", "s3cr3t-pin"),
            "ParameterPatternMismatchException",
            &["^[0-9]{4}$"],
        )
        .await;
    assert!(!err.message.contains("s3cr3t-pin"), "{err}");

    for bad in ["([", "[z-a]", "a{2,1}"] {
        let invalid = PutParameter {
            allowed_pattern: Some(bad.into()),
            ..put("/app/bad", "v", "String")
        };
        fx.refuse(invalid, "InvalidAllowedPatternException", &[bad])
            .await;
        let invalid_later = PutParameter {
            allowed_pattern: Some(bad.into()),
            ..overwrite("/app/port", "http")
        };
        fx.refuse(invalid_later, "InvalidAllowedPatternException", &[bad])
            .await;
    }
    let long = PutParameter {
        allowed_pattern: Some("a".repeat(1025)),
        ..put("/app/long", "a", "String")
    };
    fx.refuse(long, "ValidationException", &["allowedPattern", "1024"])
        .await;
}

#[tokio::test]
async fn values_are_not_empty_and_hold_no_references() {
    let fx = Fx::new();
    fx.refuse(
        put("/app/empty", "", "String"),
        "ValidationException",
        &["value"],
    )
    .await;
    fx.refuse(
        put("/app/empty", "", "SecureString"),
        "ValidationException",
        &["value"],
    )
    .await;
    for value in [
        "{{ssm:/x}}",
        "prefix-{{ssm:/app/db/host}}-suffix",
        "{{resolve:x}}",
    ] {
        fx.refuse(
            put("/app/ref", value, "String"),
            "ValidationException",
            &["{{"],
        )
        .await;
    }
    fx.create("/app/ref", "ok", "String").await;
    fx.refuse(
        overwrite("/app/ref", "{{ssm:/x}}"),
        "ValidationException",
        &["{{"],
    )
    .await;
    // Braces alone are fine.
    fx.update("/app/ref", "{\"json\": {\"nested\": 1}}").await;
    let long = PutParameter {
        description: Some("d".repeat(1025)),
        ..put("/app/described", "v", "String")
    };
    fx.refuse(long, "ValidationException", &["description", "1024"])
        .await;
}

#[tokio::test]
async fn standard_values_hold_4096_bytes_and_advanced_8192() {
    let fx = Fx::new();
    let out = fx.ok(put("/v/standard", &"s".repeat(4096), "String")).await;
    assert_eq!((out.version, out.tier), (1, ParameterTier::Standard));
    assert_eq!(fx.value("/v/standard").await.len(), 4096);

    let too_big = "b".repeat(4097);
    for op in [
        put("/v/big", &too_big, "String"),
        tiered("Standard", put("/v/big", &too_big, "String")),
        put("/v/big", &too_big, "SecureString"),
    ] {
        fx.refuse(op, "ValidationException", &[STANDARD_TOO_LONG])
            .await;
    }
    // Bytes, not characters: 2049 two-byte characters are 4098 bytes.
    fx.refuse(
        put("/v/big", &"é".repeat(2049), "String"),
        "ValidationException",
        &[STANDARD_TOO_LONG],
    )
    .await;
    fx.ok(put("/v/accents", &"é".repeat(2048), "String")).await;
    // An overwrite of a Standard parameter is held to the same limit.
    fx.refuse(
        overwrite("/v/standard", &too_big),
        "ValidationException",
        &[STANDARD_TOO_LONG],
    )
    .await;

    let out = fx
        .ok(tiered("Advanced", put("/v/big", &too_big, "String")))
        .await;
    assert_eq!(out.tier, ParameterTier::Advanced);
    let out = fx
        .ok(tiered(
            "Advanced",
            put("/v/max", &"m".repeat(8192), "SecureString"),
        ))
        .await;
    assert_eq!(out.tier, ParameterTier::Advanced);
    assert_eq!(fx.value("/v/max").await, "m".repeat(8192));
    for value in ["x".repeat(8193), "x".repeat(100_000)] {
        fx.refuse(
            tiered("Advanced", put("/v/huge", &value, "String")),
            "ValidationException",
            &["8192"],
        )
        .await;
        fx.refuse(
            overwrite("/v/big", &value),
            "ValidationException",
            &["8192"],
        )
        .await;
    }
    fx.refuse(
        tiered("Gold", put("/v/gold", "v", "String")),
        "ValidationException",
        &["Gold", "Intelligent-Tiering"],
    )
    .await;
}

#[tokio::test]
async fn intelligent_tiering_picks_advanced_only_when_needed() {
    let fx = Fx::new();
    let smart = |name: &str, value: &str| tiered("Intelligent-Tiering", put(name, value, "String"));
    let out = fx.ok(smart("/t/small", "v")).await;
    assert_eq!(out.tier, ParameterTier::Standard);
    let out = fx.ok(smart("/t/large", &"l".repeat(4097))).await;
    assert_eq!(out.tier, ParameterTier::Advanced);
    assert_eq!(fx.meta("/t/small").await.tier, ParameterTier::Standard);
    assert_eq!(fx.meta("/t/large").await.tier, ParameterTier::Advanced);

    // Once Advanced, always Advanced: a small value keeps the tier...
    let small_again = tiered("Intelligent-Tiering", overwrite("/t/large", "tiny"));
    assert_eq!(fx.ok(small_again).await.tier, ParameterTier::Advanced);
    assert_eq!(
        fx.ok(overwrite("/t/large", "tiny")).await.tier,
        ParameterTier::Advanced
    );
    // ...and asking for Standard is refused.
    fx.refuse(
        tiered("Standard", overwrite("/t/large", "tiny")),
        "ValidationException",
        &["You can't downgrade a parameter from the advanced-parameter tier"],
    )
    .await;
    // A Standard parameter may move up.
    let up = tiered("Advanced", overwrite("/t/small", "v2"));
    assert_eq!(fx.ok(up).await.tier, ParameterTier::Advanced);
    let tiers: Vec<_> = fx
        .versions("/t/small")
        .await
        .iter()
        .map(|h| h.tier)
        .collect();
    assert_eq!(tiers, [ParameterTier::Standard, ParameterTier::Advanced]);
}

#[tokio::test]
async fn data_types_are_text_or_checked_ami_ids() {
    let fx = Fx::new();
    fx.create("/d/plain", "v", "String").await;
    assert_eq!(fx.read("/d/plain").await.data_type, "text");
    let typed = |name: &str, value: &str, data_type: &str| {
        with_data_type(data_type, put(name, value, "String"))
    };
    for (name, ami) in [
        ("/d/ami8", "ami-1234abcd"),
        ("/d/ami17", "ami-0123456789abcdef0"),
    ] {
        fx.ok(typed(name, ami, "aws:ec2:image")).await;
        let read = fx.read(name).await;
        assert_eq!(
            (read.value.as_str(), read.data_type.as_str()),
            (ami, "aws:ec2:image")
        );
        assert_eq!(fx.meta(name).await.data_type, "aws:ec2:image");
    }
    fx.ok(typed("/d/text", "anything", "text")).await;
    for bad in [
        "ami-123",
        "ami-1234abcg",
        "i-1234abcd",
        "AMI-1234abcd",
        "ami-1234abcd ",
    ] {
        fx.refuse(
            typed("/d/bad", bad, "aws:ec2:image"),
            "ValidationException",
            // The value is not echoed back: it might be someone's secret.
            &[NOT_AN_IMAGE_ID],
        )
        .await;
    }
    for unknown in ["json", "aws:ec2:instance", "Text"] {
        fx.refuse(
            typed("/d/bad", "v", unknown),
            "ValidationException",
            &[&format!(
                "The following data type is not supported: {unknown} (Data type names are all \
                 lowercase.)"
            )],
        )
        .await;
    }
}

#[tokio::test]
async fn the_data_type_of_an_existing_parameter_does_not_change() {
    let fx = Fx::new();
    let ami = with_data_type("aws:ec2:image", put("/d/ami", "ami-1234abcd", "String"));
    fx.ok(ami).await;
    fx.create("/d/text", "ami-1234abcd", "String").await;
    let to_text = replacing(with_data_type("text", put("/d/ami", "anything", "String")));
    fx.refuse(to_text, "ValidationException", &[DATA_TYPE_CHANGE])
        .await;
    let to_image = replacing(with_data_type(
        "aws:ec2:image",
        put("/d/text", "ami-87654321", "String"),
    ));
    fx.refuse(to_image, "ValidationException", &[DATA_TYPE_CHANGE])
        .await;
    // Whatever an overwrite without DataType means, a non-AMI value never
    // lands in an aws:ec2:image parameter.
    fx.refuse(
        overwrite("/d/ami", "not-an-ami"),
        "ValidationException",
        &[NOT_AN_IMAGE_ID],
    )
    .await;
    let same = replacing(with_data_type(
        "aws:ec2:image",
        put("/d/ami", "ami-87654321", "String"),
    ));
    assert_eq!(fx.ok(same).await.version, 2);
    assert_eq!(fx.read("/d/ami").await.data_type, "aws:ec2:image");
}

#[tokio::test]
async fn each_data_type_goes_with_its_parameter_type() {
    let fx = Fx::new();
    for kind in ["StringList", "SecureString"] {
        let op = with_data_type("aws:ec2:image", put("/d/ami", "ami-1234abcd", kind));
        fx.refuse(
            op,
            "ValidationException",
            &["The data type aws:ec2:image is supported only for parameters of type String."],
        )
        .await;
    }
    for kind in ["String", "StringList"] {
        let op = with_data_type("aws:ssm:integration", put("/d/int", "{}", kind));
        fx.refuse(
            op,
            "ValidationException",
            &[
                "The data type aws:ssm:integration is supported only for parameters of type \
                  SecureString.",
            ],
        )
        .await;
    }
}

#[tokio::test]
async fn policies_fire_on_the_clock_once_each_and_bad_ones_are_refused() {
    use sysman_backend::Clock;
    let fx = Fx::new();
    let now = fx.clock.now();
    let at = |secs: i64| now.plus_secs(secs).iso8601();
    let policy = |json: String| PutParameter {
        policies: Some(json),
        ..tiered("Advanced", put("/p/bad", "v", "String"))
    };
    let expiration = |when: &str| {
        format!(r#"{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{when}"}}}}"#)
    };
    fx.refuse(
        PutParameter {
            tier: None,
            ..policy(format!("[{}]", expiration(&at(3600))))
        },
        "ValidationException",
        &["Parameter policies are supported only for parameters that use the advanced-parameter tier."],
    )
    .await;
    fx.refuse(
        policy(r#"[{"Type":"Explode"}]"#.into()),
        "InvalidPolicyTypeException",
        &["Explode"],
    )
    .await;
    fx.refuse(
        policy(format!("[{}]", expiration("tomorrow"))),
        "InvalidPolicyAttributeException",
        &["Timestamp"],
    )
    .await;
    fx.refuse(
        policy(format!("[{}]", expiration(&at(-60)))),
        "InvalidPolicyAttributeException",
        &["future"],
    )
    .await;
    let eleven = vec![expiration(&at(3600)); 11].join(",");
    fx.refuse(
        policy(format!("[{eleven}]")),
        "PoliciesLimitExceededException",
        &["10"],
    )
    .await;
    let twice = format!("[{},{}]", expiration(&at(3600)), expiration(&at(7200)));
    fx.refuse(
        policy(twice),
        "IncompatiblePolicyException",
        &["Expiration"],
    )
    .await;
    let lonely = r#"[{"Type":"ExpirationNotification","Attributes":{"Before":"1","Unit":"Days"}}]"#;
    fx.refuse(
        policy(lonely.into()),
        "IncompatiblePolicyException",
        &["Expiration"],
    )
    .await;

    // Expire in two days, warn one day before, and nag after twelve quiet hours.
    let mut events = fx.backend.subscribe();
    let set = format!(
        r#"[{},{{"Type":"ExpirationNotification","Version":"1.0","Attributes":{{"Before":"1","Unit":"Days"}}}},{{"Type":"NoChangeNotification","Version":"1.0","Attributes":{{"After":"12","Unit":"Hours"}}}}]"#,
        expiration(&at(2 * 86_400))
    );
    let out = fx
        .backend
        .call(
            &fx.admin,
            PutParameter {
                policies: Some(set),
                ..tiered("Intelligent-Tiering", put("/p/temp", "v", "String"))
            },
        )
        .await
        .unwrap();
    assert_eq!(
        out.tier,
        sysman_api::parameters::ParameterTier::Advanced,
        "policies need Advanced"
    );
    let meta = fx.meta("/p/temp").await;
    assert_eq!(meta.policies.len(), 3);
    assert!(meta.policies.iter().all(|p| p.policy_status == "Pending"));

    let fired = |events: &mut tokio::sync::broadcast::Receiver<sysman_backend::Event>| {
        let mut out = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let sysman_backend::Event::ParameterPolicy { policy, .. } = event {
                out.push(policy);
            }
        }
        out
    };
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(50));
    // The scheduler runs in the background: wait (boundedly) for what it says.
    async fn next_policy(
        events: &mut tokio::sync::broadcast::Receiver<sysman_backend::Event>,
    ) -> String {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let event = tokio::time::timeout_at(deadline, events.recv())
                .await
                .expect("the policy fires within 5 s")
                .unwrap();
            if let sysman_backend::Event::ParameterPolicy { policy, .. } = event {
                return policy;
            }
        }
    }
    fx.clock
        .advance(std::time::Duration::from_secs(12 * 3600 - 1));
    settle().await;
    assert_eq!(
        fired(&mut events),
        Vec::<String>::new(),
        "nothing is due yet"
    );
    fx.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(next_policy(&mut events).await, "NoChangeNotification");
    fx.clock.advance(std::time::Duration::from_secs(12 * 3600));
    assert_eq!(next_policy(&mut events).await, "ExpirationNotification");
    let meta = fx.meta("/p/temp").await;
    let finished: Vec<_> = meta
        .policies
        .iter()
        .filter(|p| p.policy_status == "Finished")
        .map(|p| p.policy_type.clone())
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    fx.clock.advance(std::time::Duration::from_secs(86_400 - 1));
    settle().await;
    assert!(
        fx.backend
            .call(&fx.admin, get("/p/temp", false))
            .await
            .is_ok(),
        "not a second early"
    );
    fx.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(next_policy(&mut events).await, "Expiration");
    let gone = fx
        .backend
        .call(&fx.admin, get("/p/temp", false))
        .await
        .unwrap_err();
    assert_eq!(gone.code, "ParameterNotFound");
    fx.clock
        .advance(std::time::Duration::from_secs(30 * 86_400));
    settle().await;
    assert_eq!(
        fired(&mut events),
        Vec::<String>::new(),
        "each policy fires once"
    );
}

#[tokio::test]
async fn the_store_holds_at_most_its_limit_of_each_tier() {
    let fx = Fx::with_limits(3, 2);
    for i in 0..3 {
        fx.create(&format!("/s/{i}"), "v", "String").await;
    }
    fx.refuse(
        put("/s/3", "v", "String"),
        "ParameterLimitExceeded",
        &[LIMIT_EXCEEDED],
    )
    .await;
    // New versions of existing parameters are not new parameters.
    assert_eq!(fx.update("/s/0", "v2").await, 2);
    for i in 0..2 {
        fx.ok(tiered("Advanced", put(&format!("/a/{i}"), "v", "String")))
            .await;
    }
    fx.refuse(
        tiered("Advanced", put("/a/2", "v", "String")),
        "ParameterLimitExceeded",
        &[LIMIT_EXCEEDED],
    )
    .await;
    // Deleting makes room again.
    fx.ok(delete("/s/1")).await;
    fx.create("/s/3", "v", "String").await;
    fx.refuse(
        put("/s/4", "v", "String"),
        "ParameterLimitExceeded",
        &[LIMIT_EXCEEDED],
    )
    .await;
}

#[tokio::test]
async fn moving_a_parameter_up_counts_against_the_advanced_limit() {
    let fx = Fx::with_limits(10, 1);
    fx.ok(tiered("Advanced", put("/a/0", "v", "String"))).await;
    fx.create("/s/0", "v", "String").await;
    fx.refuse(
        tiered("Advanced", overwrite("/s/0", "v2")),
        "ParameterLimitExceeded",
        &[LIMIT_EXCEEDED],
    )
    .await;
}

#[tokio::test]
async fn intelligent_tiering_uses_advanced_when_the_standard_tier_is_full() {
    let fx = Fx::with_limits(1, 5);
    fx.create("/s/0", "v", "String").await;
    let out = fx
        .ok(tiered("Intelligent-Tiering", put("/s/1", "v", "String")))
        .await;
    assert_eq!(out.tier, ParameterTier::Advanced);
}

#[tokio::test]
async fn a_parameter_keeps_its_last_100_versions() {
    let fx = Fx::new();
    fx.create("/many", "v1", "String").await;
    for n in 2..=100 {
        assert_eq!(fx.update("/many", &format!("v{n}")).await, n);
    }
    let all = fx.versions("/many").await;
    assert_eq!(versions_of(&all), (1..=100).collect::<Vec<_>>());

    // The 101st drops version 1.
    assert_eq!(fx.update("/many", "v101").await, 101);
    let all = fx.versions("/many").await;
    assert_eq!(versions_of(&all), (2..=101).collect::<Vec<_>>());
    assert_eq!(all[0].value, "v2");
    fx.refuse(
        get("/many:1", false),
        "ParameterVersionNotFound",
        &["Systems Manager could not find version 1 of /many. Verify the version and try again."],
    )
    .await;
    assert_eq!(fx.value("/many:2").await, "v2");

    // Unless the oldest carries a label.
    fx.ok(label("/many", Some(2), &["keep", "pinned"])).await;
    fx.refuse(
        overwrite("/many", "v102"),
        "ParameterMaxVersionLimitExceeded",
        &[
            "You attempted to create a new version of /many by calling the PutParameter API with \
           the overwrite flag. Version 2, the oldest version, can't be deleted because it has a \
           label associated with it. Move the label to another version of the parameter, and try \
           again.",
        ],
    )
    .await;
    // Moving the labels away frees it.
    fx.ok(label("/many", Some(50), &["keep"])).await;
    fx.ok(unlabel("/many", 2, &["pinned"])).await;
    assert_eq!(fx.update("/many", "v102").await, 102);
    let all = fx.versions("/many").await;
    assert_eq!(versions_of(&all), (3..=102).collect::<Vec<_>>());
    assert_eq!(fx.value("/many:keep").await, "v50");
    // Numbers are never reused: a new version after the drop is 103.
    assert_eq!(fx.update("/many", "v103").await, 103);
}

// ---------------------------------------------------------------------------
// GetParameters, DeleteParameters, DeleteParameter, selectors

#[tokio::test]
async fn get_parameters_takes_one_to_ten_names_and_sorts_what_it_finds() {
    let fx = Fx::new();
    let names: Vec<String> = (0..11).map(|i| format!("/g/p{i:02}")).collect();
    for name in &names {
        fx.create(name, name, "String").await;
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    fx.refuse(
        get_many(&refs),
        "ValidationException",
        &["names", "between 1 and 10"],
    )
    .await;
    fx.refuse(get_many(&[]), "ValidationException", &["names"])
        .await;

    let mut ten: Vec<&str> = refs[..10].to_vec();
    ten.reverse();
    let got = fx.ok(get_many(&ten)).await;
    let listed: Vec<_> = got.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(listed, &refs[..10], "sorted by name");
    assert!(got.invalid_parameters.is_empty());

    fx.update("/g/p00", "second").await;
    fx.ok(label("/g/p00", Some(1), &["first"])).await;
    let got = fx
        .ok(get_many(&[
            "/g/zz",
            "/g/p01",
            "/g/p00:first",
            "/g/p00:9",
            "/g/p00:nope",
            "/g/p00",
        ]))
        .await;
    assert_eq!(got.invalid_parameters, ["/g/zz", "/g/p00:9", "/g/p00:nope"]);
    let found: Vec<_> = got
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.version, p.selector.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("/g/p00", 1, Some(":first")),
            ("/g/p00", 2, None),
            ("/g/p01", 1, None)
        ]
    );
}

#[tokio::test]
async fn delete_parameters_reports_what_it_deleted_and_what_it_did_not_find() {
    let fx = Fx::new();
    for name in ["/d/a", "/d/b", "top"] {
        fx.create(name, "v", "String").await;
    }
    let out = fx
        .ok(delete_many(&["/d/a", "/d/missing", "/top", "/d/b"]))
        .await;
    assert_eq!(out.deleted_parameters, ["/d/a", "/top", "/d/b"]);
    assert_eq!(out.invalid_parameters, ["/d/missing"]);
    assert!(fx.state().await.is_empty());

    let out = fx.harmless(delete_many(&["/d/a"])).await;
    assert_eq!(
        (out.deleted_parameters.len(), out.invalid_parameters.len()),
        (0, 1)
    );

    // A name deleted and created again starts over at version 1.
    fx.create("/d/a", "again", "String").await;
    let again = fx.versions("/d/a").await;
    assert_eq!(
        (versions_of(&again), again[0].value.as_str()),
        (vec![1], "again")
    );

    let eleven: Vec<String> = (0..11).map(|i| format!("/d/{i}")).collect();
    let refs: Vec<&str> = eleven.iter().map(String::as_str).collect();
    fx.create("/d/0", "v", "String").await;
    fx.refuse(delete_many(&refs), "ValidationException", &["names", "10"])
        .await;
    fx.refuse(delete_many(&[]), "ValidationException", &["names"])
        .await;
}

#[tokio::test]
async fn missing_parameters_are_parameter_not_found_everywhere() {
    let fx = Fx::new();
    fx.create("/present", "v", "String").await;
    let name = "/app/missing";
    fx.refuse(get(name, false), "ParameterNotFound", &[name])
        .await;
    fx.refuse(delete(name), "ParameterNotFound", &[name]).await;
    fx.refuse(history(name), "ParameterNotFound", &[name]).await;
    fx.refuse(label(name, None, &["prod"]), "ParameterNotFound", &[name])
        .await;
    fx.refuse(unlabel(name, 1, &["prod"]), "ParameterNotFound", &[name])
        .await;
    fx.refuse(get(&arn(name), false), "ParameterNotFound", &[name])
        .await;
    fx.ok(delete("/present")).await;
    fx.refuse(delete("/present"), "ParameterNotFound", &["/present"])
        .await;
}

#[tokio::test]
async fn selectors_pick_a_version_or_a_label() {
    let fx = Fx::new();
    fx.create("/s/url", "v1", "String").await;
    fx.update("/s/url", "v2").await;
    fx.update("/s/url", "v3").await;
    fx.ok(label("/s/url", Some(2), &["stable"])).await;

    let by_version = fx.read("/s/url:1").await;
    assert_eq!(
        (
            by_version.value.as_str(),
            by_version.version,
            by_version.selector.as_deref()
        ),
        ("v1", 1, Some(":1"))
    );
    let by_label = fx.read("/s/url:stable").await;
    assert_eq!(
        (
            by_label.value.as_str(),
            by_label.version,
            by_label.selector.as_deref()
        ),
        ("v2", 2, Some(":stable"))
    );
    let latest = fx.read("/s/url").await;
    assert_eq!((latest.value.as_str(), latest.selector), ("v3", None));

    fx.refuse(
        get("/s/url:9", false),
        "ParameterVersionNotFound",
        &["Systems Manager could not find version 9 of /s/url. Verify the version and try again."],
    )
    .await;
    fx.refuse(get("/s/url:0", false), "ParameterVersionNotFound", &["0"])
        .await;
    fx.refuse(
        get("/s/url:canary", false),
        "ParameterVersionNotFound",
        &["canary"],
    )
    .await;
    fx.refuse(get("/s/url:", false), "ValidationException", &["/s/url:"])
        .await;
    fx.refuse(
        label("/s/url", Some(7), &["x"]),
        "ParameterVersionNotFound",
        &["7", "/s/url"],
    )
    .await;
    fx.refuse(
        unlabel("/s/url", 7, &["x"]),
        "ParameterVersionNotFound",
        &["7"],
    )
    .await;
}

// ---------------------------------------------------------------------------
// Labels

#[tokio::test]
async fn invalid_labels_come_back_in_invalid_labels() {
    let fx = Fx::new();
    fx.create("/l/p", "v1", "String").await;
    let long = "x".repeat(101);
    let longest = "y".repeat(100);
    let asked = [
        "good",
        "1st",
        "AWS-x",
        "ssm",
        "SsM.x",
        "has space",
        "a/b",
        "colon:x",
        &longest,
    ];
    let out = fx.ok(label("/l/p", None, &asked)).await;
    assert_eq!(out.parameter_version, 1);
    assert_eq!(
        out.invalid_labels,
        strs(&[
            "1st",
            "AWS-x",
            "ssm",
            "SsM.x",
            "has space",
            "a/b",
            "colon:x",
        ])
    );
    assert_eq!(
        fx.versions("/l/p").await[0].labels,
        strs(&["good", &longest])
    );
    // Longer than the model allows: refused as a whole, as AWS does.
    fx.refuse(
        label("/l/p", None, &["fine", &long]),
        "ValidationException",
        &[&format!(
            "1 validation error detected: Value '[{long}]' at 'labels' failed to satisfy \
             constraint: Member must satisfy constraint: [Member must have length less than or \
             equal to 100, Member must have length greater than or equal to 1]"
        )],
    )
    .await;

    // Only invalid labels: answered, and nothing changes.
    let out = fx
        .harmless(label("/l/p", Some(1), &["9lives", "ssm-prod"]))
        .await;
    assert_eq!(out.invalid_labels, ["9lives", "ssm-prod"]);

    for labels in [vec![], (0..11).map(|i| format!("l{i}")).collect::<Vec<_>>()] {
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        fx.refuse(
            label("/l/p", None, &refs),
            "ValidationException",
            &["labels"],
        )
        .await;
        fx.refuse(
            unlabel("/l/p", 1, &refs),
            "ValidationException",
            &["labels"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_version_carries_at_most_ten_labels() {
    let fx = Fx::new();
    fx.create("/l/p", "v1", "String").await;
    fx.update("/l/p", "v2").await;
    let ten: Vec<String> = (0..10).map(|i| format!("l{i}")).collect();
    let refs: Vec<&str> = ten.iter().map(String::as_str).collect();
    fx.ok(label("/l/p", Some(1), &refs)).await;
    fx.refuse(
        label("/l/p", Some(1), &["extra"]),
        "ParameterVersionLabelLimitExceeded",
        &[
            "A parameter version can have maximum 10 labels. Move one or more labels to another \
              version and try again.",
        ],
    )
    .await;
    // Labels it already carries do not count twice.
    fx.harmless(label("/l/p", Some(1), &["l0", "l9"])).await;
    // Another version has room of its own; taking l0 frees a place on 1.
    fx.ok(label("/l/p", Some(2), &["l0"])).await;
    fx.ok(label("/l/p", Some(1), &["extra"])).await;
    let labels: Vec<_> = fx
        .versions("/l/p")
        .await
        .iter()
        .map(|h| h.labels.len())
        .collect();
    assert_eq!(labels, [10, 1]);
}

#[tokio::test]
async fn a_label_moves_between_versions() {
    let fx = Fx::new();
    fx.create("/l/url", "v1", "String").await;
    fx.update("/l/url", "v2").await;
    fx.ok(label("/l/url", Some(1), &["prod", "old"])).await;
    assert_eq!(fx.value("/l/url:prod").await, "v1");
    // No version: the latest.
    let out = fx.ok(label("/l/url", None, &["prod"])).await;
    assert_eq!(out.parameter_version, 2);
    assert_eq!(fx.value("/l/url:prod").await, "v2");
    let labels: Vec<_> = fx
        .versions("/l/url")
        .await
        .into_iter()
        .map(|h| h.labels)
        .collect();
    assert_eq!(labels, [strs(&["old"]), strs(&["prod"])]);
    // And back.
    fx.ok(label("/l/url", Some(1), &["prod"])).await;
    let labels: Vec<_> = fx
        .versions("/l/url")
        .await
        .into_iter()
        .map(|h| h.labels)
        .collect();
    assert_eq!(labels, [strs(&["old", "prod"]), vec![]]);
}

#[tokio::test]
async fn unlabel_reports_what_it_removed_and_what_was_not_there() {
    let fx = Fx::new();
    fx.create("/l/p", "v1", "String").await;
    fx.update("/l/p", "v2").await;
    fx.ok(label("/l/p", Some(1), &["a", "b"])).await;
    fx.ok(label("/l/p", Some(2), &["c"])).await;
    let out = fx.ok(unlabel("/l/p", 1, &["a", "zz", "c"])).await;
    assert_eq!(out.removed_labels, ["a"]);
    assert_eq!(out.invalid_labels, ["zz", "c"]);
    let labels: Vec<_> = fx
        .versions("/l/p")
        .await
        .into_iter()
        .map(|h| h.labels)
        .collect();
    assert_eq!(labels, [strs(&["b"]), strs(&["c"])]);
    fx.refuse(get("/l/p:a", false), "ParameterVersionNotFound", &["a"])
        .await;

    let out = fx.harmless(unlabel("/l/p", 1, &["a"])).await;
    assert_eq!(
        (out.removed_labels.len(), out.invalid_labels),
        (0, strs(&["a"]))
    );
}

// ---------------------------------------------------------------------------
// GetParametersByPath

#[tokio::test]
async fn by_path_reads_one_level_or_all_below() {
    let fx = tree().await;
    assert_eq!(
        fx.names(by_path("/app", false)).await,
        set(&["/app/top", "/app/ami"])
    );
    assert_eq!(fx.names(by_path("/app", true)).await, set(&APP));
    assert_eq!(
        fx.names(by_path("/app/db", false)).await,
        set(&["/app/db/host", "/app/db/password"])
    );
    assert_eq!(
        fx.names(by_path("/app/", false)).await,
        set(&["/app/top", "/app/ami"])
    );
    assert!(
        fx.names(by_path("/ap", true)).await.is_empty(),
        "a path is whole levels"
    );
    assert!(fx.names(by_path("/nowhere", true)).await.is_empty());
    let default = GetParametersByPath {
        path: "/app".into(),
        ..Default::default()
    };
    assert_eq!(
        fx.names(default).await,
        set(&["/app/top", "/app/ami"]),
        "one level by default"
    );

    // Values come decrypted only when asked.
    let op = GetParametersByPath {
        with_decryption: Some(true),
        ..by_path("/app/db", false)
    };
    let values: Vec<_> = fx.walk(op).await.0.into_iter().map(|p| p.value).collect();
    assert!(values.contains(&"hunter2".to_owned()), "{values:?}");
    let sealed: Vec<_> = fx.walk(by_path("/app/db", false)).await.0;
    assert!(sealed.iter().all(|p| p.value != "hunter2"));

    for path in ["app", "/###", "//", "/app//db"] {
        fx.refuse(
            by_path(path, true),
            "ValidationException",
            &["The parameter doesn't meet the parameter name requirements."],
        )
        .await;
    }
}

#[tokio::test]
async fn the_root_path_lists_top_level_parameters_however_they_were_spelled() {
    let fx = tree().await;
    fx.create("/slashed", "v", "String").await;
    assert_eq!(
        fx.names(by_path("/", false)).await,
        set(&["flat", "/slashed"])
    );
    let one_level = describe(vec![filter("Path", Some("OneLevel"), &["/"])]);
    assert_eq!(fx.names(one_level).await, set(&["flat", "/slashed"]));
}

#[tokio::test]
async fn by_path_pages_hold_one_to_ten_and_walk_everything_once() {
    let fx = Fx::new();
    let mut expected = BTreeSet::new();
    for i in 0..23 {
        let name = format!("/p/n{i:02}/leaf");
        fx.create(&name, "v", "String").await;
        expected.insert(name);
    }
    // Names outside the path, before and after it in order, do not leak in.
    fx.create("/o/x", "v", "String").await;
    fx.create("/q/x", "v", "String").await;
    for max in [1, 3, 10] {
        let op = GetParametersByPath {
            max_results: Some(max),
            ..by_path("/p", true)
        };
        let (items, pages) = fx.walk(op).await;
        let names: BTreeSet<_> = items.into_iter().map(|p| p.name).collect();
        assert_eq!(names, expected, "MaxResults {max}");
        assert!(
            pages >= 23usize.div_ceil(max as usize),
            "{pages} pages of {max}"
        );
    }
    for max in [0, 11, -1] {
        let op = GetParametersByPath {
            max_results: Some(max),
            ..by_path("/p", true)
        };
        fx.refuse(op, "ValidationException", &["maxResults", &max.to_string()])
            .await;
    }

    let first = GetParametersByPath {
        max_results: Some(5),
        ..by_path("/p", true)
    };
    let token = fx.ok(first.clone()).await.next_token.expect("more pages");
    let mut edited = token.clone();
    edited.insert(3, 'x');
    let appended = format!("{token}A");
    for bad in [edited.as_str(), appended.as_str(), "not-a-token", "e30.e30"] {
        let op = GetParametersByPath {
            next_token: Some(bad.into()),
            ..first.clone()
        };
        fx.refuse(
            op,
            "InvalidNextToken",
            &["The specified token isn't valid."],
        )
        .await;
    }
    // A token is good only for the request that issued it.
    let elsewhere = GetParametersByPath {
        path: "/q".into(),
        next_token: Some(token.clone()),
        ..first.clone()
    };
    fx.refuse(
        elsewhere,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    let other_filters = GetParametersByPath {
        parameter_filters: Some(vec![filter("Type", None, &["String"])]),
        next_token: Some(token.clone()),
        ..first.clone()
    };
    fx.refuse(
        other_filters,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    let resumed = GetParametersByPath {
        next_token: Some(token),
        ..first
    };
    assert_eq!(fx.ok(resumed).await.parameters.len(), 5);
}

#[tokio::test]
async fn by_path_filters_on_type_key_and_label_only() {
    let fx = tree().await;
    let names = |filters| fx.names(by_path_filtered("/app", filters));
    assert_eq!(
        names(vec![filter("Type", None, &["SecureString"])]).await,
        set(&["/app/db/password"])
    );
    assert_eq!(
        names(vec![filter(
            "Type",
            Some("Equals"),
            &["String", "StringList"]
        )])
        .await,
        set(&["/app/db/host", "/app/web/url", "/app/top", "/app/ami"])
    );
    assert_eq!(
        names(vec![filter("Type", Some("BeginsWith"), &["String"])]).await,
        set(&["/app/db/host", "/app/web/url", "/app/top", "/app/ami"])
    );
    assert_eq!(
        names(vec![filter("KeyId", None, &[DEFAULT_KEY])]).await,
        set(&["/app/db/password"])
    );
    assert_eq!(
        names(vec![filter("Label", None, &["prod"])]).await,
        set(&["/app/db/password"])
    );
    assert_eq!(
        names(vec![filter("Label", Some("Equals"), &["prod"])]).await,
        set(&["/app/db/password"])
    );
    assert!(
        names(vec![filter("Label", None, &["staging"])])
            .await
            .is_empty()
    );
    assert!(
        names(vec![
            filter("Type", None, &["String"]),
            filter("Label", None, &["prod"])
        ])
        .await
        .is_empty(),
        "filters all apply"
    );

    fx.refuse(
        by_path_filtered("/app", vec![filter("Color", None, &["x"])]),
        "ValidationException",
        &["Value 'Color' at 'parameterFilters.1.member.key' failed to satisfy constraint"],
    )
    .await;
    for key in ["Name", "Path", "Tier", "DataType", "tag:Team"] {
        fx.refuse(
            by_path_filtered("/app", vec![filter(key, None, &["x"])]),
            "InvalidFilterKey",
            &[&format!(
                "The following filter key is not valid: {key}. Valid filter keys include: \
                 [Type, KeyId]."
            )],
        )
        .await;
    }
    fx.refuse(
        by_path_filtered("/app", vec![filter("Label", Some("BeginsWith"), &["pr"])]),
        "InvalidFilterOption",
        &["The following filter option is not valid: BeginsWith. Valid options include: [Equals]."],
    )
    .await;
    fx.refuse(
        by_path_filtered("/app", vec![filter("Type", Some("Contains"), &["String"])]),
        "InvalidFilterOption",
        &["Contains"],
    )
    .await;
    fx.refuse(
        by_path_filtered("/app", vec![filter("Type", None, &["Secret"])]),
        "InvalidFilterValue",
        &["Secret"],
    )
    .await;
    fx.refuse(
        by_path_filtered("/app", vec![filter("Label", None, &[])]),
        "InvalidFilterValue",
        &["The following filter values are missing : null for filter key Label."],
    )
    .await;
}

// ---------------------------------------------------------------------------
// DescribeParameters

#[tokio::test]
async fn describe_filters_by_name_type_key_path_tier_data_type_and_tags() {
    let fx = tree().await;
    let everything = fx.names(DescribeParameters::default()).await;
    let mut all = set(&APP);
    all.extend(set(&["/other/x", "flat"]));
    assert_eq!(everything, all);

    let cases: Vec<(Vec<ParameterStringFilter>, BTreeSet<String>)> = vec![
        (
            vec![filter("Name", None, &["/app/db/host"])],
            set(&["/app/db/host"]),
        ),
        (vec![filter("Name", Some("Equals"), &["/app/db"])], set(&[])),
        (vec![filter("Name", None, &["flat"])], set(&["flat"])),
        (vec![filter("Name", None, &["/flat"])], set(&["flat"])),
        // As AWS compares them: a leading '/' or none, the same name.
        (
            vec![filter("Name", None, &["app/db/host"])],
            set(&["/app/db/host"]),
        ),
        (
            vec![filter("Name", Some("BeginsWith"), &["/fl"])],
            set(&["flat"]),
        ),
        (
            vec![filter("Name", Some("BeginsWith"), &["app/d"])],
            set(&["/app/db/host", "/app/db/password"]),
        ),
        (vec![filter("Path", None, &["/"])], set(&["flat"])),
        (
            vec![filter("Path", None, &["/app/"])],
            set(&["/app/top", "/app/ami"]),
        ),
        (
            vec![filter("Name", Some("BeginsWith"), &["/app/db"])],
            set(&["/app/db/host", "/app/db/password"]),
        ),
        (
            vec![filter("Name", Some("Contains"), &["db"])],
            set(&["/app/db/host", "/app/db/password"]),
        ),
        (
            vec![filter("Name", None, &["/app/top", "/other/x"])],
            set(&["/app/top", "/other/x"]),
        ),
        (
            vec![filter("Type", None, &["StringList"])],
            set(&["/app/top"]),
        ),
        (
            vec![filter("KeyId", None, &[DEFAULT_KEY])],
            set(&["/app/db/password"]),
        ),
        (
            vec![filter("Path", Some("Recursive"), &["/app"])],
            set(&APP),
        ),
        (
            vec![filter("Path", Some("OneLevel"), &["/app"])],
            set(&["/app/top", "/app/ami"]),
        ),
        (
            vec![filter("Path", Some("OneLevel"), &["/app/db", "/other"])],
            set(&["/app/db/host", "/app/db/password", "/other/x"]),
        ),
        (
            vec![filter("Tier", None, &["Advanced"])],
            set(&["/app/web/url"]),
        ),
        (
            vec![filter("DataType", None, &["aws:ec2:image"])],
            set(&["/app/ami"]),
        ),
        (
            vec![filter("tag:Team", None, &["core"])],
            set(&["/app/db/host"]),
        ),
        (
            vec![filter("tag:Team", None, &[])],
            set(&["/app/db/host", "/other/x"]),
        ),
        (
            vec![filter("tag:Team", Some("BeginsWith"), &["w"])],
            set(&["/other/x"]),
        ),
        (vec![filter("tag:Owner", None, &[])], set(&[])),
        (
            vec![
                filter("Path", Some("Recursive"), &["/app"]),
                filter("Type", None, &["String"]),
            ],
            set(&["/app/db/host", "/app/web/url", "/app/ami"]),
        ),
        // A Path filter without an Option looks one level down, as AWS's does.
        (
            vec![
                filter("Path", None, &["/app"]),
                filter("Type", None, &["String"]),
            ],
            set(&["/app/ami"]),
        ),
    ];
    for (filters, expected) in cases {
        let shown = format!("{filters:?}");
        assert_eq!(fx.names(describe(filters)).await, expected, "{shown}");
    }
    let standard = fx
        .names(describe(vec![filter("Tier", None, &["Standard"])]))
        .await;
    assert_eq!(standard.len(), 6);
}

#[tokio::test]
async fn describe_takes_the_legacy_filters_too() {
    let fx = tree().await;
    for (key, values, expected) in [
        ("Name", vec!["/app/db/host"], set(&["/app/db/host"])),
        ("Type", vec!["SecureString"], set(&["/app/db/password"])),
        (
            "Type",
            vec!["StringList", "SecureString"],
            set(&["/app/top", "/app/db/password"]),
        ),
        ("KeyId", vec![DEFAULT_KEY], set(&["/app/db/password"])),
    ] {
        assert_eq!(
            fx.names(describe_legacy(key, &values)).await,
            expected,
            "{key}"
        );
    }
}

#[tokio::test]
async fn describe_refuses_legacy_and_new_filters_together() {
    let fx = tree().await;
    let both = DescribeParameters {
        parameter_filters: Some(vec![filter("Type", None, &["String"])]),
        ..describe_legacy("Name", &["/app"])
    };
    fx.refuse(
        both,
        "ValidationException",
        &["Filters", "ParameterFilters"],
    )
    .await;
}

#[tokio::test]
async fn describe_refuses_bad_filters_pages_and_tokens() {
    let fx = tree().await;
    fx.refuse(
        describe(vec![filter("Label", None, &["prod"])]),
        "InvalidFilterKey",
        &[
            "The following filter key is not valid: Label. Valid filter keys include: \
           [Path, Name, Type, KeyId, Tier].",
        ],
    )
    .await;
    let invalid_path = "The parameter doesn't meet the parameter name requirements.";
    let reserved_path = "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" \
         (case-insensitive).";
    for (f, code, message) in [
        (
            filter("Name", Some("Regex"), &["x"]),
            "InvalidFilterOption",
            "The following filter option is not valid: Regex. Valid options include: \
             [BeginsWith, Equals, Contains].",
        ),
        (
            filter("Path", Some("Contains"), &["/app"]),
            "InvalidFilterOption",
            "The following filter option is not valid: Contains. Valid options include: \
             [Recursive, OneLevel].",
        ),
        (
            filter("Type", Some("Contains"), &["S"]),
            "InvalidFilterOption",
            "The following filter option is not valid: Contains. Valid options include: \
             [BeginsWith, Equals].",
        ),
        (
            filter("Type", None, &["Secret"]),
            "InvalidFilterValue",
            "The following filter value is not valid: Secret. Valid values include: \
             [String, StringList, SecureString].",
        ),
        (
            filter("Tier", None, &["Cold"]),
            "InvalidFilterValue",
            "The following filter value is not valid: Cold. Valid values include: \
             [Standard, Advanced, Intelligent-Tiering].",
        ),
        (
            filter("Name", None, &[]),
            "InvalidFilterValue",
            "The following filter values are missing : null for filter key Name.",
        ),
        (
            filter("Path", None, &["/###"]),
            "ValidationException",
            invalid_path,
        ),
        (
            filter("Path", None, &["//"]),
            "ValidationException",
            invalid_path,
        ),
        (
            filter("Path", None, &["test"]),
            "ValidationException",
            invalid_path,
        ),
        (
            filter("Path", None, &["/aws"]),
            "ValidationException",
            reserved_path,
        ),
        (
            filter("Path", None, &["/SSM/x"]),
            "ValidationException",
            reserved_path,
        ),
    ] {
        fx.refuse(describe(vec![f]), code, &[message]).await;
    }
    fx.refuse(
        describe(vec![
            filter("Type", None, &["String"]),
            filter("Type", None, &["SecureString"]),
        ]),
        "InvalidFilterKey",
        &[
            "The following filter is duplicated in the request: Type. A request can contain only \
           one occurrence of a specific filter.",
        ],
    )
    .await;
    for max in [0, 51] {
        let op = DescribeParameters {
            max_results: Some(max),
            ..Default::default()
        };
        fx.refuse(op, "ValidationException", &["maxResults", &max.to_string()])
            .await;
    }
    let op = DescribeParameters {
        max_results: Some(50),
        ..Default::default()
    };
    assert_eq!(fx.ok(op).await.parameters.len(), 7);

    for max in [1, 2, 50] {
        let op = DescribeParameters {
            max_results: Some(max),
            ..Default::default()
        };
        assert_eq!(fx.names(op).await.len(), 7, "MaxResults {max}");
    }
    let paged = DescribeParameters {
        max_results: Some(2),
        ..Default::default()
    };
    let token = fx.ok(paged.clone()).await.next_token.expect("more pages");
    let reused = DescribeParameters {
        next_token: Some(token),
        ..describe(vec![filter("Type", None, &["String"])])
    };
    fx.refuse(
        reused,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    let forged = DescribeParameters {
        next_token: Some("eyJvIjoiRGVzY3JpYmVQYXJhbWV0ZXJzIn0.AAAA".into()),
        ..paged
    };
    fx.refuse(
        forged,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
}

#[tokio::test]
async fn describe_refuses_a_tag_filter_without_a_tag_key() {
    let fx = tree().await;
    fx.refuse(
        describe(vec![filter("tag:", None, &["x"])]),
        "ValidationException",
        &[
            "Value 'tag:' at 'parameterFilters.1.member.key' failed to satisfy constraint: \
           Member must satisfy regular expression pattern: \
           tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType",
        ],
    )
    .await;
}

#[tokio::test]
async fn describe_shows_each_parameters_metadata() {
    let fx = Fx::new();
    let ada = Caller::admin("ada");
    let secret = PutParameter {
        description: Some("the db password".into()),
        allowed_pattern: Some("^.{8,}$".into()),
        ..tiered("Advanced", put("/m/secret", "longenough", "SecureString"))
    };
    fx.ok_as(&ada, secret).await;
    let meta = fx.meta("/m/secret").await;
    assert_eq!(
        meta,
        ParameterMetadata {
            name: "/m/secret".into(),
            arn: arn("/m/secret"),
            r#type: ParameterType::SecureString,
            key_id: Some(DEFAULT_KEY.into()),
            last_modified_date: START,
            last_modified_user: "arn:aws:iam::000000000000:user/ada".into(),
            description: Some("the db password".into()),
            allowed_pattern: Some("^.{8,}$".into()),
            version: 1,
            tier: ParameterTier::Advanced,
            policies: vec![],
            data_type: "text".into(),
        }
    );

    fx.clock.advance(Duration::from_secs(90));
    let bob = Caller::admin("bob");
    let newer = PutParameter {
        description: Some("rotated".into()),
        ..overwrite("/m/secret", "evenlonger")
    };
    fx.ok_as(&bob, newer).await;
    let meta = fx.meta("/m/secret").await;
    assert_eq!(meta.version, 2);
    assert_eq!(
        meta.last_modified_user,
        "arn:aws:iam::000000000000:user/bob"
    );
    assert_eq!(meta.last_modified_date, Timestamp::from_secs(1_795_435_290));
    assert_eq!(meta.description.as_deref(), Some("rotated"));
    assert_eq!(meta.allowed_pattern.as_deref(), Some("^.{8,}$"));
    assert_eq!(
        (meta.r#type, meta.tier),
        (ParameterType::SecureString, ParameterTier::Advanced)
    );

    fx.create("/m/plain", "v", "String").await;
    let plain = fx.meta("/m/plain").await;
    assert_eq!(
        (
            plain.key_id,
            plain.description,
            plain.allowed_pattern,
            plain.tier
        ),
        (None, None, None, ParameterTier::Standard)
    );
}

// ---------------------------------------------------------------------------
// GetParameterHistory

#[tokio::test]
async fn history_shows_every_version_as_it_was() {
    let fx = Fx::new();
    let described = |value: &str, kind: &str, description: &str| PutParameter {
        description: Some(description.into()),
        overwrite: Some(true),
        ..put("cfg", value, kind)
    };
    fx.ok(described("plain", "String", "first")).await;
    fx.clock.advance(Duration::from_secs(60));
    fx.ok(described("a,b", "StringList", "second")).await;
    fx.clock.advance(Duration::from_secs(60));
    fx.ok(tiered(
        "Advanced",
        described("s3cret", "SecureString", "third"),
    ))
    .await;
    fx.ok(label("cfg", Some(1), &["orig"])).await;
    fx.ok(label("cfg", Some(3), &["live", "current"])).await;

    let all = fx.versions("cfg").await;
    let seen: Vec<_> = all
        .iter()
        .map(|h| {
            (
                h.version,
                h.r#type,
                h.value.as_str(),
                h.description.as_deref(),
                h.key_id.as_deref(),
                h.tier,
                h.labels.clone(),
                h.last_modified_date,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                1,
                ParameterType::String,
                "plain",
                Some("first"),
                None,
                ParameterTier::Standard,
                strs(&["orig"]),
                START
            ),
            (
                2,
                ParameterType::StringList,
                "a,b",
                Some("second"),
                None,
                ParameterTier::Standard,
                vec![],
                Timestamp::from_secs(1_795_435_260)
            ),
            (
                3,
                ParameterType::SecureString,
                "s3cret",
                Some("third"),
                Some(DEFAULT_KEY),
                ParameterTier::Advanced,
                strs(&["current", "live"]),
                Timestamp::from_secs(1_795_435_320)
            ),
        ]
    );
    assert!(
        all.iter().all(
            |h| h.name == "cfg" && h.last_modified_user == "arn:aws:iam::000000000000:user/ops"
        )
    );

    // Without decryption the SecureString version stays sealed; the others
    // read as they are.
    let sealed = fx
        .ok(GetParameterHistory {
            with_decryption: Some(false),
            ..history("cfg")
        })
        .await
        .parameters;
    assert_eq!(
        (sealed[0].value.as_str(), sealed[1].value.as_str()),
        ("plain", "a,b")
    );
    assert!(!sealed[2].value.contains("s3cret"));
}

#[tokio::test]
async fn history_comes_in_pages_of_one_to_fifty() {
    let fx = Fx::new();
    fx.create("/h/p", "v1", "String").await;
    for n in 2..=7 {
        fx.update("/h/p", &format!("v{n}")).await;
    }
    for max in [1, 2, 3, 50] {
        let op = GetParameterHistory {
            max_results: Some(max),
            ..history("/h/p")
        };
        let (items, pages) = fx.walk(op).await;
        assert_eq!(
            versions_of(&items),
            (1..=7).collect::<Vec<_>>(),
            "MaxResults {max}"
        );
        assert_eq!(pages, 7usize.div_ceil(max as usize), "MaxResults {max}");
    }
    for max in [0, 51] {
        let op = GetParameterHistory {
            max_results: Some(max),
            ..history("/h/p")
        };
        fx.refuse(op, "ValidationException", &["maxResults"]).await;
    }
    fx.create("/h/q", "v", "String").await;
    let first = GetParameterHistory {
        max_results: Some(2),
        ..history("/h/p")
    };
    let token = fx.ok(first).await.next_token.expect("more pages");
    let elsewhere = GetParameterHistory {
        next_token: Some(token),
        ..history("/h/q")
    };
    fx.refuse(
        elsewhere,
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
}

// ---------------------------------------------------------------------------
// Tags

#[tokio::test]
async fn parameters_take_tags_through_the_tag_operations() {
    let fx = Fx::new();
    fx.create("/t/p", "v", "String").await;
    fx.create("top", "v", "String").await;
    assert!(fx.tags("/t/p").await.is_empty());
    fx.ok(add_tags(
        "/t/p",
        vec![Tag::new("Team", "core"), Tag::new("Env", "dev")],
    ))
    .await;
    fx.ok(add_tags("/t/p", vec![Tag::new("Env", "prod")])).await;
    assert_eq!(
        fx.tags("/t/p").await,
        [Tag::new("Env", "prod"), Tag::new("Team", "core")]
    );
    fx.ok(remove_tags("/t/p", &["Team", "Absent"])).await;
    assert_eq!(fx.tags(&arn("/t/p")).await, [Tag::new("Env", "prod")]);
    // Tags belong to the parameter, not to a version.
    fx.update("/t/p", "v2").await;
    assert_eq!(fx.tags("/t/p").await, [Tag::new("Env", "prod")]);
    fx.ok(add_tags("/top", vec![Tag::new("Scope", "root")]))
        .await;
    assert_eq!(fx.tags("top").await, [Tag::new("Scope", "root")]);

    for id in ["/t/missing", "missing"] {
        fx.refuse(
            add_tags(id, vec![Tag::new("a", "b")]),
            "InvalidResourceId",
            &["Invalid Resource Id"],
        )
        .await;
        fx.refuse(
            remove_tags(id, &["a"]),
            "InvalidResourceId",
            &["Invalid Resource Id"],
        )
        .await;
        fx.refuse(list_tags(id), "InvalidResourceId", &["Invalid Resource Id"])
            .await;
    }
    let many = (0..50).map(|i| Tag::new(format!("k{i}"), "v")).collect();
    fx.refuse(
        add_tags("/t/p", many),
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;
    fx.refuse(
        add_tags("/t/p", vec![Tag::new("aws:x", "v")]),
        "ValidationException",
        &["aws:x"],
    )
    .await;
    // Deleting a parameter takes its tags with it.
    fx.ok(delete("/t/p")).await;
    fx.create("/t/p", "v", "String").await;
    assert!(fx.tags("/t/p").await.is_empty());
}

// ---------------------------------------------------------------------------
// SecureStrings

#[tokio::test]
async fn secure_string_values_stay_out_of_the_audit_trail_and_sealed_reads() {
    let fx = Fx::new();
    let secret = "Tr0ub4dor-Value-1";
    let pinned = PutParameter {
        allowed_pattern: Some("^[A-Za-z0-9]+-[A-Za-z]+-[0-9]+$".into()),
        ..put("/sec/pw", secret, "SecureString")
    };
    fx.ok(pinned).await;
    fx.create("/sec/plain", "plain-visible-value", "String")
        .await;
    // An overwrite without a type stays a SecureString.
    fx.ok(overwrite("/sec/pw", "Tr0ub4dor-Value-2")).await;
    let typed = replacing(put("/sec/pw", "Tr0ub4dor-Value-3", "SecureString"));
    fx.ok(typed).await;
    // Refused writes are audited too.
    fx.refuse(
        overwrite("/sec/pw", "Tr0ub4dor-Value-bad"),
        "ParameterPatternMismatchException",
        &[],
    )
    .await;
    fx.refuse(
        put("/sec/pw", "Tr0ub4dor-Value-4", "SecureString"),
        "ParameterAlreadyExists",
        &[],
    )
    .await;
    fx.refuse(
        put("/sec/new", "Tr0ub4dor-Value-5", "securestring"),
        "ValidationException",
        &[],
    )
    .await;

    let read = fx.read("/sec/pw").await;
    assert_eq!(
        (read.r#type, read.value.as_str(), read.version),
        (ParameterType::SecureString, "Tr0ub4dor-Value-3", 3)
    );
    let kinds: Vec<_> = fx
        .versions("/sec/pw")
        .await
        .iter()
        .map(|h| h.r#type)
        .collect();
    assert_eq!(kinds, [ParameterType::SecureString; 3]);
    assert_eq!(
        fx.meta("/sec/pw").await.key_id.as_deref(),
        Some(DEFAULT_KEY)
    );

    // Every read without decryption gives ciphertext, never the plaintext.
    let sealed = fx.ok(get("/sec/pw", false)).await.parameter.value;
    let many = GetParameters {
        with_decryption: Some(false),
        ..get_many(&["/sec/pw", "/sec/pw:1"])
    };
    let mut ciphertexts = vec![sealed];
    ciphertexts.extend(fx.ok(many).await.parameters.into_iter().map(|p| p.value));
    let path = fx.walk(by_path("/sec", false)).await.0;
    ciphertexts.extend(
        path.into_iter()
            .filter(|p| p.name == "/sec/pw")
            .map(|p| p.value),
    );
    let old = GetParameterHistory {
        with_decryption: Some(false),
        ..history("/sec/pw")
    };
    ciphertexts.extend(fx.walk(old).await.0.into_iter().map(|h| h.value));
    assert_eq!(ciphertexts.len(), 7);
    for c in &ciphertexts {
        assert!(!c.is_empty() && !c.contains("Tr0ub4dor"), "{c}");
    }
    let unique: BTreeSet<_> = ciphertexts.iter().collect();
    assert_eq!(unique.len(), 3, "one ciphertext per version");

    fx.backend.flush().await;
    let records = fx.backend.audit_records().await.unwrap();
    let puts = records
        .iter()
        .filter(|r| r.operation == "PutParameter")
        .count();
    assert_eq!(puts, 7);
    for r in &records {
        let all = format!("{} {} {} {}", r.principal, r.resource, r.outcome, r.request);
        assert!(
            !all.contains("Tr0ub4dor"),
            "a secret reached the audit trail: {r:?}"
        );
    }
    assert!(
        records
            .iter()
            .any(|r| r.request.contains("plain-visible-value")),
        "String values are audited as they are"
    );
    assert!(
        records
            .iter()
            .any(|r| r.outcome == "ParameterPatternMismatchException")
    );
}

// ---------------------------------------------------------------------------
// Concurrent writers and durability

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_name_let_exactly_one_win() {
    let fx = Fx::new();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let backend = fx.backend.clone();
            let admin = fx.admin.clone();
            let op = put("/race/new", &format!("writer-{i}"), "String");
            tokio::spawn(async move { backend.call(&admin, op).await })
        })
        .collect();
    let mut won = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(out) => won.push((i, out.version)),
            Err(e) => assert_eq!(e.code, "ParameterAlreadyExists", "{e}"),
        }
    }
    let [(winner, 1)] = won[..] else {
        panic!("{won:?} won; expected exactly one version 1")
    };
    let history = fx.versions("/race/new").await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].value, format!("writer-{winner}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_overwrites_get_distinct_versions_that_survive_a_reopen() {
    const WRITERS: i64 = 16;
    let dir = tempfile::tempdir().unwrap();
    let fx = Fx::open(Some(dir.path()), ParameterLimits::default());
    fx.create("/race/secret", "seed", "SecureString").await;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let backend = fx.backend.clone();
            let admin = fx.admin.clone();
            tokio::spawn(async move {
                let value = format!("writer-{i}");
                let out = backend
                    .call(&admin, overwrite("/race/secret", &value))
                    .await;
                (out.expect("a concurrent overwrite failed").version, value)
            })
        })
        .collect();
    let mut acknowledged = vec![(1, "seed".to_owned())];
    for task in tasks {
        acknowledged.push(task.await.unwrap());
    }
    acknowledged.sort();
    let numbers: Vec<i64> = acknowledged.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        numbers,
        (1..=WRITERS + 1).collect::<Vec<_>>(),
        "gaps or duplicates"
    );

    let seen = |history: Vec<ParameterHistory>| -> Vec<(i64, String)> {
        history
            .into_iter()
            .map(|h| {
                assert_eq!(h.r#type, ParameterType::SecureString);
                (h.version, h.value)
            })
            .collect()
    };
    assert_eq!(seen(fx.versions("/race/secret").await), acknowledged);
    let latest = fx.read("/race/secret").await;
    assert_eq!(latest.version, WRITERS + 1);
    drop(fx);

    // Every acknowledged write is on disk, and still decrypts.
    let reopened = Fx::open(Some(dir.path()), ParameterLimits::default());
    assert_eq!(seen(reopened.versions("/race/secret").await), acknowledged);
    assert_eq!(
        reopened.update("/race/secret", "after").await,
        WRITERS + 2,
        "numbering resumes"
    );
}

#[tokio::test]
async fn a_reopened_store_sees_labels_tags_tiers_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let fx = Fx::open(Some(dir.path()), ParameterLimits::default());
        let tagged = PutParameter {
            tags: Some(vec![Tag::new("Team", "core")]),
            description: Some("kept".into()),
            ..tiered("Advanced", put("/keep/me", "v1", "String"))
        };
        fx.ok(tagged).await;
        fx.update("/keep/me", "v2").await;
        fx.ok(label("/keep/me", Some(1), &["orig"])).await;
        fx.create("gone", "v", "String").await;
        fx.ok(delete("/gone")).await;
        fx.create("/sealed", "s3cr3t", "SecureString").await;
        fx.state().await
    };
    let fx = Fx::open(Some(dir.path()), ParameterLimits::default());
    assert_eq!(fx.state().await, before);
    assert_eq!(fx.value("/sealed").await, "s3cr3t");
    assert_eq!(fx.value("/keep/me:orig").await, "v1");
    fx.refuse(get("gone", false), "ParameterNotFound", &["gone"])
        .await;
}
