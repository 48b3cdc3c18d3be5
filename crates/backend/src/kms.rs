//! Keys for SecureString values: AES-256-GCM envelope encryption.
//!
//! A master key (a file of 32 random bytes, mode 0600, in the data dir)
//! wraps the material of every key; each key may hold several material
//! versions (rotation adds one: new encryptions use it, old ciphertexts
//! still open). Each sealed value gets a fresh data key, wrapped by the
//! key's current material, and is bound to associated data chosen by the
//! caller (a parameter's ARN and version), so a ciphertext copied
//! elsewhere does not open. Plaintext never reaches the store.
//!
//! Access-key secrets are sealed too, but under a dedicated internal key
//! derived from the master key: the server must recompute signatures, so it
//! needs them back, and no operation can disable or delete that key and so
//! lock every caller out.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, Generate, Key, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sysman_api::{ApiError, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::store::{Change, Snapshot};

const KEY_KIND: &str = "kms_key";
/// The key SecureStrings use when they name none.
pub const DEFAULT_ALIAS: &str = "alias/aws/ssm";
/// File name of the master key in the data dir.
pub const MASTER_KEY_FILE: &str = "master.key";

/// A key as the store keeps it: its material only ever wrapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    pub key_id: String,
    pub arn: String,
    pub aliases: Vec<String>,
    pub description: String,
    pub enabled: bool,
    pub created: Timestamp,
    /// Wrapped material, oldest first; the last one seals new values.
    pub materials: Vec<String>,
}

/// A sealed value: which key and material, the wrapped data key, and the
/// ciphertext. Serialised into one opaque base64 string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Sealed {
    k: String,
    m: usize,
    dk: String,
    n: String,
    c: String,
}

pub(crate) struct Kms {
    master: Aes256Gcm,
    /// Seals access-key secrets; see the module comment.
    credentials: Aes256Gcm,
    state: RwLock<KmsState>,
}

#[derive(Default)]
struct KmsState {
    keys: BTreeMap<String, KeyRecord>,
    /// Unwrapped material by key id, oldest first.
    ciphers: BTreeMap<String, Vec<Aes256Gcm>>,
}

fn seal_with(cipher: &Aes256Gcm, msg: &[u8], aad: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let nonce = Nonce::generate();
    let sealed = cipher
        .encrypt(&nonce, Payload { msg, aad })
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    (nonce.to_vec(), sealed)
}

fn open_with(cipher: &Aes256Gcm, nonce: &[u8], sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    cipher
        .decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad })
        .ok()
}

fn key_aad(key_id: &str, version: usize) -> Vec<u8> {
    format!("sysman-kms-material:{key_id}:{version}").into_bytes()
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Reads the master key at `path`, creating it (mode 0600) if missing.
pub fn load_or_create_master_key(path: &Path) -> Result<[u8; 32], String> {
    if path.exists() {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the master key {}: {e}", path.display()))?;
        return bytes.as_slice().try_into().map_err(|_| {
            format!(
                "the master key {} is damaged: it must hold exactly 32 bytes",
                path.display()
            )
        });
    }
    let key = Key::<Aes256Gcm>::generate();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the master key {}: {e}", path.display()))?;
    file.write_all(key.as_slice())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write the master key {}: {e}", path.display()))?;
    let mut out = [0; 32];
    out.copy_from_slice(key.as_slice());
    Ok(out)
}

/// A fresh random master key, for in-memory backends.
pub fn ephemeral_master_key() -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(Key::<Aes256Gcm>::generate().as_slice());
    out
}

/// Marks a sealed credential, so another format can follow it one day.
const CREDENTIAL_TAG: &str = "c1:";

/// The internal credentials key: HMAC-SHA256 of a fixed label under the
/// master key, so it needs no record of its own and cannot be lost apart
/// from the master key.
fn credentials_cipher(master: &[u8; 32]) -> Result<Aes256Gcm, String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).map_err(|e| e.to_string())?;
    mac.update(b"sysman-kms:access-key-secrets:v1");
    Aes256Gcm::new_from_slice(&mac.finalize().into_bytes()).map_err(|e| e.to_string())
}

