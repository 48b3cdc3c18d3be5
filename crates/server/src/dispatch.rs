//! The dispatch table, generated from sysman-api's one list of operations:
//! `X-Amz-Target` to a function that decodes the body into that
//! operation's request and runs it through the backend's gate.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use sysman_api::{ApiError, Operation, for_each_operation};
use sysman_backend::{Backend, Caller, Handler};

use crate::wire;

pub type Reply<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send + 'a>>;
/// Runs one operation: the backend, the authenticated caller, the body.
pub type Route = for<'a> fn(&'a Backend, Caller, &[u8]) -> Reply<'a>;

fn route<'a, O: Handler>(backend: &'a Backend, caller: Caller, body: &[u8]) -> Reply<'a> {
    let op: Result<O, ApiError> = wire::decode(body);
    Box::pin(async move {
        let output = backend.call(&caller, op?).await?;
        serde_json::to_vec(&output)
            .map_err(|e| ApiError::internal(format!("cannot encode the {} answer: {e}", O::NAME)))
    })
}

macro_rules! routes {
    ($($op:path),* $(,)?) => {
        vec![$((<$op as Operation>::target().to_string(), route::<$op> as Route)),*]
    };
}

/// Every operation by its target.
pub fn table() -> HashMap<String, Route> {
    for_each_operation!(routes).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_routed_under_its_target() {
        let table = table();
        assert!(table.contains_key("AmazonSSM.GetParameter"));
        assert!(table.contains_key("AmazonSSM.SendCommand"));
        assert!(table.contains_key("Sysman.ReceiveMessages"));
        assert!(!table.contains_key("AmazonSSM.ReceiveMessages"));
    }
}
