//! The one gate every operation goes through: authorization, the handler,
//! the audit record and the change events. Handlers are reachable only from
//! here, because only the gate can make the [`Ctx`] they need.

use std::future::Future;

use sysman_api::{ApiError, Operation, Timestamp};

use crate::store::{AuditRecord, Change, Store};
use crate::{Caller, Event, Inner, auth};

/// What a handler may do besides reading and changing its own state.
pub struct Ctx {
    pub(crate) caller: Caller,
    /// The account the caller belongs to: the server's own, but in tests
    /// of cross-account sharing (`call_from`).
    pub(crate) caller_account: String,
    pub(crate) now: Timestamp,
    audit: Option<AuditRecord>,
    events: Vec<Event>,
}

impl Ctx {
    /// Queues `changes` with this call's audit record as one atomic commit;
    /// the returned future resolves when they are durable. Call it at most
    /// once, while still holding the lock under which the changes were
    /// decided, so commits reach the store in the order they were made.
    pub(crate) fn commit(
        &mut self,
        store: &Store,
        changes: Vec<Change>,
    ) -> impl Future<Output = Result<(), ApiError>> + Send + 'static + use<> {
        let audit = self.audit.take().map(|mut a| {
            a.outcome = "Success".into();
            a
        });
        let fut = audit.map(|a| store.commit(changes, a));
        async move {
            match fut {
                Some(f) => f.await,
                None => Err(ApiError::internal("a handler committed twice in one call")),
            }
        }
    }

    /// Publishes `event` once the call succeeds.
    pub(crate) fn publish(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// Implemented by the backend for every operation it serves.
pub trait Handler: Operation {
    #[doc(hidden)]
    fn handle(
        self,
        backend: &Inner,
        ctx: &mut Ctx,
    ) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;
}

pub(crate) async fn call<O: Handler>(
    inner: &Inner,
    caller: &Caller,
    op: O,
) -> Result<O::Output, ApiError> {
    call_from(inner, caller, &inner.settings.account_id, op).await
}

/// [`call`] by a caller that belongs to `caller_account`. Every caller
/// belongs to the server's own account today (see `auth::authorize_from`);
/// the tests of cross-account sharing call as principals of others.
pub(crate) async fn call_from<O: Handler>(
    inner: &Inner,
    caller: &Caller,
    caller_account: &str,
    op: O,
) -> Result<O::Output, ApiError> {
    // A store whose last commit failed may hold in memory what is not on
    // disk: nothing is served until it takes writes again.
    crate::recovery::ensure_healthy(inner).await?;
    let now = inner.clock.now();
    let resource = op.resource();
    let audit = AuditRecord {
        time: now,
        principal: caller.to_string(),
        operation: O::NAME.to_owned(),
        resource: resource.clone(),
        outcome: String::new(),
        request: op.audit_view(),
    };
    let mut ctx = Ctx {
        caller: caller.clone(),
        caller_account: caller_account.to_owned(),
        now,
        audit: Some(audit),
        events: Vec::new(),
    };
    // A call on several resources must be allowed on each of them.
    let mut resources = op.resources();
    if resources.is_empty() {
        resources.push(resource);
    }
    let authorized = resources.iter().try_for_each(|r| {
        auth::authorize_from(inner, caller, caller_account, O::PREFIX, O::NAME, r)
    });
    let result = match authorized {
        Ok(()) if !O::READ_ONLY => match inner.store.check() {
            Ok(()) => op.handle(inner, &mut ctx).await,
            Err(e) => Err(e),
        },
        Ok(()) => op.handle(inner, &mut ctx).await,
        Err(denied) => Err(denied),
    };
    // A call that committed carried its audit record in the same
    // transaction; any other call is recorded now, in the next batch.
    if let Some(mut audit) = ctx.audit.take() {
        audit.outcome = match &result {
            Ok(_) => "Success".to_owned(),
            Err(e) => e.code.to_string(),
        };
        inner.store.append_audit(audit);
    }
    if result.is_ok() {
        for event in ctx.events {
            inner.bus.publish(event);
        }
    }
    result
}
