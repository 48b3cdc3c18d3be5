//! Sharing a document with other accounts (ModifyDocumentPermission) and
//! reading whom it is shared with (DescribeDocumentPermission).
//!
//! A document is shared either with a group of accounts or with everyone
//! (`all`), never both: adding `all` replaces the group, adding an account
//! ends public sharing. The shares live in the document's head record, so
//! they are stored, restored and deleted with the document.

use serde::{Deserialize, Serialize};
use sysman_api::documents::{
    AccountSharingInfo, DescribeDocumentPermission, DescribeDocumentPermissionResult,
    ModifyDocumentPermission, PERMISSION_SHARE, limits,
};
use sysman_api::{ApiError, Empty, Operation};

use super::ops::{check_name, owned_by_amazon};
use super::{Doc, not_found};
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, validate};

/// How the wire names the public share, whatever case it was given in.
const PUBLIC: &str = "all";

/// `AccountId`: `(?i)all|[0-9]{12}`.
const ACCOUNT_ID_PATTERN: &str = "(?i)all|[0-9]{12}";

/// `SharedDocumentVersion`: `([$]LATEST|[$]DEFAULT|[$]ALL)`.
const SHARED_VERSIONS: [&str; 3] = ["$LATEST", "$DEFAULT", "$ALL"];

/// One account a document is shared with, and which of its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Share {
    pub account_id: String,
    pub version: String,
}

fn check_permission_type(permission_type: &str) -> Result<(), ApiError> {
    if permission_type == PERMISSION_SHARE {
        return Ok(());
    }
    Err(ApiError::new(
        "InvalidPermissionType",
        format!(
            "Value '{permission_type}' at 'permissionType' failed to satisfy constraint: Member \
             must satisfy enum value set: [Share]."
        ),
    ))
}