/// The keys in `snapshot`, their material unwrapped with `master`.
fn load_state(snapshot: &Snapshot, master: &Aes256Gcm) -> Result<KmsState, String> {
    let mut state = KmsState::default();
    for (id, body) in snapshot.get(KEY_KIND).into_iter().flatten() {
        let record: KeyRecord = serde_json::from_str(body)
            .map_err(|e| format!("stored key {id} cannot be read: {e}"))?;
        let ciphers = record
            .materials
            .iter()
            .enumerate()
            .map(|(version, wrapped)| {
                let bytes = unb64(wrapped).unwrap_or_default();
                let (nonce, sealed) = bytes.split_at(bytes.len().min(12));
                let material =
                    open_with(master, nonce, sealed, &key_aad(id, version)).ok_or_else(|| {
                        format!(
                            "key {id} cannot be unwrapped: the master key does not match \
                                 this store"
                        )
                    })?;
                Aes256Gcm::new_from_slice(&material).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, String>>()?;
        state.ciphers.insert(id.clone(), ciphers);
        state.keys.insert(id.clone(), record);
    }
    Ok(state)
}

fn invalid_key(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidKeyId", message)
}

impl Capability for Kms {
    fn load(from: &Source<'_>) -> Result<Kms, String> {
        let master = from
            .master
            .ok_or("the key service loads only when the backend opens")?;
        Kms::load(from.snapshot, *master)
    }

    /// Reads the keys again under the master key already in use.
    fn reread(&self, from: &Source<'_>) -> Result<Kms, String> {
        Ok(Kms {
            master: self.master.clone(),
            credentials: self.credentials.clone(),
            state: RwLock::new(load_state(from.snapshot, &self.master)?),
        })
    }

    fn replace_with(&self, fresh: Kms) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Forgets every key; the master key and the internal key that seals
    /// access-key secrets stay.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        *self.state.write() = KmsState::default();
        Ok(())
    }
}

impl Kms {
    pub fn load(snapshot: &Snapshot, master_bytes: [u8; 32]) -> Result<Kms, String> {
        let master = Aes256Gcm::new_from_slice(&master_bytes).map_err(|e| e.to_string())?;
        let credentials = credentials_cipher(&master_bytes)?;
        let state = load_state(snapshot, &master)?;
        Ok(Kms {
            master,
            credentials,
            state: RwLock::new(state),
        })
    }

    /// Seals an access-key secret under the internal credentials key,
    /// bound to `aad` (the key's owner and id).
    pub fn seal_credential(&self, secret: &[u8], aad: &[u8]) -> String {
        let (nonce, sealed) = seal_with(&self.credentials, secret, aad);
        format!("{CREDENTIAL_TAG}{}", b64(&[nonce, sealed].concat()))
    }

    /// Opens what [`Kms::seal_credential`] sealed with the same `aad`;
    /// `None` if it was altered or belongs to another key.
    pub fn open_credential(&self, sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
        let bytes = unb64(sealed.strip_prefix(CREDENTIAL_TAG)?)?;
        let (nonce, body) = bytes.split_at(bytes.len().min(12));
        open_with(&self.credentials, nonce, body, aad)
    }

    fn wrap_new_material(&self, key_id: &str, version: usize) -> (String, Aes256Gcm) {
        let material = Key::<Aes256Gcm>::generate();
        let (nonce, sealed) =
            seal_with(&self.master, material.as_slice(), &key_aad(key_id, version));
        let wrapped = b64(&[nonce, sealed].concat());
        (wrapped, Aes256Gcm::new(&material))
    }

    /// Creates a key, in memory now, and hands `commit` the change that
    /// stores it while the lock is held.
    pub fn create_key<C>(
        &self,
        key_id: String,
        arn: String,
        aliases: Vec<String>,
        description: String,
        now: Timestamp,
        commit: impl FnOnce(Change) -> C,
    ) -> (KeyRecord, C) {
        let (wrapped, cipher) = self.wrap_new_material(&key_id, 0);
        let record = KeyRecord {
            key_id: key_id.clone(),
            arn,
            aliases,
            description,
            enabled: true,
            created: now,
            materials: vec![wrapped],
        };
        let mut state = self.state.write();
        state.ciphers.insert(key_id.clone(), vec![cipher]);
        state.keys.insert(key_id, record.clone());
        let committed = commit(key_change(&record));
        (record, committed)
    }

    /// Adds new material to a key; later seals use it. `commit` queues the
    /// change while the lock is held (so is every method that changes a
    /// key): each queued record is the whole key, so two changes queued
    /// out of order would leave the older one on disk.
    pub fn rotate<C>(&self, key_id: &str, commit: impl FnOnce(Change) -> C) -> Result<C, ApiError> {
        let mut state = self.state.write();
        let version = state
            .keys
            .get(key_id)
            .map(|r| r.materials.len())
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(key_id))?;
        let (wrapped, cipher) = self.wrap_new_material(key_id, version);
        state
            .ciphers
            .entry(key_id.to_owned())
            .or_default()
            .push(cipher);
        let record = state
            .keys
            .get_mut(key_id)
            .ok_or_else(|| invalid_key(key_id.to_owned()))?;
        record.materials.push(wrapped);
        Ok(commit(key_change(record)))
    }

    /// Turns a key on or off; a disabled key neither seals nor opens.
    pub fn set_enabled<C>(
        &self,
        key_id: &str,
        enabled: bool,
        commit: impl FnOnce(Change) -> C,
    ) -> Result<C, ApiError> {
        let mut state = self.state.write();
        let record = state
            .keys
            .get_mut(key_id)
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(key_id))?;
        record.enabled = enabled;
        Ok(commit(key_change(record)))
    }

    /// Adds an alias to a key.
    pub fn add_alias<C>(
        &self,
        key_id: &str,
        alias: &str,
        commit: impl FnOnce(Change) -> C,
    ) -> Result<C, ApiError> {
        let mut state = self.state.write();
        if state
            .keys
            .values()
            .any(|k| k.aliases.iter().any(|a| a == alias))
        {
            return Err(ApiError::new(
                "AlreadyExistsException",
                format!("The alias {alias} already names a key; choose another"),
            ));
        }
        let record = state
            .keys
            .get_mut(key_id)
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(key_id))?;
        record.aliases.push(alias.to_owned());
        Ok(commit(key_change(record)))
    }

    pub fn keys(&self) -> Vec<KeyRecord> {
        self.state.read().keys.values().cloned().collect()
    }

    /// The key a reference names: a key id, a key ARN, an alias
    /// (`alias/name`) or an alias ARN. `None` if there is none.
    pub fn find(&self, reference: &str) -> Option<KeyRecord> {
        let state = self.state.read();
        let alias = reference
            .split_once(":alias/")
            .map(|(_, name)| format!("alias/{name}"))
            .unwrap_or_else(|| reference.to_owned());
        let key_id = reference
            .rsplit_once(":key/")
            .map_or(reference, |(_, id)| id);
        state
            .keys
            .get(key_id)
            .or_else(|| state.keys.values().find(|k| k.aliases.contains(&alias)))
            .cloned()
    }

    /// Seals `plaintext` under the key's current material, bound to `aad`.
    pub fn seal(&self, key_id: &str, plaintext: &[u8], aad: &[u8]) -> Result<String, ApiError> {
        let state = self.state.read();
        let record = state
            .keys
            .get(key_id)
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(key_id))?;
        if !record.enabled {
            return Err(invalid_key(format!("{key_id} is disabled.")));
        }
        let ciphers = state
            .ciphers
            .get(key_id)
            .ok_or_else(|| invalid_key(key_id.to_owned()))?;
        let (m, material) = ciphers
            .iter()
            .enumerate()
            .next_back()
            .ok_or_else(|| invalid_key(format!("Key {key_id} has no material")))?;
        let data_key = Key::<Aes256Gcm>::generate();
        let (dk_nonce, dk_sealed) = seal_with(material, data_key.as_slice(), aad);
        let (nonce, sealed) = seal_with(&Aes256Gcm::new(&data_key), plaintext, aad);
        let blob = Sealed {
            k: key_id.to_owned(),
            m,
            dk: b64(&[dk_nonce, dk_sealed].concat()),
            n: b64(&nonce),
            c: b64(&sealed),
        };
        Ok(b64(&serde_json::to_vec(&blob).unwrap_or_default()))
    }

    /// Opens a value sealed by [`Kms::seal`] with the same `aad`.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, ApiError> {
        let damaged = || {
            ApiError::internal(
                "a stored SecureString cannot be decrypted: its ciphertext was altered or \
                 belongs to another parameter or version",
            )
        };
        let blob: Sealed = unb64(sealed)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(damaged)?;
        let state = self.state.read();
        let record = state
            .keys
            .get(&blob.k)
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(&blob.k))?;
        if !record.enabled {
            return Err(invalid_key(format!("{} is disabled.", blob.k)));
        }
        let material = state
            .ciphers
            .get(&blob.k)
            .and_then(|c| c.get(blob.m))
            .ok_or_else(damaged)?;
        let dk = unb64(&blob.dk).ok_or_else(damaged)?;
        let (dk_nonce, dk_sealed) = dk.split_at(dk.len().min(12));
        let data_key = open_with(material, dk_nonce, dk_sealed, aad).ok_or_else(damaged)?;
        let cipher = Aes256Gcm::new_from_slice(&data_key).map_err(|_| damaged())?;
        let nonce = unb64(&blob.n).ok_or_else(damaged)?;
        let body = unb64(&blob.c).ok_or_else(damaged)?;
        open_with(&cipher, &nonce, &body, aad).ok_or_else(damaged)
    }
}

