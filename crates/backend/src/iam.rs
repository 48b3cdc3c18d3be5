//! Users, their access keys and their inline policies.
//!
//! Everything is held in memory (the gate evaluates a user's policies on
//! every call, and the server looks up an access key on every request) and
//! written through the store. Policies are compiled once, when put or
//! loaded. Secret access keys are kept sealed by the `kms` module: the
//! server needs them back to recompute signatures, so a hash would not do,
//! and the plaintext must never reach the store.

mod ops;
pub(crate) mod policy;

use std::collections::{BTreeMap, HashMap};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sysman_api::iam::{AccessKeyMetadata, AccessKeyStatus, User};
use sysman_api::{ApiError, Tag, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::store::{AuditRecord, Change, Snapshot};
use crate::{Caller, Inner};

pub(crate) use policy::{Decision, Policy};

const USER_KIND: &str = "iam_user";
const ACCESS_KEY_KIND: &str = "iam_access_key";
const POLICY_KIND: &str = "iam_user_policy";
/// Every kind of record this module keeps: what a reset leaves alone.
pub(crate) const KINDS: [&str; 3] = [USER_KIND, ACCESS_KEY_KIND, POLICY_KIND];

/// Most access keys one user may hold, as in IAM.
pub const MAX_KEYS_PER_USER: usize = 2;

/// The policy [`bootstrap_admin`] gives the first user.
pub const ADMINISTRATOR_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const ADMINISTRATOR_POLICY_NAME: &str = "AdministratorAccess";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UserRecord {
    user_name: String,
    user_id: String,
    arn: String,
    created: Timestamp,
    tags: Vec<Tag>,
}

impl UserRecord {
    fn user(&self) -> User {
        User {
            path: "/".to_owned(),
            user_name: self.user_name.clone(),
            user_id: self.user_id.clone(),
            arn: self.arn.clone(),
            create_date: self.created,
            tags: self.tags.clone(),
        }
    }

    fn change(&self) -> Change {
        Change::Put {
            kind: USER_KIND,
            id: self.user_name.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// An access key as the store keeps it: the secret only ever sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AccessKeyRecord {
    access_key_id: String,
    user_name: String,
    created: Timestamp,
    secret_sealed: String,
    /// Turned off with UpdateAccessKey: it signs nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    inactive: bool,
}

impl AccessKeyRecord {
    fn metadata(&self) -> AccessKeyMetadata {
        AccessKeyMetadata {
            user_name: self.user_name.clone(),
            access_key_id: self.access_key_id.clone(),
            status: if self.inactive {
                AccessKeyStatus::Inactive
            } else {
                AccessKeyStatus::Active
            },
            create_date: self.created,
        }
    }

    fn change(&self) -> Change {
        Change::Put {
            kind: ACCESS_KEY_KIND,
            id: self.access_key_id.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    fn delete(&self) -> Change {
        Change::Delete {
            kind: ACCESS_KEY_KIND,
            id: self.access_key_id.clone(),
        }
    }
}

/// What a user's secret is bound to: a sealed secret moved to another key
/// or user does not open.
fn secret_aad(user_name: &str, access_key_id: &str) -> Vec<u8> {
    format!("iam-access-key:user/{user_name}:{access_key_id}").into_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PolicyRecord {
    user_name: String,
    policy_name: String,
    document: String,
}

impl PolicyRecord {
    /// User and policy names cannot hold `/`, so this id is unambiguous.
    fn id(&self) -> String {
        format!("{}/{}", self.user_name, self.policy_name)
    }

    fn change(&self) -> Change {
        Change::Put {
            kind: POLICY_KIND,
            id: self.id(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    fn delete(&self) -> Change {
        Change::Delete {
            kind: POLICY_KIND,
            id: self.id(),
        }
    }
}

struct UserEntry {
    record: UserRecord,
    keys: BTreeMap<String, AccessKeyRecord>,
    /// By policy name: the document as given, and compiled.
    policies: BTreeMap<String, (PolicyRecord, Policy)>,
}

#[derive(Default)]
struct IamState {
    users: BTreeMap<String, UserEntry>,
    /// Access key id to user name: the server looks a key up on every request.
    by_key: HashMap<String, String>,
}

impl IamState {
    fn user(&self, name: &str) -> Result<&UserEntry, ApiError> {
        self.users.get(name).ok_or_else(|| no_such_user(name))
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut UserEntry, ApiError> {
        self.users.get_mut(name).ok_or_else(|| no_such_user(name))
    }

    fn add_user(&mut self, record: UserRecord) {
        self.users.insert(
            record.user_name.clone(),
            UserEntry {
                record,
                keys: BTreeMap::new(),
                policies: BTreeMap::new(),
            },
        );
    }

    /// Files a key under its user, who must exist.
    fn add_key(&mut self, key: AccessKeyRecord) -> Result<(), ApiError> {
        let id = key.access_key_id.clone();
        let owner = key.user_name.clone();
        self.user_mut(&owner)?.keys.insert(id.clone(), key);
        self.by_key.insert(id, owner);
        Ok(())
    }

    /// Files a compiled policy under its user, who must exist.
    fn add_policy(&mut self, record: PolicyRecord, policy: Policy) -> Result<(), ApiError> {
        let user = self.user_mut(&record.user_name)?;
        user.policies
            .insert(record.policy_name.clone(), (record, policy));
        Ok(())
    }

    /// A new access key id, unlike any other.
    fn fresh_key_id(&self, b: &Inner) -> String {
        loop {
            let id = b.ids.user_access_key_id();
            if !self.by_key.contains_key(&id) {
                return id;
            }
        }
    }

    /// A new key for `user_name`, its secret sealed; returns the record and
    /// the plaintext secret, which is shown once and never kept.
    fn new_key(&self, b: &Inner, user_name: &str, now: Timestamp) -> (AccessKeyRecord, String) {
        let access_key_id = self.fresh_key_id(b);
        let secret = b.ids.secret_access_key();
        let secret_sealed = b
            .kms
            .seal_credential(secret.as_bytes(), &secret_aad(user_name, &access_key_id));
        let record = AccessKeyRecord {
            access_key_id,
            user_name: user_name.to_owned(),
            created: now,
            secret_sealed,
            inactive: false,
        };
        (record, secret)
    }
}

fn no_such_user(name: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The user with name {name} cannot be found."),
    )
}

fn user_arn(account_id: &str, user_name: &str) -> String {
    format!("arn:aws:iam::{account_id}:user/{user_name}")
}

pub(crate) struct Iam {
    state: RwLock<IamState>,
}

impl Capability for Iam {
    /// Users and access keys outlive a reset, so a test suite keeps its
    /// credentials.
    const KEPT_ON_RESET: &'static [&'static str] = &KINDS;

    fn load(from: &Source<'_>) -> Result<Iam, String> {
        Iam::from_records(from.snapshot)
    }

    /// Takes `fresh`'s users, keys and policies.
    fn replace_with(&self, fresh: Iam) {
        *self.state.write() = fresh.state.into_inner();
    }

    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        Ok(())
    }
}

impl Iam {
    fn from_records(snapshot: &Snapshot) -> Result<Iam, String> {
        let mut state = IamState::default();
        for (id, body) in snapshot.get(USER_KIND).into_iter().flatten() {
            let record: UserRecord = serde_json::from_str(body)
                .map_err(|e| format!("stored user {id} cannot be read: {e}"))?;
            state.add_user(record);
        }
        for (id, body) in snapshot.get(ACCESS_KEY_KIND).into_iter().flatten() {
            let record: AccessKeyRecord = serde_json::from_str(body)
                .map_err(|e| format!("stored access key {id} cannot be read: {e}"))?;
            state
                .add_key(record)
                .map_err(|e| format!("stored access key {id} belongs to no user: {}", e.message))?;
        }
        for (id, body) in snapshot.get(POLICY_KIND).into_iter().flatten() {
            let record: PolicyRecord = serde_json::from_str(body)
                .map_err(|e| format!("stored policy {id} cannot be read: {e}"))?;
            // A policy that no longer compiles must not silently grant (or
            // stop denying) anything: refuse to start instead.
            let policy = Policy::parse(&record.document)
                .map_err(|e| format!("stored policy {id} is not valid: {}", e.message))?;
            state
                .add_policy(record, policy)
                .map_err(|e| format!("stored policy {id} belongs to no user: {}", e.message))?;
        }
        Ok(Iam {
            state: RwLock::new(state),
        })
    }

    /// What `user_name`'s policies say about `action` on `resource` (an ARN
    /// or `*`). An unknown user has no policies, so is denied.
    pub fn decide(&self, user_name: &str, action: &str, resource: &str) -> Decision {
        let state = self.state.read();
        match state.users.get(user_name) {
            Some(user) => {
                policy::evaluate(user.policies.values().map(|(_, p)| p), action, resource)
            }
            None => Decision::ImplicitDeny,
        }
    }

    /// The user an access key belongs to and its sealed secret.
    fn key(&self, access_key_id: &str) -> Option<(String, String)> {
        let state = self.state.read();
        let owner = state.by_key.get(access_key_id)?;
        let key = state.users.get(owner)?.keys.get(access_key_id)?;
        (!key.inactive).then(|| (owner.clone(), key.secret_sealed.clone()))
    }
}

/// The caller an access key acts for and its plaintext secret: a user's
/// key, or a node's. `None` for keys that do not exist (any more), for
/// inactive keys, and for nodes registered before node secrets were kept
/// sealed.
pub(crate) fn access_key(b: &Inner, access_key_id: &str) -> Option<(Caller, String)> {
    let (caller, sealed, aad) = if let Some((user, sealed)) = b.iam.key(access_key_id) {
        let aad = secret_aad(&user, access_key_id);
        (Caller::User(user), sealed, aad)
    } else {
        let (instance_id, sealed) = b.fleet.access_key(access_key_id)?;
        let aad = crate::fleet::secret_aad(&instance_id, access_key_id);
        (Caller::Node(instance_id), sealed, aad)
    };
    match b.kms.open_credential(&sealed, &aad) {
        Some(bytes) => Some((caller, String::from_utf8(bytes).ok()?)),
        None => {
            // Names the key, never the secret.
            tracing::warn!("the sealed secret of access key {access_key_id} does not open");
            None
        }
    }
}

/// Creates the first user, with full rights and one access key, if there
/// is no user yet; returns that key's id and secret. Audited as `system`.
pub(crate) async fn bootstrap_admin(
    b: &Inner,
    user_name: &str,
    keep: impl FnOnce(&str, &str) -> Result<(), String>,
) -> Result<Option<(String, String)>, ApiError> {
    ops::check_user_name(user_name)?;
    b.store.check()?;
    let policy = Policy::parse(ADMINISTRATOR_ACCESS)?;
    let now = b.clock.now();
    let (commit, key) = {
        let mut state = b.iam.state.write();
        if !state.users.is_empty() {
            return Ok(None);
        }
        let user = UserRecord {
            user_name: user_name.to_owned(),
            user_id: b.ids.user_id(),
            arn: user_arn(&b.settings.account_id, user_name),
            created: now,
            tags: Vec::new(),
        };
        let policy_record = PolicyRecord {
            user_name: user_name.to_owned(),
            policy_name: ADMINISTRATOR_POLICY_NAME.to_owned(),
            document: ADMINISTRATOR_ACCESS.to_owned(),
        };
        let (key, secret) = state.new_key(b, user_name, now);
        keep(&key.access_key_id, &secret).map_err(ApiError::internal)?;
        let audit = AuditRecord {
            time: now,
            principal: "system".to_owned(),
            operation: "Sysman.BootstrapAdmin".to_owned(),
            resource: sysman_api::iam::user_resource(user_name),
            outcome: "Success".to_owned(),
            request: serde_json::json!({
                "UserName": user_name,
                "PolicyName": ADMINISTRATOR_POLICY_NAME,
                "AccessKeyId": key.access_key_id,
            })
            .to_string(),
        };
        let changes = vec![user.change(), policy_record.change(), key.change()];
        let commit = b.store.commit(changes, audit);
        let access_key_id = key.access_key_id.clone();
        state.add_user(user);
        state.add_policy(policy_record, policy)?;
        state.add_key(key)?;
        (commit, (access_key_id, secret))
    };
    commit.await?;
    Ok(Some(key))
}
