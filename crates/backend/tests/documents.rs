//! SSM documents through the one gate, as a user of the AWS-compatible API
//! notices them: creating Command documents in JSON and YAML, reading them
//! back (also converted to the other format), versions and the default
//! version, deleting, the built-in documents owned by Amazon, ListDocuments
//! with both filter forms and its pages, tags, a restart, and the audit
//! trail.
//!
//! Every refused request is checked three ways: the exact error code, a
//! message that names what was wrong, and documents left exactly as they
//! were.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sysman_api::documents::{
    CreateDocument, DeleteDocument, DescribeDocument, DocumentDescription, DocumentFilter,
    DocumentFormat, DocumentIdentifier, DocumentKeyValuesFilter, DocumentParameter, DocumentType,
    DocumentVersionInfo, GetDocument, GetDocumentResult, ListDocumentVersions, ListDocuments,
    UpdateDocument, UpdateDocumentDefaultVersion,
};
use sysman_api::fleet::{
    AddTagsToResource, ListTagsForResource, PlatformType, RemoveTagsFromResource,
};
use sysman_api::{ApiError, Tag, Timestamp};
use sysman_backend::{Backend, Caller, Event, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z
const ACCOUNT: &str = "000000000000";
const SHELL: &str = "AWS-RunShellScript";
const POWERSHELL: &str = "AWS-RunPowerShellScript";
const PATCH_BASELINE: &str = "AWS-RunPatchBaseline";
const BUILT_INS: [&str; 3] = [PATCH_BASELINE, POWERSHELL, SHELL];

/// A Command document in JSON, written by hand (odd spacing and all) so
/// that reading it back exactly is a real check.
const RESTART_JSON: &str = r#"{
    "schemaVersion": "2.2",
    "description": "Restart a service.",
    "parameters": {
        "service":  { "type": "String", "default": "nginx", "description": "The service to restart." },
        "delay":    { "type": "Integer", "default": 5 },
        "hosts":    { "type": "StringList", "default": ["a", "b"] },
        "verbose":  { "type": "Boolean", "default": false },
        "required": { "type": "String" }
    },
    "mainSteps": [
        {
            "action": "aws:runShellScript",
            "name": "restart",
            "inputs": {
                "runCommand": ["sleep {{ delay }}", "systemctl restart {{service}}", "echo {{ required }}"],
                "timeoutSeconds": 60
            }
        }
    ]
}
"#;

/// A Command document in YAML, with comments and a block scalar.
const HELLO_YAML: &str = "\
# Says hello.
schemaVersion: '2.2'
description: Say hello.
parameters:
  greeting:
    type: String
    default: hello
    allowedValues: [hello, 'no', 'on']
    description: What to say.
  times:
    type: Integer
    default: 3
mainSteps:
  - action: aws:runShellScript
    name: hello
    inputs:
      runCommand:
        - echo {{ greeting }}
        - |
          for i in $(seq {{ times }}); do
            echo again
          done
";

// ---------------------------------------------------------------------------
// Request builders

fn strs(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::new(key, value)
}

/// A small shell document whose content differs with `line`.
fn shell_doc(line: &str) -> String {
    serde_json::to_string_pretty(&json!({
        "schemaVersion": "2.2",
        "description": format!("Runs {line}."),
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": "run",
            "inputs": {"runCommand": [line]}
        }]
    }))
    .unwrap()
}

/// A document whose one step is `step` (merged over a valid shell step).
fn doc_with_step(step: Value) -> String {
    let mut base = json!({
        "action": "aws:runShellScript",
        "name": "run",
        "inputs": {"runCommand": ["true"]}
    });
    if let (Some(base), Some(over)) = (base.as_object_mut(), step.as_object()) {
        for (k, v) in over {
            base.insert(k.clone(), v.clone());
        }
    }
    json!({"schemaVersion": "2.2", "mainSteps": [base]}).to_string()
}

fn create(name: &str, content: &str) -> CreateDocument {
    CreateDocument {
        name: name.to_owned(),
        content: content.to_owned(),
        ..Default::default()
    }
}

fn create_yaml(name: &str, content: &str) -> CreateDocument {
    CreateDocument {
        document_format: Some("YAML".into()),
        ..create(name, content)
    }
}

fn update(name: &str, content: &str) -> UpdateDocument {
    UpdateDocument {
        name: name.to_owned(),
        content: content.to_owned(),
        ..Default::default()
    }
}