/// Checks an alias name: `alias/` and letters, digits, `/`, `_` and `-`;
/// `alias/aws/` is reserved for keys sysman makes itself.
pub fn check_alias(alias: &str) -> Result<(), ApiError> {
    let name = alias.strip_prefix("alias/").ok_or_else(|| {
        ApiError::validation(format!(
            "Alias '{alias}' must begin with alias/, as in alias/app-secrets"
        ))
    })?;
    if name.is_empty()
        || name.len() > 250
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
    {
        return Err(ApiError::validation(format!(
            "Alias '{alias}' may hold only letters, digits, '/', '_' and '-' after alias/ \
             (1 to 250 characters)"
        )));
    }
    if name.starts_with("aws/") {
        return Err(ApiError::validation(format!(
            "Alias '{alias}' is reserved: alias/aws/ names belong to keys sysman creates"
        )));
    }
    Ok(())
}

fn key_change(record: &KeyRecord) -> Change {
    Change::Put {
        kind: KEY_KIND,
        id: record.key_id.clone(),
        body: serde_json::to_string(record).unwrap_or_default(),
    }
}

mod ops {
    //! The `Sysman.` key operations.

    use sysman_api::kms::{
        CreateAlias, CreateKey, DescribeKey, DisableKey, EnableKey, KeyMetadata, KeyMetadataResult,
        ListKeys, ListKeysResult, RotateKey,
    };
    use sysman_api::{ApiError, Empty};