/// The account ids of one list, with `all` in any case spelled `all`.
fn account_ids(ids: Option<&[String]>, field: &str) -> Result<Vec<String>, ApiError> {
    let ids = ids.unwrap_or_default();
    validate::count(ids.len(), field, 0, limits::ACCOUNT_IDS_PER_CALL_MAX)?;
    let valid = |id: &str| {
        id.eq_ignore_ascii_case(PUBLIC)
            || (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
    };
    if !ids.iter().all(|id| valid(id)) {
        return Err(ApiError::constraint(
            field,
            format!("[{}]", ids.join(", ")),
            &format!(
                "Member must satisfy constraint: [Member must satisfy regular expression \
                 pattern: {ACCOUNT_ID_PATTERN}]"
            ),
        ));
    }
    let ids: Vec<String> = ids
        .iter()
        .map(|id| {
            if id.eq_ignore_ascii_case(PUBLIC) {
                PUBLIC.to_owned()
            } else {
                id.clone()
            }
        })
        .collect();
    if ids.len() > 1 && ids.iter().any(|id| id == PUBLIC) {
        return Err(ApiError::new(
            "DocumentPermissionLimit",
            "Accounts can either be all or a group of AWS accounts",
        ));
    }
    Ok(ids)
}

fn shared_version(version: Option<&str>) -> Result<String, ApiError> {
    match version {
        None => Ok("$DEFAULT".to_owned()),
        Some(v) if SHARED_VERSIONS.contains(&v) => Ok(v.to_owned()),
        Some(v) => Err(ApiError::constraint(
            "sharedDocumentVersion",
            v,
            "Member must satisfy regular expression pattern: ([$]LATEST|[$]DEFAULT|[$]ALL)",
        )),
    }
}

fn is_public(doc: &Doc) -> bool {
    doc.head.shares.iter().any(|s| s.account_id == PUBLIC)
}

/// `shares` after adding `add` (all of one version) and then removing
/// `remove`.
fn shares_after(shares: &[Share], add: &[String], remove: &[String], version: &str) -> Vec<Share> {
    let mut shares = shares.to_vec();
    if add.iter().any(|id| id == PUBLIC) {
        shares.clear();
    } else if !add.is_empty() {
        shares.retain(|s| s.account_id != PUBLIC);
    }
    for id in add {
        match shares.iter_mut().find(|s| &s.account_id == id) {
            Some(share) => share.version = version.to_owned(),
            None => shares.push(Share {
                account_id: id.clone(),
                version: version.to_owned(),
            }),
        }
    }
    if remove.iter().any(|id| id == PUBLIC) {
        shares.clear();
    } else {
        shares.retain(|s| !remove.contains(&s.account_id));
    }
    shares
}

impl Handler for ModifyDocumentPermission {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_permission_type(&self.permission_type)?;
        let add = account_ids(self.account_ids_to_add.as_deref(), "accountIdsToAdd")?;
        let remove = account_ids(self.account_ids_to_remove.as_deref(), "accountIdsToRemove")?;
        let version = shared_version(self.shared_document_version.as_deref())?;
        let commit = {
            let mut docs = b.documents.state.write();
            let public_elsewhere = docs
                .values()
                .filter(|d| d.head.name != self.name && is_public(d))
                .count();
            let doc = docs
                .get_mut(&self.name)
                .ok_or_else(|| not_found(&self.name))?;
            if doc.is_builtin() {
                return Err(owned_by_amazon(&self.name));
            }
            let shares = shares_after(&doc.head.shares, &add, &remove, &version);
            let public = shares.iter().any(|s| s.account_id == PUBLIC);
            if public && !is_public(doc) && public_elsewhere >= limits::PUBLIC_DOCUMENTS_MAX {
                return Err(ApiError::new(
                    "DocumentPermissionLimit",
                    format!(
                        "The document can't be shared publicly: an account can share at most \
                         {} documents publicly, and {public_elsewhere} are",
                        limits::PUBLIC_DOCUMENTS_MAX
                    ),
                ));
            }
            if shares.len() > limits::SHARED_ACCOUNTS_MAX {
                return Err(ApiError::new(
                    "DocumentPermissionLimit",
                    format!(
                        "The document can't be shared with more Amazon Web Services accounts: a \
                         private document can be shared with at most {} accounts",
                        limits::SHARED_ACCOUNTS_MAX
                    ),
                ));
            }
            if shares == doc.head.shares {
                None
            } else {
                doc.head.shares = shares;
                Some(ctx.commit(&b.store, vec![doc.head_change()]))
            }
        };
        if let Some(commit) = commit {
            commit.await?;
            ctx.publish(Event::DocumentChanged { name: self.name });
        }
        Ok(Empty {})
    }
}

impl Handler for DescribeDocumentPermission {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_permission_type(&self.permission_type)?;
        let limit = validate::max_results(
            self.max_results,
            1,
            limits::PERMISSION_MAX_RESULTS,
            limits::PERMISSION_MAX_RESULTS,
        )?;
        let start = b
            .pager
            .start(Self::NAME, &self.name, self.next_token.as_deref())?;
        let docs = b.documents.state.read();
        let doc = docs.get(&self.name).ok_or_else(|| not_found(&self.name))?;
        let shares = &doc.head.shares;
        // A page resumes at the position the last one ended at.
        let from = match start.range().0 {
            std::ops::Bound::Excluded(at) => at.parse::<usize>().unwrap_or(0),
            _ => 0,
        };
        let page: Vec<&Share> = shares.iter().skip(from).take(limit).collect();
        let next_token = match page.last() {
            Some(_) if from + page.len() < shares.len() => Some(b.pager.issue(
                Self::NAME,
                &self.name,
                &(from + page.len()).to_string(),
            )),
            _ => None,
        };
        Ok(DescribeDocumentPermissionResult {
            account_ids: page.iter().map(|s| s.account_id.clone()).collect(),
            account_sharing_info_list: page
                .iter()
                .map(|s| AccountSharingInfo {
                    account_id: s.account_id.clone(),
                    shared_document_version: s.version.clone(),
                })
                .collect(),
            next_token,
        })
    }
}