fn describe(name: &str) -> DescribeDocument {
    DescribeDocument {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn describe_version(name: &str, version: &str) -> DescribeDocument {
    DescribeDocument {
        document_version: Some(version.to_owned()),
        ..describe(name)
    }
}

fn get(name: &str) -> GetDocument {
    GetDocument {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn get_version(name: &str, version: &str) -> GetDocument {
    GetDocument {
        document_version: Some(version.to_owned()),
        ..get(name)
    }
}

fn get_as(name: &str, format: &str) -> GetDocument {
    GetDocument {
        document_format: Some(format.to_owned()),
        ..get(name)
    }
}

fn set_default(name: &str, version: &str) -> UpdateDocumentDefaultVersion {
    UpdateDocumentDefaultVersion {
        name: name.to_owned(),
        document_version: version.to_owned(),
    }
}

fn delete(name: &str) -> DeleteDocument {
    DeleteDocument {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn delete_version(name: &str, version: &str) -> DeleteDocument {
    DeleteDocument {
        document_version: Some(version.to_owned()),
        ..delete(name)
    }
}

fn versions(name: &str, max: Option<i64>) -> ListDocumentVersions {
    ListDocumentVersions {
        name: name.to_owned(),
        max_results: max,
        next_token: None,
    }
}

/// ListDocuments with the older `DocumentFilterList`.
fn by_list(filters: &[(&str, &str)]) -> ListDocuments {
    ListDocuments {
        document_filter_list: Some(
            filters
                .iter()
                .map(|(key, value)| DocumentFilter {
                    key: (*key).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
        ),
        ..Default::default()
    }
}

/// ListDocuments with the newer `Filters`.
fn by_filters(filters: &[(&str, &[&str])]) -> ListDocuments {
    ListDocuments {
        filters: Some(
            filters
                .iter()
                .map(|(key, values)| DocumentKeyValuesFilter {
                    key: (*key).to_owned(),
                    values: strs(values),
                })
                .collect(),
        ),
        ..Default::default()
    }
}

fn add_tags(id: &str, tags: Vec<Tag>) -> AddTagsToResource {
    AddTagsToResource {
        resource_type: "Document".to_owned(),
        resource_id: id.to_owned(),
        tags,
    }
}

fn remove_tags(id: &str, keys: &[&str]) -> RemoveTagsFromResource {
    RemoveTagsFromResource {
        resource_type: "Document".to_owned(),
        resource_id: id.to_owned(),
        tag_keys: strs(keys),
    }
}

fn list_tags(id: &str) -> ListTagsForResource {
    ListTagsForResource {
        resource_type: "Document".to_owned(),
        resource_id: id.to_owned(),
    }
}

fn sha256_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

fn param<'a>(d: &'a DocumentDescription, name: &str) -> &'a DocumentParameter {
    d.parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{} has no parameter {name}: {:?}", d.name, d.parameters))
}

fn names_of(ids: &[DocumentIdentifier]) -> Vec<String> {
    ids.iter().map(|d| d.name.clone()).collect()
}

// ---------------------------------------------------------------------------
// The fixture: a backend on a manual clock with seeded ids

/// Everything a user can read about one document.
#[derive(Debug, PartialEq)]
struct DocState {
    description: DocumentDescription,
    versions: Vec<DocumentVersionInfo>,
    contents: Vec<GetDocumentResult>,
    tags: Vec<Tag>,
}

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
            id_seed: Some(7),
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

    fn advance_secs(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    /// Calls `op`, which must fail with `code` and a message holding every
    /// one of `needles`.
    async fn refused<O: Handler>(&self, op: O, code: &str, needles: &[&str]) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{} refused with {e}", O::NAME);
        for needle in needles {
            assert!(
                e.message.contains(needle),
                "the message of {} ({}) does not name {needle:?}",
                O::NAME,
                e.message
            );
        }
        e
    }

    async fn create(&self, name: &str, content: &str) -> DocumentDescription {
        self.ok(create(name, content)).await.document_description
    }

    async fn update(&self, name: &str, content: &str) -> DocumentDescription {
        self.ok(update(name, content)).await.document_description
    }

    async fn describe(&self, name: &str) -> DocumentDescription {
        self.ok(describe(name)).await.document
    }

    async fn content(&self, op: GetDocument) -> String {
        self.ok(op).await.content
    }

    /// Every version, page by page; checks page sizes and that no version
    /// comes twice. Returns them and how many pages there were.
    async fn versions(&self, name: &str, max: Option<i64>) -> (Vec<DocumentVersionInfo>, usize) {
        let mut op = versions(name, max);
        let mut all: Vec<DocumentVersionInfo> = Vec::new();
        let mut pages = 0;
        loop {
            let out = self.ok(op.clone()).await;
            pages += 1;
            assert!(out.document_versions.len() <= max.unwrap_or(50) as usize);
            for v in out.document_versions {
                assert!(!all.contains(&v), "{v:?} was listed twice");
                all.push(v);
            }
            match out.next_token {
                Some(token) => op.next_token = Some(token),
                None => return (all, pages),
            }
        }
    }

    /// Every document a listing gives, page by page; checks page sizes and
    /// that no document comes twice. Returns them and how many pages.
    async fn walk(&self, mut op: ListDocuments) -> (Vec<DocumentIdentifier>, usize) {
        let mut all: Vec<DocumentIdentifier> = Vec::new();
        let mut pages = 0;
        loop {
            let out = self.ok(op.clone()).await;
            pages += 1;
            assert!(out.document_identifiers.len() <= op.max_results.unwrap_or(50) as usize);
            for d in out.document_identifiers {
                assert!(
                    !all.iter().any(|seen| seen.name == d.name),
                    "{} was listed twice",
                    d.name
                );
                all.push(d);
            }
            match out.next_token {
                Some(token) => op.next_token = Some(token),
                None => return (all, pages),
            }
        }
    }

    async fn names(&self, op: ListDocuments) -> Vec<String> {
        names_of(&self.walk(op).await.0)
    }

    async fn state(&self, name: &str) -> DocState {
        let description = self.describe(name).await;
        let (versions, _) = self.versions(name, None).await;
        let mut contents = Vec::new();
        for v in &versions {
            contents.push(self.ok(get_version(name, &v.document_version)).await);
        }
        let tags = self.ok(list_tags(name)).await.tag_list;
        DocState {
            description,
            versions,
            contents,
            tags,
        }
    }

    /// The documents this account created, by name.
    async fn own_names(&self) -> Vec<String> {
        self.names(by_filters(&[("Owner", &["Self"])])).await
    }
}

// ---------------------------------------------------------------------------
// Creating and describing

#[tokio::test]
async fn a_json_command_document_is_described_as_created() {
    let fx = Fx::new();
    let created = fx.create("Restart-Service", RESTART_JSON).await;
    let d = fx.describe("Restart-Service").await;
    assert_eq!(
        created, d,
        "CreateDocument answers what DescribeDocument shows"
    );

    assert_eq!(d.name, "Restart-Service");
    assert_eq!(d.owner, ACCOUNT);
    assert_eq!(d.status, "Active");
    assert_eq!(d.document_version, "1");
    assert_eq!(d.latest_version, "1");
    assert_eq!(d.default_version, "1");
    assert_eq!(d.hash, sha256_hex(RESTART_JSON));
    assert_eq!(d.hash_type, "Sha256");
    assert_eq!(d.document_type, DocumentType::Command);
    assert_eq!(d.document_format, DocumentFormat::Json);
    assert_eq!(d.schema_version, "2.2");
    assert_eq!(d.description.as_deref(), Some("Restart a service."));
    assert_eq!(d.platform_types, [PlatformType::Linux, PlatformType::MacOS]);
    assert_eq!(d.created_date, START);
    assert_eq!(d.version_name, None);
    assert_eq!(d.display_name, None);
    assert!(d.tags.is_empty());

    assert_eq!(d.parameters.len(), 5, "{:?}", d.parameters);
    let service = param(&d, "service");
    assert_eq!(service.r#type, "String");
    assert_eq!(service.default_value.as_deref(), Some("nginx"));
    assert_eq!(
        service.description.as_deref(),
        Some("The service to restart.")
    );
    let delay = param(&d, "delay");
    assert_eq!(delay.r#type, "Integer");
    assert_eq!(delay.default_value.as_deref(), Some("5"));
    let hosts = param(&d, "hosts");
    assert_eq!(hosts.r#type, "StringList");
    let hosts_default: Value =
        serde_json::from_str(hosts.default_value.as_deref().unwrap()).unwrap();
    assert_eq!(hosts_default, json!(["a", "b"]));
    let verbose = param(&d, "verbose");
    assert_eq!(verbose.r#type, "Boolean");
    assert_eq!(verbose.default_value.as_deref(), Some("false"));
    let required = param(&d, "required");
    assert_eq!(required.r#type, "String");
    assert_eq!(
        required.default_value, None,
        "no default: the value is required"
    );
    assert_eq!(required.description, None);

    // The hash follows the content.
    let other = fx.create("Other-Doc", &shell_doc("uptime")).await;
    assert_eq!(other.hash, sha256_hex(&shell_doc("uptime")));
    assert_ne!(other.hash, d.hash);
    assert_eq!(other.hash.len(), 64);
    assert!(other.parameters.is_empty());
}

#[tokio::test]
async fn a_yaml_command_document_is_described_as_created() {
    let fx = Fx::new();
    let created = fx
        .ok(CreateDocument {
            display_name: Some("Say hello".into()),
            version_name: Some("first".into()),
            ..create_yaml("hello", HELLO_YAML)
        })
        .await
        .document_description;
    let d = fx.describe("hello").await;
    assert_eq!(created, d);
    assert_eq!(d.owner, ACCOUNT);
    assert_eq!(d.status, "Active");
    assert_eq!(
        (
            d.document_version.as_str(),
            d.latest_version.as_str(),
            d.default_version.as_str()
        ),
        ("1", "1", "1")
    );
    assert_eq!(d.document_format, DocumentFormat::Yaml);
    assert_eq!(
        d.hash,
        sha256_hex(HELLO_YAML),
        "the hash of the YAML as given"
    );
    assert_eq!(d.hash_type, "Sha256");
    assert_eq!(d.schema_version, "2.2");
    assert_eq!(d.description.as_deref(), Some("Say hello."));
    assert_eq!(d.display_name.as_deref(), Some("Say hello"));
    assert_eq!(d.version_name.as_deref(), Some("first"));
    assert_eq!(d.platform_types, [PlatformType::Linux, PlatformType::MacOS]);
    let greeting = param(&d, "greeting");
    assert_eq!(
        (greeting.r#type.as_str(), greeting.default_value.as_deref()),
        ("String", Some("hello"))
    );
    assert_eq!(greeting.description.as_deref(), Some("What to say."));
    let times = param(&d, "times");
    assert_eq!(
        (times.r#type.as_str(), times.default_value.as_deref()),
        ("Integer", Some("3"))
    );

    // A document for Windows only, and one with a step for each.
    let windows = json!({
        "schemaVersion": "2.2",
        "mainSteps": [{"action": "aws:runPowerShellScript", "name": "ps",
                       "inputs": {"runCommand": "Get-Date"}}]
    })
    .to_string();
    let d = fx.create("windows-only", &windows).await;
    assert_eq!(d.platform_types, [PlatformType::Windows]);
    let both = json!({
        "schemaVersion": "2.2",
        "mainSteps": [
            {"action": "aws:runPowerShellScript", "name": "ps", "inputs": {"runCommand": "Get-Date"}},
            {"action": "aws:runShellScript", "name": "sh", "inputs": {"runCommand": "date"},
             "precondition": {"StringEquals": ["platformType", "Linux"]}}
        ]
    })
    .to_string();
    let d = fx.create("everywhere", &both).await;
    assert_eq!(
        d.platform_types,
        [PlatformType::Windows, PlatformType::Linux],
        "the precondition keeps the shell step off macOS"
    );
}

// ---------------------------------------------------------------------------
// Reading content back

#[tokio::test]
async fn get_document_returns_the_content_exactly_as_given() {
    let fx = Fx::new();
    fx.create("Restart-Service", RESTART_JSON).await;
    fx.ok(create_yaml("hello", HELLO_YAML)).await;
    fx.advance_secs(60);

    let got = fx.ok(get("Restart-Service")).await;
    assert_eq!(got.content, RESTART_JSON, "byte for byte");
    assert_eq!(got.name, "Restart-Service");
    assert_eq!(got.document_version, "1");
    assert_eq!(got.status, "Active");
    assert_eq!(got.document_type, DocumentType::Command);
    assert_eq!(got.document_format, DocumentFormat::Json);
    assert_eq!(got.created_date, START, "when the version was made");

    let got = fx.ok(get("hello")).await;
    assert_eq!(got.content, HELLO_YAML, "comments and block scalars kept");
    assert_eq!(got.document_format, DocumentFormat::Yaml);

    // Asking for the format it is stored in changes nothing.
    assert_eq!(
        fx.content(get_as("Restart-Service", "JSON")).await,
        RESTART_JSON
    );
    assert_eq!(fx.content(get_as("hello", "YAML")).await, HELLO_YAML);

    // By ARN, as the read operations allow.
    let arn = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:document/Restart-Service");
    assert_eq!(fx.content(get(&arn)).await, RESTART_JSON);
    assert_eq!(fx.ok(describe(&arn)).await.document.name, "Restart-Service");

    // Unknown documents and formats.
    fx.refused(
        get("no-such-doc"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    fx.refused(
        get_as("Restart-Service", "XML"),
        "ValidationException",
        &["XML", "documentFormat", "YAML, JSON, TEXT"],
    )
    .await;
}

/// Texts that YAML would read as something else were they written plain.
const TRICKY: [&str; 14] = [
    "2.2",
    "3600",
    "",
    "no",
    "on",
    "yes",
    "null",
    "~",
    "true",
    "0x10",
    "1e3",
    "a: b",
    "# not a comment",
    "- item",
];

#[tokio::test]
async fn a_json_document_read_as_yaml_makes_the_same_document() {
    let fx = Fx::new();
    let original = json!({
        "schemaVersion": "2.2",
        "description": "Every text YAML could misread: 2.2, yes, null.",
        "parameters": {
            "choice": {"type": "String", "default": "no", "allowedValues": TRICKY},
            "timeout": {"type": "String", "default": "3600"},
            "lines": {"type": "StringList", "default": TRICKY, "minItems": 1},
            "count": {"type": "Integer", "default": 2},
            "flag": {"type": "Boolean", "default": true}
        },
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": "run",
            "inputs": {
                "runCommand": ["echo {{ choice }}", "printf '%s\\n' \"{{lines}}\"", "cat <<EOF\n  indented\n\ttabbed\nEOF\n"],
                "workingDirectory": "",
                "timeoutSeconds": "{{ timeout }}"
            }
        }]
    });
    let content = serde_json::to_string_pretty(&original).unwrap();
    let source = fx.create("From-Json", &content).await;

    let yaml = fx.ok(get_as("From-Json", "YAML")).await;
    assert_eq!(yaml.document_format, DocumentFormat::Yaml);
    assert_ne!(yaml.content, content);
    assert_eq!(
        fx.content(get("From-Json")).await,
        content,
        "converting leaves the stored content alone"
    );

    // The YAML makes a document of its own, with the same parameters...
    let copy = fx.ok(create_yaml("From-Yaml", &yaml.content)).await;
    let copy = copy.document_description;
    assert_eq!(copy.parameters, source.parameters);
    assert_eq!(copy.platform_types, source.platform_types);
    assert_eq!(copy.description, source.description);
    // ...and the very same structure.
    let back = fx.content(get_as("From-Yaml", "JSON")).await;
    let back: Value = serde_json::from_str(&back).unwrap();
    assert_eq!(back, original);
}

#[tokio::test]
async fn a_yaml_document_read_as_json_makes_the_same_document() {
    let fx = Fx::new();
    let source = fx.ok(create_yaml("hello", HELLO_YAML)).await;
    let source = source.document_description;

    let got = fx.ok(get_as("hello", "JSON")).await;
    assert_eq!(got.document_format, DocumentFormat::Json);
    let as_json: Value = serde_json::from_str(&got.content).unwrap();
    assert_eq!(as_json["schemaVersion"], json!("2.2"));
    assert_eq!(
        as_json["parameters"]["greeting"]["allowedValues"],
        json!(["hello", "no", "on"])
    );
    assert_eq!(
        as_json["mainSteps"][0]["inputs"]["runCommand"][1],
        json!("for i in $(seq {{ times }}); do\n  echo again\ndone\n")
    );

    let copy = fx.create("hello-json", &got.content).await;
    assert_eq!(copy.parameters, source.parameters);
    assert_eq!(copy.platform_types, source.platform_types);
    assert_eq!(copy.document_format, DocumentFormat::Json);
    // And back to YAML again: still the same structure.
    let yaml = fx.content(get_as("hello-json", "YAML")).await;
    fx.ok(create_yaml("hello-again", &yaml)).await;
    let again: Value =
        serde_json::from_str(&fx.content(get_as("hello-again", "JSON")).await).unwrap();
    assert_eq!(again, as_json);

    // TEXT is no format of a Command document.
    fx.refused(
        get_as("hello", "TEXT"),
        "InvalidDocumentContent",
        &["The content for the document is not valid. Command documents must be in JSON or YAML format."],
    )
    .await;
}

// ---------------------------------------------------------------------------
// Versions

#[tokio::test]
async fn versions_are_added_selected_and_made_the_default() {
    let fx = Fx::new();
    let v1 = shell_doc("echo one");
    let v2 = shell_doc("echo two");
    fx.ok(CreateDocument {
        version_name: Some("one".into()),
        ..create("Deploy", &v1)
    })
    .await;
    fx.advance_secs(10);
    let out = fx
        .ok(UpdateDocument {
            version_name: Some("two".into()),
            document_version: Some("$LATEST".into()),
            ..update("Deploy", &v2)
        })
        .await
        .document_description;
    assert_eq!(
        out.document_version, "2",
        "UpdateDocument answers the new version"
    );
    assert_eq!(out.latest_version, "2");
    assert_eq!(out.default_version, "1", "a new version is not the default");
    assert_eq!(out.version_name.as_deref(), Some("two"));
    assert_eq!(out.hash, sha256_hex(&v2));
    assert_eq!(out.created_date, START.plus_millis(10_000));

    // Without a version, the default one is described and read.
    let d = fx.describe("Deploy").await;
    assert_eq!(
        (
            d.document_version.as_str(),
            d.latest_version.as_str(),
            d.default_version.as_str()
        ),
        ("1", "2", "1")
    );
    assert_eq!(d.hash, sha256_hex(&v1));
    assert_eq!(fx.content(get("Deploy")).await, v1);
    assert_eq!(fx.content(get_version("Deploy", "$DEFAULT")).await, v1);
    assert_eq!(fx.content(get_version("Deploy", "$LATEST")).await, v2);
    assert_eq!(fx.content(get_version("Deploy", "2")).await, v2);
    assert_eq!(fx.content(get_version("Deploy", "1")).await, v1);
    let by_name = fx
        .ok(GetDocument {
            version_name: Some("two".into()),
            ..get("Deploy")
        })
        .await;
    assert_eq!(
        (by_name.content.as_str(), by_name.document_version.as_str()),
        (v2.as_str(), "2")
    );
    assert_eq!(by_name.version_name.as_deref(), Some("two"));
    let both = fx
        .ok(GetDocument {
            version_name: Some("one".into()),
            document_version: Some("1".into()),
            ..get("Deploy")
        })
        .await;
    assert_eq!(both.content, v1, "number and name of the same version");
    let d2 = fx.ok(describe_version("Deploy", "2")).await.document;
    assert_eq!(
        d2, out,
        "DescribeDocument of version 2 is what UpdateDocument said"
    );

    // ListDocuments shows the default version.
    let (listed, _) = fx.walk(by_filters(&[("Name", &["Deploy"])])).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].document_version, "1");
    assert_eq!(listed[0].version_name.as_deref(), Some("one"));

    // Make version 2 the default.
    let set = fx.ok(set_default("Deploy", "2")).await.description;
    assert_eq!(set.name, "Deploy");
    assert_eq!(set.default_version, "2");
    assert_eq!(set.default_version_name.as_deref(), Some("two"));
    let d = fx.describe("Deploy").await;
    assert_eq!(
        (d.document_version.as_str(), d.default_version.as_str()),
        ("2", "2")
    );
    assert_eq!(fx.content(get("Deploy")).await, v2);
    assert_eq!(fx.content(get_version("Deploy", "$DEFAULT")).await, v2);
    let (listed, _) = fx.walk(by_filters(&[("Name", &["Deploy"])])).await;
    assert_eq!(listed[0].document_version, "2");

    let (all, _) = fx.versions("Deploy", None).await;
    let seen: Vec<(&str, Option<&str>, bool)> = all
        .iter()
        .map(|v| {
            (
                v.document_version.as_str(),
                v.version_name.as_deref(),
                v.is_default_version,
            )
        })
        .collect();
    assert_eq!(seen, [("1", Some("one"), false), ("2", Some("two"), true)]);
    assert!(all.iter().all(|v| v.name == "Deploy"
        && v.status == "Active"
        && v.document_format == DocumentFormat::Json));
    assert_eq!(all[0].created_date, START);
    assert_eq!(all[1].created_date, START.plus_millis(10_000));

    // Back to 1; an update names the latest version by number too.
    fx.ok(set_default("Deploy", "1")).await;
    let v3 = fx
        .ok(UpdateDocument {
            document_version: Some("2".into()),
            ..update("Deploy", &shell_doc("echo three"))
        })
        .await
        .document_description;
    assert_eq!(
        (v3.document_version.as_str(), v3.default_version.as_str()),
        ("3", "1")
    );
    assert_eq!(v3.version_name, None);
}

#[tokio::test]
async fn list_document_versions_comes_in_pages() {
    let fx = Fx::new();
    fx.create("Paged", &shell_doc("v1")).await;
    for i in 2..=5 {
        fx.update("Paged", &shell_doc(&format!("v{i}"))).await;
    }
    fx.ok(set_default("Paged", "4")).await;

    let (all, pages) = fx.versions("Paged", Some(1)).await;
    assert_eq!(pages, 5);
    let numbers: Vec<&str> = all.iter().map(|v| v.document_version.as_str()).collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5"]);
    let defaults: Vec<bool> = all.iter().map(|v| v.is_default_version).collect();
    assert_eq!(defaults, [false, false, false, true, false]);
    let (by_two, pages) = fx.versions("Paged", Some(2)).await;
    assert_eq!((by_two, pages), (all.clone(), 3));
    let (whole, pages) = fx.versions("Paged", None).await;
    assert_eq!((whole, pages), (all, 1));

    // A token belongs to the document it was issued for.
    fx.create("Other", &shell_doc("other")).await;
    fx.update("Other", &shell_doc("other 2")).await;
    let token = fx
        .ok(versions("Paged", Some(1)))
        .await
        .next_token
        .expect("more versions");
    fx.refused(
        ListDocumentVersions {
            next_token: Some(token.clone()),
            ..versions("Other", Some(1))
        },
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    fx.refused(
        ListDocumentVersions {
            next_token: Some(format!("{token}x")),
            ..versions("Paged", Some(1))
        },
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    let resumed = fx
        .ok(ListDocumentVersions {
            next_token: Some(token),
            ..versions("Paged", Some(1))
        })
        .await;
    assert_eq!(resumed.document_versions[0].document_version, "2");

    for bad in [0, 51, -1] {
        fx.refused(
            versions("Paged", Some(bad)),
            "ValidationException",
            &["maxResults", &bad.to_string()],
        )
        .await;
    }
    fx.refused(
        versions("Nope", None),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
}

#[tokio::test]
async fn refused_updates_leave_the_document_as_it_was() {
    let fx = Fx::new();
    let v1 = shell_doc("echo one");
    fx.ok(CreateDocument {
        version_name: Some("one".into()),
        tags: Some(vec![tag("Team", "ops")]),
        ..create("Deploy", &v1)
    })
    .await;
    fx.update("Deploy", &shell_doc("echo two")).await;
    let before = fx.state("Deploy").await;
    let fresh = shell_doc("echo fresh");

    // Not against the latest version.
    fx.refused(
        UpdateDocument {
            document_version: Some("1".into()),
            ..update("Deploy", &fresh)
        },
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        UpdateDocument {
            document_version: Some("7".into()),
            ..update("Deploy", &fresh)
        },
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    // The same content as a version it has, the latest or an older one.
    fx.refused(
        update("Deploy", &shell_doc("echo two")),
        "DuplicateDocumentContent",
        &["The content of the association document matches another document."],
    )
    .await;
    fx.refused(
        update("Deploy", &v1),
        "DuplicateDocumentContent",
        &["The content of the association document matches another document."],
    )
    .await;
    // A version name in use.
    fx.refused(
        UpdateDocument {
            version_name: Some("one".into()),
            ..update("Deploy", &fresh)
        },
        "DuplicateDocumentVersionName",
        &["The specified version name is a duplicate."],
    )
    .await;
    fx.refused(
        UpdateDocument {
            version_name: Some("bad name!".into()),
            ..update("Deploy", &fresh)
        },
        "ValidationException",
        &["bad name!", "versionName"],
    )
    .await;
    // Bad content, a bad version number, a bad format.
    fx.refused(
        update(
            "Deploy",
            &doc_with_step(json!({"inputs": {"runCommand": 42}})),
        ),
        "InvalidDocumentContent",
        &["mainSteps[0].inputs.runCommand"],
    )
    .await;
    fx.refused(
        UpdateDocument {
            document_format: Some("YAML".into()),
            ..update("Deploy", "schemaVersion: '2.0'\nmainSteps: []\n")
        },
        "InvalidDocumentSchemaVersion",
        &["'2.0'", "2.2"],
    )
    .await;
    for bad in ["0", "abc", "01", "-1"] {
        fx.refused(
            UpdateDocument {
                document_version: Some(bad.into()),
                ..update("Deploy", &fresh)
            },
            "ValidationException",
            &[bad, "documentVersion"],
        )
        .await;
    }
    fx.refused(
        UpdateDocument {
            document_format: Some("TEXT".into()),
            ..update("Deploy", &fresh)
        },
        "InvalidDocumentContent",
        &["The content for the document is not valid. Command documents must be in JSON or YAML format."],
    )
    .await;
    fx.refused(
        update("Deploy", &"x".repeat(64 * 1024 + 1)),
        "MaxDocumentSizeExceeded",
        &["The size limit of a document is 64 KB."],
    )
    .await;
    fx.refused(
        update("Deploy", ""),
        "ValidationException",
        &["content", "length"],
    )
    .await;
    fx.refused(
        update("Missing", &fresh),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;

    assert_eq!(fx.state("Deploy").await, before);

    // The refused attempts took no version number.
    let next = fx.update("Deploy", &fresh).await;
    assert_eq!(next.document_version, "3");
}

#[tokio::test]
async fn versions_that_do_not_exist_or_are_not_numbers_are_refused() {
    let fx = Fx::new();
    fx.ok(CreateDocument {
        version_name: Some("one".into()),
        ..create("Deploy", &shell_doc("one"))
    })
    .await;
    fx.update("Deploy", &shell_doc("two")).await;
    let before = fx.state("Deploy").await;

    fx.refused(
        get_version("Deploy", "9"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        describe_version("Deploy", "9"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        set_default("Deploy", "9"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        delete_version("Deploy", "9"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        GetDocument {
            version_name: Some("nine".into()),
            ..get("Deploy")
        },
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    fx.refused(
        GetDocument {
            version_name: Some("one".into()),
            document_version: Some("2".into()),
            ..get("Deploy")
        },
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    // A number too large for any document.
    fx.refused(
        get_version("Deploy", "99999999999999999999999"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;

    for bad in ["0", "abc", "01", "1.0", "$latest", ""] {
        fx.refused(
            get_version("Deploy", bad),
            "ValidationException",
            &["documentVersion"],
        )
        .await;
        fx.refused(
            describe_version("Deploy", bad),
            "ValidationException",
            &["documentVersion"],
        )
        .await;
        fx.refused(
            set_default("Deploy", bad),
            "ValidationException",
            &["documentVersion"],
        )
        .await;
        fx.refused(
            delete_version("Deploy", bad),
            "ValidationException",
            &["documentVersion"],
        )
        .await;
    }
    fx.refused(
        set_default("Nope", "1"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;

    assert_eq!(fx.state("Deploy").await, before);
}

// ---------------------------------------------------------------------------
// Deleting

#[tokio::test]
async fn one_version_or_the_whole_document_is_deleted() {
    let fx = Fx::new();
    let events = fx.backend.subscribe();
    fx.ok(CreateDocument {
        tags: Some(vec![tag("Team", "ops")]),
        ..create("Deploy", &shell_doc("one"))
    })
    .await;
    fx.ok(UpdateDocument {
        version_name: Some("two".into()),
        ..update("Deploy", &shell_doc("two"))
    })
    .await;
    fx.update("Deploy", &shell_doc("three")).await;

    // The default version stays.
    let before = fx.state("Deploy").await;
    fx.refused(
        delete_version("Deploy", "1"),
        "InvalidDocumentOperation",
        &["Default version of the document can't be deleted."],
    )
    .await;
    fx.refused(
        delete_version("Deploy", "$DEFAULT"),
        "InvalidDocumentOperation",
        &["Default version of the document can't be deleted."],
    )
    .await;
    assert_eq!(fx.state("Deploy").await, before);

    // Another version goes, by number or by name.
    fx.ok(DeleteDocument {
        version_name: Some("two".into()),
        ..delete("Deploy")
    })
    .await;
    let (left, _) = fx.versions("Deploy", None).await;
    let numbers: Vec<&str> = left.iter().map(|v| v.document_version.as_str()).collect();
    assert_eq!(numbers, ["1", "3"]);
    fx.refused(
        get_version("Deploy", "2"),
        "InvalidDocumentVersion",
        &["The document version is not valid or does not exist."],
    )
    .await;
    let d = fx.describe("Deploy").await;
    assert_eq!(
        (d.latest_version.as_str(), d.default_version.as_str()),
        ("3", "1")
    );
    // The name of a deleted version is free again; its number is not reused.
    let v4 = fx
        .ok(UpdateDocument {
            version_name: Some("two".into()),
            ..update("Deploy", &shell_doc("two"))
        })
        .await
        .document_description;
    assert_eq!(v4.document_version, "4");
    fx.ok(delete_version("Deploy", "$LATEST")).await;
    assert_eq!(fx.describe("Deploy").await.latest_version, "3");

    // The whole document.
    fx.ok(delete("Deploy")).await;
    fx.refused(
        describe("Deploy"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    fx.refused(
        get("Deploy"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    fx.refused(
        versions("Deploy", None),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    fx.refused(
        list_tags("Deploy"),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        delete("Deploy"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    fx.refused(
        update("Deploy", &shell_doc("five")),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    assert!(fx.own_names().await.is_empty());

    // The name can be used again, from version 1 and without the old tags.
    let again = fx.create("Deploy", &shell_doc("again")).await;
    assert_eq!(
        (
            again.document_version.as_str(),
            again.latest_version.as_str()
        ),
        ("1", "1")
    );
    assert!(again.tags.is_empty());
    let (left, _) = fx.versions("Deploy", None).await;
    assert_eq!(left.len(), 1);

    // What the bus said.
    let mut events = events;
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        match e {
            Event::DocumentChanged { name } => seen.push(format!("changed {name}")),
            Event::DocumentDeleted { name } => seen.push(format!("deleted {name}")),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "changed Deploy", // create
            "changed Deploy", // v2
            "changed Deploy", // v3
            "changed Deploy", // delete v2
            "changed Deploy", // v4
            "changed Deploy", // delete v4
            "deleted Deploy", // the whole document
            "changed Deploy", // created again
        ]
    );
}

// ---------------------------------------------------------------------------
// Refused creations

#[tokio::test]
async fn refused_creations_create_nothing() {
    let fx = Fx::new();
    let good = shell_doc("uptime");
    fx.ok(CreateDocument {
        tags: Some(vec![tag("Team", "ops")]),
        ..create("Existing", &good)
    })
    .await;
    let before = fx.state("Existing").await;

    fx.refused(
        create("Existing", &shell_doc("other")),
        "DocumentAlreadyExists",
        &["The specified document already exists."],
    )
    .await;
    assert_eq!(fx.state("Existing").await, before);

    // Names AWS keeps for its own documents.
    for reserved in [
        "AWS-Mine",
        "aws-mine",
        "amazon-thing",
        "AmazonLinux",
        "Amzn-x",
        "AMZN2",
    ] {
        fx.refused(
            create(reserved, &good),
            "ValidationException",
            &["Document names can't begin with aws, amazon, or amzn."],
        )
        .await;
    }
    fx.refused(
        create(SHELL, &good),
        "ValidationException",
        &["Document names can't begin with aws, amazon, or amzn."],
    )
    .await;
    // Names that do not fit the pattern.
    let long = "a".repeat(129);
    for bad in ["ab", "my doc", "a/b", "doc#1", "dóc", "", long.as_str()] {
        fx.refused(
            create(bad, &good),
            "ValidationException",
            &["'name'", "^[a-zA-Z0-9_\\-.]{3,128}$"],
        )
        .await;
    }
    fx.create(&"a".repeat(128), &good).await;
    fx.ok(delete(&"a".repeat(128))).await;

    // Content of 64 KB is accepted, one byte more is not.
    let mut padded = good.clone();
    padded.push_str(&" ".repeat(64 * 1024 - padded.len()));
    assert_eq!(padded.len(), 65_536);
    fx.create("Just-Fits", &padded).await;
    padded.push(' ');
    fx.refused(
        create("Too-Big", &padded),
        "MaxDocumentSizeExceeded",
        &["The size limit of a document is 64 KB."],
    )
    .await;

    // Content that is not a Command document names the place to fix.
    let cases: [(String, &[&str]); 9] = [
        (
            doc_with_step(json!({"inputs": {"runCommand": 42}})),
            &[
                "mainSteps[0].inputs.runCommand",
                "string or a list of strings",
            ],
        ),
        (
            doc_with_step(json!({"inputs": {"workingDirectory": "/tmp"}})),
            &["mainSteps[0].inputs", "runCommand"],
        ),
        (
            doc_with_step(json!({"inputs": {"runCommand": ["echo {{ missing }}"]}})),
            &["mainSteps[0].inputs.runCommand[0]", "missing"],
        ),
        (
            doc_with_step(json!({"action": "aws:runDocker"})),
            &["mainSteps[0].action", "aws:runDocker", "aws:runShellScript"],
        ),
        (
            doc_with_step(json!({"inputs": {"runCommand": "x", "timeoutSeconds": 999_999}})),
            &["mainSteps[0].inputs.timeoutSeconds", "172800"],
        ),
        (
            json!({"schemaVersion": "2.2", "mainSteps": []}).to_string(),
            &["mainSteps is empty"],
        ),
        (
            json!({"schemaVersion": "2.2", "mainSteps": [{"action": "aws:runShellScript",
                   "name": "x", "inputs": {"runCommand": "x"}}], "parameters":
                   {"p": {"type": "Strin"}}})
            .to_string(),
            &["parameters.p.type", "Strin", "StringList"],
        ),
        (
            "{\"schemaVersion\": \"2.2\",\n \"mainSteps\": [}".to_owned(),
            &["not valid JSON", "line 2"],
        ),
        (
            json!({"schemaVersion": "2.2", "mainsteps": []}).to_string(),
            &["mainsteps", "did you mean mainSteps?"],
        ),
    ];
    for (content, needles) in &cases {
        fx.refused(
            create("Bad-Content", content),
            "InvalidDocumentContent",
            needles,
        )
        .await;
    }
    // YAML given as JSON (the default format) says how to give YAML.
    fx.refused(
        create("Bad-Content", HELLO_YAML),
        "InvalidDocumentContent",
        &["not valid JSON", "DocumentFormat YAML"],
    )
    .await;
    fx.refused(
        create_yaml("Bad-Content", "schemaVersion: '2.2'\nmainSteps: [\n"),
        "InvalidDocumentContent",
        &["not valid YAML"],
    )
    .await;
    fx.refused(
        // Unquoted, 2.2 reads as a number and is taken as "2.2": the
        // fault left is the empty step list.
        create_yaml("Bad-Content", "schemaVersion: 2.2\nmainSteps: []\n"),
        "InvalidDocumentContent",
        &["mainSteps is empty"],
    )
    .await;
    fx.refused(
        create(
            "Bad-Content",
            &json!({"schemaVersion": "2.0", "mainSteps": []}).to_string(),
        ),
        "InvalidDocumentSchemaVersion",
        &["'2.0'", "2.2"],
    )
    .await;
    fx.refused(
        create("Bad-Content", &json!({"mainSteps": []}).to_string()),
        "InvalidDocumentContent",
        &["schemaVersion"],
    )
    .await;

    // Document types and formats.
    for unsupported in ["Automation", "Session", "Package", "Policy"] {
        fx.refused(
            CreateDocument {
                document_type: Some(unsupported.into()),
                ..create("Bad-Type", &good)
            },
            "InvalidDocumentType",
            &[&format!("The document type {unsupported} isn't supported.")],
        )
        .await;
    }
    for bogus in ["Bogus", "command"] {
        fx.refused(
            CreateDocument {
                document_type: Some(bogus.into()),
                ..create("Bad-Type", &good)
            },
            "ValidationException",
            &[bogus, "documentType", "Command"],
        )
        .await;
    }
    fx.refused(
        CreateDocument {
            document_format: Some("TEXT".into()),
            ..create("Bad-Format", &good)
        },
        "InvalidDocumentContent",
        &["The content for the document is not valid. Command documents must be in JSON or YAML format."],
    )
    .await;
    fx.refused(
        CreateDocument {
            document_format: Some("json".into()),
            ..create("Bad-Format", &good)
        },
        "ValidationException",
        &["json", "documentFormat"],
    )
    .await;
    fx.refused(
        create("Empty", ""),
        "ValidationException",
        &["content", "length greater than or equal to 1"],
    )
    .await;
    fx.refused(
        CreateDocument {
            display_name: Some("semi;colon".into()),
            ..create("Bad-Display", &good)
        },
        "ValidationException",
        &["displayName", "semi;colon"],
    )
    .await;
    fx.refused(
        CreateDocument {
            tags: Some(vec![tag("", "x")]),
            ..create("Bad-Tags", &good)
        },
        "ValidationException",
        &["tags"],
    )
    .await;
    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    fx.refused(
        CreateDocument {
            tags: Some(too_many),
            ..create("Bad-Tags", &good)
        },
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;

    assert_eq!(fx.own_names().await, ["Existing", "Just-Fits"]);
    assert_eq!(fx.state("Existing").await, before);
}

// ---------------------------------------------------------------------------
// Built-in documents

#[tokio::test]
async fn the_built_in_documents_can_be_read_but_not_changed() {
    let fx = Fx::new();
    let shell = fx.describe(SHELL).await;
    assert_eq!(shell.owner, "Amazon");
    assert_eq!(
        shell.platform_types,
        [PlatformType::Linux, PlatformType::MacOS]
    );
    assert_eq!(shell.document_type, DocumentType::Command);
    assert_eq!(shell.default_version, "1");
    assert_eq!(shell.status, "Active");
    assert_eq!(param(&shell, "commands").r#type, "StringList");
    assert_eq!(
        param(&shell, "executionTimeout").default_value.as_deref(),
        Some("3600")
    );
    let content = fx.content(get(SHELL)).await;
    assert_eq!(shell.hash, sha256_hex(&content));
    // AWS's schema and plugin.
    assert_eq!(shell.schema_version, "1.2");
    assert!(content.contains("\"runtimeConfig\""));
    assert!(content.contains("aws:runShellScript"));
    let ps = fx.describe(POWERSHELL).await;
    assert_eq!(ps.owner, "Amazon");
    assert_eq!(ps.platform_types, [PlatformType::Windows]);
    assert_eq!(ps.schema_version, "1.2");
    let patch = fx.describe(PATCH_BASELINE).await;
    assert_eq!(patch.schema_version, "2.2");
    assert_eq!(patch.platform_types, PlatformType::ALL.to_vec());

    let before = fx.state(SHELL).await;
    assert!(before.tags.is_empty());
    let changed = shell_doc("mine now");
    fx.refused(
        update(SHELL, &changed),
        "InvalidDocumentOperation",
        &["You can\'t update or delete a document that is owned by Amazon."],
    )
    .await;
    fx.refused(
        delete(SHELL),
        "InvalidDocumentOperation",
        &["You can\'t update or delete a document that is owned by Amazon."],
    )
    .await;
    fx.refused(
        delete_version(SHELL, "1"),
        "InvalidDocumentOperation",
        &["You can\'t update or delete a document that is owned by Amazon."],
    )
    .await;
    fx.refused(
        set_default(SHELL, "1"),
        "InvalidDocumentOperation",
        &["You can\'t update or delete a document that is owned by Amazon."],
    )
    .await;
    fx.refused(
        add_tags(SHELL, vec![tag("Team", "ops")]),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        remove_tags(SHELL, &["Team"]),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        create(SHELL, &changed),
        "ValidationException",
        &["Document names can't begin with aws, amazon, or amzn."],
    )
    .await;
    assert_eq!(fx.state(SHELL).await, before);
}

// ---------------------------------------------------------------------------
// Listing documents

/// Three documents of this account: two for Linux and macOS, one for
/// Windows, two of them tagged.
async fn three_documents(fx: &Fx) {
    fx.ok(CreateDocument {
        tags: Some(vec![tag("Team", "web"), tag("Env", "prod")]),
        ..create("deploy-web", &shell_doc("deploy"))
    })
    .await;
    fx.ok(CreateDocument {
        tags: Some(vec![tag("Team", "db")]),
        ..create_yaml("Backup-DB", HELLO_YAML)
    })
    .await;
    let windows = json!({
        "schemaVersion": "2.2",
        "description": "Patch Windows.",
        "mainSteps": [{"action": "aws:runPowerShellScript", "name": "ps",
                       "inputs": {"runCommand": "Install-Updates"}}]
    })
    .to_string();
    fx.create("Win-Patch", &windows).await;
}

#[tokio::test]
async fn list_documents_shows_built_in_and_own_documents_sorted_by_name() {
    let fx = Fx::new();
    three_documents(&fx).await;

    let (all, pages) = fx.walk(ListDocuments::default()).await;
    assert_eq!(pages, 1);
    let names = names_of(&all);
    assert_eq!(
        names,
        [
            PATCH_BASELINE,
            POWERSHELL,
            SHELL,
            "Backup-DB",
            "Win-Patch",
            "deploy-web"
        ]
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let web = all.iter().find(|d| d.name == "deploy-web").unwrap();
    assert_eq!(web.owner, ACCOUNT);
    assert_eq!(web.document_type, DocumentType::Command);
    assert_eq!(web.document_format, DocumentFormat::Json);
    assert_eq!(web.document_version, "1");
    assert_eq!(web.schema_version, "2.2");
    assert_eq!(
        web.platform_types,
        [PlatformType::Linux, PlatformType::MacOS]
    );
    assert_eq!(web.created_date, START);
    assert_eq!(web.tags, [tag("Env", "prod"), tag("Team", "web")]);
    let db = all.iter().find(|d| d.name == "Backup-DB").unwrap();
    assert_eq!(db.document_format, DocumentFormat::Yaml);
    let shell = all.iter().find(|d| d.name == SHELL).unwrap();
    assert_eq!(shell.owner, "Amazon");
    assert!(shell.tags.is_empty());
}

#[tokio::test]
async fn list_documents_filters_in_both_forms() {
    let fx = Fx::new();
    three_documents(&fx).await;
    let own = ["Backup-DB", "Win-Patch", "deploy-web"];
    let everything = [
        PATCH_BASELINE,
        POWERSHELL,
        SHELL,
        "Backup-DB",
        "Win-Patch",
        "deploy-web",
    ];

    // Owner.
    for (owner, expected) in [
        ("Self", &own[..]),
        ("Private", &own[..]),
        ("Amazon", &BUILT_INS[..]),
        ("All", &everything[..]),
    ] {
        assert_eq!(fx.names(by_list(&[("Owner", owner)])).await, expected);
        assert_eq!(fx.names(by_filters(&[("Owner", &[owner])])).await, expected);
    }
    assert_eq!(
        fx.names(by_filters(&[("Owner", &["Self", "Amazon"])]))
            .await,
        everything,
        "values of one filter are alternatives"
    );

    // DocumentType.
    assert_eq!(
        fx.names(by_list(&[("DocumentType", "Command")])).await,
        everything
    );
    assert!(
        fx.names(by_filters(&[("DocumentType", &["Automation"])]))
            .await
            .is_empty()
    );

    // Name: a prefix, case and all.
    assert_eq!(fx.names(by_list(&[("Name", "AWS-Run")])).await, BUILT_INS);
    assert_eq!(
        fx.names(by_filters(&[("Name", &["deploy", "Win"])])).await,
        ["Win-Patch", "deploy-web"]
    );
    assert!(fx.names(by_list(&[("Name", "web")])).await.is_empty());

    // PlatformTypes.
    assert_eq!(
        fx.names(by_list(&[("PlatformTypes", "Windows")])).await,
        [PATCH_BASELINE, POWERSHELL, "Win-Patch"]
    );
    assert_eq!(
        fx.names(by_filters(&[
            ("PlatformTypes", &["Windows"]),
            ("Owner", &["Amazon"])
        ]))
        .await,
        [PATCH_BASELINE, POWERSHELL]
    );
    assert_eq!(
        fx.names(by_filters(&[("PlatformTypes", &["MacOS"])])).await,
        [PATCH_BASELINE, SHELL, "Backup-DB", "deploy-web"]
    );

    // Tags: by key, or by key and value.
    assert_eq!(
        fx.names(by_filters(&[("tag:Team", &[])])).await,
        ["Backup-DB", "deploy-web"]
    );
    assert_eq!(
        fx.names(by_filters(&[("tag:Team", &["db"])])).await,
        ["Backup-DB"]
    );
    assert_eq!(
        fx.names(by_filters(&[
            ("tag:Team", &["web", "db"]),
            ("tag:Env", &["prod"])
        ]))
        .await,
        ["deploy-web"]
    );
    assert!(fx.names(by_filters(&[("tag:Nope", &[])])).await.is_empty());

    // SearchKeyword: the name or the description.
    assert_eq!(
        fx.names(by_filters(&[("SearchKeyword", &["patch"])])).await,
        [PATCH_BASELINE, "Win-Patch"]
    );

    // Refused filters.
    fx.refused(
        by_filters(&[("Colour", &["red"])]),
        "InvalidFilterKey",
        &["The following filter key is not valid"],
    )
    .await;
    fx.refused(
        by_list(&[("Colour", "red")]),
        "ValidationException",
        &["Colour", "documentFilterList.member.key"],
    )
    .await;
    fx.refused(
        by_filters(&[("Owner", &[])]),
        "ValidationException",
        &["The filter Owner requires at least one value."],
    )
    .await;
    fx.refused(
        by_filters(&[("Owner", &["Someone"])]),
        "ValidationException",
        &[
            "The value Someone isn't valid for the filter Owner. Valid values include: [Self, \
           Private, Amazon, All, Public, ThirdParty].",
        ],
    )
    .await;
    fx.refused(
        by_filters(&[("DocumentType", &["Bogus"])]),
        "ValidationException",
        &["Bogus", "Command"],
    )
    .await;
    fx.refused(
        by_filters(&[("PlatformTypes", &["Solaris"])]),
        "ValidationException",
        &[
            "The value Solaris isn't valid for the filter PlatformTypes. Valid values include: \
           [Windows, Linux, MacOS].",
        ],
    )
    .await;
    let seven: Vec<(&str, &[&str])> = vec![("Owner", &["All"]); 7];
    fx.refused(by_filters(&seven), "ValidationException", &["filters"])
        .await;
    fx.refused(
        ListDocuments {
            document_filter_list: Some(Vec::new()),
            ..Default::default()
        },
        "ValidationException",
        &["documentFilterList"],
    )
    .await;
    for bad in [0, 51] {
        fx.refused(
            ListDocuments {
                max_results: Some(bad),
                ..Default::default()
            },
            "ValidationException",
            &["maxResults", &bad.to_string()],
        )
        .await;
    }
}

#[tokio::test]
async fn list_documents_pages_over_sixty_documents() {
    let fx = Fx::new();
    for i in 0..60 {
        fx.create(&format!("doc-{i:02}"), &shell_doc(&format!("job {i}")))
            .await;
    }
    let first = fx
        .ok(ListDocuments {
            max_results: Some(50),
            ..Default::default()
        })
        .await;
    assert_eq!(first.document_identifiers.len(), 50);
    let token = first.next_token.clone().expect("a second page");

    let (all, pages) = fx
        .walk(ListDocuments {
            max_results: Some(50),
            ..Default::default()
        })
        .await;
    assert_eq!(pages, 2);
    assert_eq!(all.len(), 63, "60 own and 3 built-in, none twice");
    let mut expected: Vec<String> = (0..60).map(|i| format!("doc-{i:02}")).collect();
    expected.splice(0..0, BUILT_INS.map(str::to_owned));
    assert_eq!(names_of(&all), expected);

    // Only what the filter lets through, also in pages.
    let (own, pages) = fx
        .walk(ListDocuments {
            max_results: Some(7),
            ..by_list(&[("Owner", "Self")])
        })
        .await;
    assert_eq!(own.len(), 60);
    assert_eq!(pages, 9);

    // A token goes with the filters it was issued for.
    fx.refused(
        ListDocuments {
            max_results: Some(50),
            next_token: Some(token.clone()),
            ..by_list(&[("Owner", "Self")])
        },
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    fx.refused(
        ListDocuments {
            next_token: Some("garbage".into()),
            ..Default::default()
        },
        "InvalidNextToken",
        &["The specified token isn't valid."],
    )
    .await;
    let second = fx
        .ok(ListDocuments {
            max_results: Some(50),
            next_token: Some(token),
            ..Default::default()
        })
        .await;
    assert_eq!(second.document_identifiers.len(), 13);
    assert_eq!(second.next_token, None);
}

// ---------------------------------------------------------------------------
// Tags

#[tokio::test]
async fn documents_carry_tags() {
    let fx = Fx::new();
    fx.ok(CreateDocument {
        tags: Some(vec![tag("Team", "web"), tag("Env", "prod")]),
        ..create("Deploy", &shell_doc("deploy"))
    })
    .await;
    let d = fx.describe("Deploy").await;
    assert_eq!(d.tags, [tag("Env", "prod"), tag("Team", "web")]);
    assert_eq!(
        fx.ok(list_tags("Deploy")).await.tag_list,
        [tag("Env", "prod"), tag("Team", "web")]
    );

    fx.ok(add_tags(
        "Deploy",
        vec![tag("Team", "platform"), tag("Cost", "42")],
    ))
    .await;
    let expected = [
        tag("Cost", "42"),
        tag("Env", "prod"),
        tag("Team", "platform"),
    ];
    assert_eq!(fx.ok(list_tags("Deploy")).await.tag_list, expected);
    assert_eq!(fx.describe("Deploy").await.tags, expected);
    let (listed, _) = fx.walk(by_list(&[("Owner", "Self")])).await;
    assert_eq!(listed[0].tags, expected);
    // Tags belong to the document, not a version.
    fx.update("Deploy", &shell_doc("deploy 2")).await;
    assert_eq!(
        fx.ok(describe_version("Deploy", "2")).await.document.tags,
        expected
    );

    fx.ok(remove_tags("Deploy", &["Env", "Absent"])).await;
    assert_eq!(
        fx.ok(list_tags("Deploy")).await.tag_list,
        [tag("Cost", "42"), tag("Team", "platform")]
    );

    // By ARN too.
    let arn = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:document/Deploy");
    fx.ok(add_tags(&arn, vec![tag("Via", "arn")])).await;
    assert!(
        fx.ok(list_tags(&arn))
            .await
            .tag_list
            .contains(&tag("Via", "arn"))
    );

    let before = fx.state("Deploy").await;
    fx.refused(
        add_tags("Nope", vec![tag("a", "b")]),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        list_tags("Nope"),
        "InvalidResourceId",
        &["Invalid Resource Id"],
    )
    .await;
    fx.refused(
        add_tags("Deploy", vec![tag("aws:reserved", "x")]),
        "ValidationException",
        &["aws:"],
    )
    .await;
    let many: Vec<Tag> = (0..48).map(|i| tag(&format!("k{i}"), "v")).collect();
    fx.refused(
        add_tags("Deploy", many),
        "TooManyTagsError",
        &["A resource can have a maximum of 50 tags."],
    )
    .await;
    assert_eq!(fx.state("Deploy").await, before);
}

// ---------------------------------------------------------------------------
// Durability

#[tokio::test]
async fn documents_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let (deploy, hello, listed) = {
        let fx = Fx::open(Some(dir.path()), clock.clone());
        fx.ok(CreateDocument {
            display_name: Some("Deploy the app".into()),
            version_name: Some("one".into()),
            tags: Some(vec![tag("Team", "web")]),
            ..create("Deploy", RESTART_JSON)
        })
        .await;
        fx.advance_secs(30);
        fx.ok(UpdateDocument {
            version_name: Some("two".into()),
            ..update("Deploy", &shell_doc("two"))
        })
        .await;
        fx.advance_secs(30);
        fx.update("Deploy", &shell_doc("three")).await;
        fx.ok(set_default("Deploy", "2")).await;
        fx.ok(delete_version("Deploy", "3")).await;
        fx.ok(add_tags("Deploy", vec![tag("Env", "prod")])).await;
        fx.ok(create_yaml("hello", HELLO_YAML)).await;
        fx.create("gone", &shell_doc("gone")).await;
        fx.ok(delete("gone")).await;
        // Deleted with three versions and made again with one.
        fx.create("again", &shell_doc("old 1")).await;
        fx.update("again", &shell_doc("old 2")).await;
        fx.update("again", &shell_doc("old 3")).await;
        fx.ok(delete("again")).await;
        fx.create("again", &shell_doc("new 1")).await;
        fx.backend.flush().await;
        (
            fx.state("Deploy").await,
            fx.state("hello").await,
            fx.walk(ListDocuments::default()).await.0,
        )
    };
    assert_eq!(deploy.description.default_version, "2");
    assert_eq!(deploy.versions.len(), 2);
    assert_eq!(deploy.tags, [tag("Env", "prod"), tag("Team", "web")]);

    let fx = Fx::open(Some(dir.path()), clock);
    assert_eq!(fx.state("Deploy").await, deploy);
    assert_eq!(fx.state("hello").await, hello);
    assert_eq!(fx.content(get_version("Deploy", "1")).await, RESTART_JSON);
    assert_eq!(fx.content(get("hello")).await, HELLO_YAML);
    assert_eq!(fx.walk(ListDocuments::default()).await.0, listed);
    fx.refused(
        describe("gone"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    let (again, _) = fx.versions("again", None).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(
        fx.content(get("again")).await,
        shell_doc("new 1"),
        "none of the deleted versions came back"
    );
    // Numbers are not reused after a restart either.
    let next = fx.update("Deploy", &shell_doc("four")).await;
    assert_eq!(next.document_version, "4");
    assert_eq!(next.display_name.as_deref(), Some("Deploy the app"));
}

// ---------------------------------------------------------------------------
// The audit trail

#[tokio::test]
async fn the_audit_trail_records_document_calls() {
    let fx = Fx::new();
    fx.create("Deploy", &shell_doc("deploy")).await;
    fx.refused(
        create("Deploy", &shell_doc("again")),
        "DocumentAlreadyExists",
        &["The specified document already exists."],
    )
    .await;
    fx.update("Deploy", &shell_doc("two")).await;
    fx.ok(add_tags("Deploy", vec![tag("Team", "ops")])).await;
    fx.describe("Deploy").await;
    fx.ok(delete("Deploy")).await;
    fx.backend.flush().await;

    let records = fx.backend.audit_records().await.unwrap();
    let seen: Vec<(&str, &str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r.principal.as_str(),
                r.operation.as_str(),
                r.resource.as_str(),
                r.outcome.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("admin:test", "CreateDocument", "document/Deploy", "Success"),
            (
                "admin:test",
                "CreateDocument",
                "document/Deploy",
                "DocumentAlreadyExists"
            ),
            ("admin:test", "UpdateDocument", "document/Deploy", "Success"),
            (
                "admin:test",
                "AddTagsToResource",
                "document/Deploy",
                "Success"
            ),
            (
                "admin:test",
                "DescribeDocument",
                "document/Deploy",
                "Success"
            ),
            ("admin:test", "DeleteDocument", "document/Deploy", "Success"),
        ]
    );
    let request: Value = serde_json::from_str(&records[0].request).unwrap();
    assert_eq!(request["Name"], json!("Deploy"));
    assert_eq!(fx.backend.verify_audit_chain().await.unwrap(), Ok(6));
}

// ---------------------------------------------------------------------------
// Concurrent updates and limits

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_against_one_version_let_exactly_one_through() {
    let fx = Fx::new();
    fx.create("Racy", &shell_doc("v1")).await;

    let mut racers = Vec::new();
    for i in 0..8 {
        let backend = fx.backend.clone();
        let admin = fx.admin.clone();
        racers.push(tokio::spawn(async move {
            let op = UpdateDocument {
                document_version: Some("1".into()),
                ..update("Racy", &shell_doc(&format!("racer {i}")))
            };
            backend.call(&admin, op).await
        }));
    }
    let mut won = Vec::new();
    for racer in racers {
        match racer.await.unwrap() {
            Ok(out) => won.push(out.document_description.document_version),
            Err(e) => {
                assert_eq!(e.code, "InvalidDocumentVersion", "{e}");
                assert_eq!(
                    e.message,
                    "The document version is not valid or does not exist."
                );
            }
        }
    }
    assert_eq!(won, ["2"], "exactly one update made against version 1");
    assert_eq!(fx.versions("Racy", None).await.0.len(), 2);

    // Against $LATEST, every one gets a number of its own.
    let mut racers = Vec::new();
    for i in 0..8 {
        let backend = fx.backend.clone();
        let admin = fx.admin.clone();
        racers.push(tokio::spawn(async move {
            let op = UpdateDocument {
                document_version: Some("$LATEST".into()),
                ..update("Racy", &shell_doc(&format!("latest {i}")))
            };
            backend.call(&admin, op).await
        }));
    }
    let mut numbers = Vec::new();
    for racer in racers {
        let out = racer.await.unwrap().unwrap();
        numbers.push(
            out.document_description
                .document_version
                .parse::<i64>()
                .unwrap(),
        );
    }
    numbers.sort();
    assert_eq!(numbers, (3..=10).collect::<Vec<_>>());
    let (all, _) = fx.versions("Racy", Some(3)).await;
    assert_eq!(all.len(), 10);
}

#[tokio::test]
async fn a_document_keeps_at_most_a_thousand_versions() {
    let fx = Fx::new();
    fx.create("Many", &shell_doc("v1")).await;
    for i in 2..=1000 {
        fx.update("Many", &shell_doc(&format!("v{i}"))).await;
    }
    let before = fx.describe("Many").await;
    assert_eq!(before.latest_version, "1000");
    fx.refused(
        update("Many", &shell_doc("v1001")),
        "DocumentVersionLimitExceeded",
        &["The document has too many versions."],
    )
    .await;
    assert_eq!(fx.describe("Many").await, before);
    let (all, pages) = fx.versions("Many", None).await;
    assert_eq!((all.len(), pages), (1000, 20));

    fx.ok(delete_version("Many", "500")).await;
    let next = fx.update("Many", &shell_doc("v1001")).await;
    assert_eq!(next.document_version, "1001");
}

#[tokio::test]
async fn an_account_holds_at_most_five_hundred_documents() {
    let fx = Fx::new();
    let good = shell_doc("uptime");
    for i in 0..500 {
        fx.create(&format!("doc-{i:03}"), &good).await;
    }
    fx.refused(
        create("doc-500", &good),
        "DocumentLimitExceeded",
        &["You can have at most 500 active SSM documents."],
    )
    .await;
    fx.refused(
        describe("doc-500"),
        "InvalidDocument",
        &["The specified document does not exist."],
    )
    .await;
    // The built-in documents do not count, and a deletion makes room.
    assert_eq!(fx.walk(ListDocuments::default()).await.0.len(), 503);
    fx.ok(delete("doc-000")).await;
    fx.create("doc-500", &good).await;
}

// ---------------------------------------------------------------------------
// Product bugs and surprises, shown by tests that fail today

#[tokio::test]
async fn a_schema_1_2_document_is_taken_and_other_schemas_refused_for_their_version() {
    let fx = Fx::new();
    let v12 = json!({
        "schemaVersion": "1.2",
        "description": "An old-style document.",
        "runtimeConfig": {
            "aws:runShellScript": {
                "properties": [{"id": "0.aws:runShellScript", "runCommand": ["ls"]}]
            }
        }
    })
    .to_string();
    let made = fx.create("Old-Schema", &v12).await;
    assert_eq!(made.schema_version, "1.2");
    assert_eq!(
        made.platform_types,
        [PlatformType::Linux, PlatformType::MacOS]
    );
    assert_eq!(fx.content(get("Old-Schema")).await, v12);
    // A 1.2 document's faults are content faults, at their path.
    let bad = v12.replace("runCommand", "commands");
    fx.refused(
        create("Old-Schema-Bad", &bad),
        "InvalidDocumentContent",
        &["runtimeConfig.aws:runShellScript.properties[0] has the unknown key 'commands'"],
    )
    .await;
    let v03 = json!({
        "schemaVersion": "0.3",
        "assumeRole": "arn:aws:iam::000000000000:role/x",
        "mainSteps": [{"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]
    })
    .to_string();
    fx.refused(
        create("Automation-Shaped", &v03),
        "InvalidDocumentSchemaVersion",
        &["'0.3'", "2.2"],
    )
    .await;
    assert_eq!(fx.own_names().await, ["Old-Schema"]);
}

/// Typed allowed values as AWS takes them, written by hand in both formats.
const TYPED_ALLOWED_JSON: &str = r#"{
  "schemaVersion": "2.2",
  "description": "Typed allowed values.",
  "parameters": {
    "level": {"type": "Integer", "allowedValues": [1, 2, 3, 4], "default": 2},
    "force": {"type": "Boolean", "allowedValues": [true, false], "default": false},
    "retries": {"type": "Integer", "default": 3}
  },
  "mainSteps": [{"action": "aws:runShellScript", "name": "run",
    "inputs": {"runCommand": "echo {{ level }} {{ force }} {{ retries }}"}}]
}"#;

const TYPED_ALLOWED_YAML: &str = "schemaVersion: '2.2'
description: Typed allowed values.
parameters:
  level:
    type: Integer
    allowedValues: [1, 2, 3, 4]   # numbers, not strings
    default: 2
  force:
    type: Boolean
    allowedValues:
      - true
      - false
    default: true
mainSteps:
  - action: aws:runShellScript
    name: run
    inputs:
      runCommand: echo {{ level }} {{ force }}
";

#[tokio::test]
async fn integer_and_boolean_allowed_values_are_taken_and_read_back_unchanged() {
    let fx = Fx::new();
    let json_doc = fx.create("Typed-Json", TYPED_ALLOWED_JSON).await;
    assert_eq!(
        param(&json_doc, "level").default_value.as_deref(),
        Some("2")
    );
    assert_eq!(
        param(&json_doc, "force").default_value.as_deref(),
        Some("false")
    );
    assert_eq!(
        param(&json_doc, "retries").default_value.as_deref(),
        Some("3")
    );
    assert_eq!(fx.content(get("Typed-Json")).await, TYPED_ALLOWED_JSON);

    fx.ok(create_yaml("Typed-Yaml", TYPED_ALLOWED_YAML)).await;
    let got = fx.ok(get("Typed-Yaml")).await;
    assert_eq!(
        got.content, TYPED_ALLOWED_YAML,
        "byte for byte, comment and all"
    );
    assert_eq!(got.document_format, DocumentFormat::Yaml);

    // A default outside the allowed values is still refused.
    fx.refused(
        create(
            "Typed-Bad",
            &TYPED_ALLOWED_JSON.replace("\"default\": 2", "\"default\": 5"),
        ),
        "InvalidDocumentContent",
        &["parameters.level.default", "'5'"],
    )
    .await;
    assert_eq!(fx.own_names().await, ["Typed-Json", "Typed-Yaml"]);
}

#[tokio::test]
async fn special_version_words_are_refused_with_a_true_message() {
    let fx = Fx::new();
    fx.create("Deploy", &shell_doc("one")).await;
    let e = fx
        .backend
        .call(
            &fx.admin,
            UpdateDocument {
                document_version: Some("$DEFAULT".into()),
                ..update("Deploy", &shell_doc("two"))
            },
        )
        .await
        .unwrap_err();
    assert!(
        !e.message.contains("[$]DEFAULT"),
        "the message says $DEFAULT fails a pattern that allows it: {e}"
    );
    assert!(e.message.contains("$LATEST"), "{e}");
    for word in ["$LATEST", "$DEFAULT"] {
        let e = fx
            .refused(set_default("Deploy", word), "ValidationException", &[word])
            .await;
        assert!(
            !e.message.contains("[$]LATEST|[$]DEFAULT"),
            "the message says {word} fails a pattern that allows it: {e}"
        );
    }
}

#[tokio::test]
async fn a_missing_version_is_not_said_to_be_in_range() {
    let fx = Fx::new();
    fx.create("Gappy", &shell_doc("one")).await;
    fx.update("Gappy", &shell_doc("two")).await;
    fx.update("Gappy", &shell_doc("three")).await;
    fx.ok(delete_version("Gappy", "2")).await;
    let e = fx
        .refused(
            get_version("Gappy", "2"),
            "InvalidDocumentVersion",
            &["The document version is not valid or does not exist."],
        )
        .await;
    assert!(
        !e.message.contains("run from 1 to 3"),
        "the message puts version 2 inside the range it has: {e}"
    );
}

#[tokio::test]
async fn parameters_keep_the_order_the_document_declares() {
    let fx = Fx::new();
    let d = fx.create("Restart-Service", RESTART_JSON).await;
    let order: Vec<&str> = d.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(order, ["service", "delay", "hosts", "verbose", "required"]);
    let yaml = fx.content(get_as("Restart-Service", "YAML")).await;
    assert!(
        yaml.starts_with("schemaVersion"),
        "the converted document starts as the original does:\n{yaml}"
    );
}