    use super::{KeyRecord, check_alias};
    use crate::Inner;
    use crate::gate::{Ctx, Handler};

    fn metadata(record: &KeyRecord) -> KeyMetadata {
        KeyMetadata {
            key_id: record.key_id.clone(),
            arn: record.arn.clone(),
            aliases: record.aliases.clone(),
            description: record.description.clone(),
            enabled: record.enabled,
            creation_date: record.created,
            material_versions: record.materials.len() as i64,
        }
    }

    fn find(b: &Inner, reference: &str) -> Result<KeyRecord, ApiError> {
        b.kms
            .find(reference)
            .ok_or_else(|| sysman_api::messages::parameter::no_such_key(reference))
    }

    impl Handler for CreateKey {
        async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            crate::validate::length(self.description.as_deref(), "description", 0, 8192)?;
            let aliases = match &self.alias {
                Some(alias) => {
                    check_alias(alias)?;
                    if b.kms.find(alias).is_some() {
                        return Err(ApiError::new(
                            "AlreadyExistsException",
                            format!("The alias {alias} already names a key; choose another"),
                        ));
                    }
                    vec![alias.clone()]
                }
                None => Vec::new(),
            };
            let key_id = b.ids.uuid();
            let arn = format!(
                "arn:aws:kms:{}:{}:key/{key_id}",
                b.settings.region, b.settings.account_id
            );
            let description = self.description.unwrap_or_default();
            let (record, commit) =
                b.kms
                    .create_key(key_id, arn, aliases, description, ctx.now, |change| {
                        ctx.commit(&b.store, vec![change])
                    });
            commit.await?;
            Ok(KeyMetadataResult {
                key_metadata: Some(metadata(&record)),
            })
        }
    }

    impl Handler for ListKeys {
        async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            Ok(ListKeysResult {
                keys: b.kms.keys().iter().map(metadata).collect(),
            })
        }
    }

    impl Handler for DescribeKey {
        async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            Ok(KeyMetadataResult {
                key_metadata: Some(metadata(&find(b, &self.key_id)?)),
            })
        }
    }

    impl Handler for CreateAlias {
        async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            check_alias(&self.alias_name)?;
            let key = find(b, &self.target_key_id)?;
            let commit = b.kms.add_alias(&key.key_id, &self.alias_name, |change| {
                ctx.commit(&b.store, vec![change])
            })?;
            commit.await?;
            Ok(Empty {})
        }
    }

    impl Handler for RotateKey {
        async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            let key = find(b, &self.key_id)?;
            let commit = b
                .kms
                .rotate(&key.key_id, |change| ctx.commit(&b.store, vec![change]))?;
            commit.await?;
            Ok(KeyMetadataResult {
                key_metadata: Some(metadata(&find(b, &key.key_id)?)),
            })
        }
    }

    async fn set_enabled(
        b: &Inner,
        ctx: &mut Ctx,
        reference: &str,
        enabled: bool,
    ) -> Result<Empty, ApiError> {
        let key = find(b, reference)?;
        let commit = b.kms.set_enabled(&key.key_id, enabled, |change| {
            ctx.commit(&b.store, vec![change])
        })?;
        commit.await?;
        Ok(Empty {})
    }

    impl Handler for DisableKey {
        async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            set_enabled(b, ctx, &self.key_id, false).await
        }
    }

    impl Handler for EnableKey {
        async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
            set_enabled(b, ctx, &self.key_id, true).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kms() -> Kms {
        let kms = Kms::load(&Snapshot::new(), ephemeral_master_key()).unwrap();
        kms.create_key(
            "k1".into(),
            "arn:k1".into(),
            vec![DEFAULT_ALIAS.into()],
            String::new(),
            Timestamp(0),
            drop,
        );
        kms
    }

    /// Each change stores the whole key, so it must be queued before any
    /// other change to the key can be made: while the lock is held.
    #[test]
    fn every_change_is_handed_to_commit_while_the_key_is_locked() {
        let kms = kms();
        let locked = |_: Change| kms.state.try_read().is_none();
        assert!(kms.rotate("k1", locked).unwrap());
        assert!(kms.set_enabled("k1", false, locked).unwrap());
        assert!(kms.add_alias("k1", "alias/other", locked).unwrap());
        let (_, held) = kms.create_key(
            "k2".into(),
            "arn:k2".into(),
            vec![],
            String::new(),
            Timestamp(0),
            locked,
        );
        assert!(held);
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_associated_data() {
        let kms = kms();
        let sealed = kms.seal("k1", b"hunter2", b"param/a:1").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(kms.open(&sealed, b"param/a:1").unwrap(), b"hunter2");
        let moved = kms.open(&sealed, b"param/b:1").unwrap_err();
        assert!(moved.message.contains("another parameter"), "{moved}");
    }

    #[test]
    fn a_tampered_ciphertext_does_not_open() {
        let kms = kms();
        let sealed = kms.seal("k1", b"hunter2", b"aad").unwrap();
        let mut blob: Sealed = serde_json::from_slice(&unb64(&sealed).unwrap()).unwrap();
        let mut body = unb64(&blob.c).unwrap();
        body[0] ^= 1;
        blob.c = b64(&body);
        let tampered = b64(&serde_json::to_vec(&blob).unwrap());
        assert!(kms.open(&tampered, b"aad").is_err());
        assert!(kms.open("not base64 at all!", b"aad").is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_disabling_stops_both_ways() {
        let kms = kms();
        let old = kms.seal("k1", b"v1", b"aad").unwrap();
        kms.rotate("k1", drop).unwrap();
        let new = kms.seal("k1", b"v2", b"aad").unwrap();
        assert_eq!(kms.open(&old, b"aad").unwrap(), b"v1");
        assert_eq!(kms.open(&new, b"aad").unwrap(), b"v2");
        kms.set_enabled("k1", false, drop).unwrap();
        assert_eq!(kms.open(&old, b"aad").unwrap_err().code, "InvalidKeyId");
        assert_eq!(
            kms.seal("k1", b"v3", b"aad").unwrap_err().code,
            "InvalidKeyId"
        );
    }

    #[test]
    fn keys_survive_a_reload_with_the_same_master_key_only() {
        let master = ephemeral_master_key();
        let kms = Kms::load(&Snapshot::new(), master).unwrap();
        let (_, change) = kms.create_key(
            "k1".into(),
            "arn".into(),
            vec![],
            String::new(),
            Timestamp(0),
            |change| change,
        );
        let sealed = kms.seal("k1", b"secret", b"aad").unwrap();
        let Change::Put { kind, id, body } = change else {
            panic!("a put")
        };
        let snapshot = Snapshot::from([(kind.to_owned(), BTreeMap::from([(id, body)]))]);
        let reloaded = Kms::load(&snapshot, master).unwrap();
        assert_eq!(reloaded.open(&sealed, b"aad").unwrap(), b"secret");
        let err = Kms::load(&snapshot, ephemeral_master_key()).err().unwrap();
        assert!(err.contains("master key does not match"), "{err}");
    }

    #[test]
    fn references_find_keys_by_id_arn_and_alias() {
        let kms = kms();
        assert!(kms.find("k1").is_some());
        assert!(
            kms.find("arn:aws:kms:us-east-1:123456789012:key/k1")
                .is_some()
        );
        assert!(kms.find(DEFAULT_ALIAS).is_some());
        assert!(
            kms.find("arn:aws:kms:us-east-1:123456789012:alias/aws/ssm")
                .is_some()
        );
        assert!(kms.find("alias/other").is_none());
    }

    #[test]
    fn credentials_open_with_their_binding_and_master_key_only() {
        let master = ephemeral_master_key();
        let kms = Kms::load(&Snapshot::new(), master).unwrap();
        let sealed = kms.seal_credential(b"wJalrXUtnFEMI", b"user/alice:AKIA1");
        assert!(!sealed.contains("wJalrXUtnFEMI"));
        assert_eq!(
            kms.open_credential(&sealed, b"user/alice:AKIA1").unwrap(),
            b"wJalrXUtnFEMI"
        );
        assert!(kms.open_credential(&sealed, b"user/bob:AKIA1").is_none());
        let reloaded = Kms::load(&Snapshot::new(), master).unwrap();
        assert!(
            reloaded
                .open_credential(&sealed, b"user/alice:AKIA1")
                .is_some()
        );
        let other = Kms::load(&Snapshot::new(), ephemeral_master_key()).unwrap();
        assert!(
            other
                .open_credential(&sealed, b"user/alice:AKIA1")
                .is_none()
        );
        assert!(kms.open_credential("c1:not base64!", b"x").is_none());
        assert!(kms.open_credential("", b"x").is_none());
    }

    #[test]
    fn the_master_key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MASTER_KEY_FILE);
        let key = load_or_create_master_key(&path).unwrap();
        assert_eq!(load_or_create_master_key(&path).unwrap(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
