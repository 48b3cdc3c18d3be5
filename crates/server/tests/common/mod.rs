//! A server for tests: a backend with an administrator, served on a free
//! port of 127.0.0.1.

#![allow(dead_code)] // each test file uses its own part

use std::sync::Arc;

use sysman_api::client::Client;
use sysman_api::sigv4::AccessKey;
use sysman_backend::{Backend, Options, SystemClock};
use sysman_server::{Running, Settings};

/// An in-memory backend on the wall clock, which signatures are judged by.
pub fn in_memory() -> Backend {
    Backend::open_in_memory(Options {
        clock: Arc::new(SystemClock),
        ..Options::default()
    })
    .unwrap()
}

/// Serves `backend`, after making its administrator; the running server
/// and the administrator's key.
pub async fn serve(backend: &Backend, settings: Settings) -> (Running, AccessKey) {
    let (access_key_id, secret_access_key) =
        backend.bootstrap_admin("admin").await.unwrap().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = sysman_server::start(backend.clone(), listener, settings).unwrap();
    let key = AccessKey {
        access_key_id,
        secret_access_key,
        session_token: None,
    };
    (running, key)
}

/// A client of `running` signing with `key`.
pub fn client(running: &Running, key: Option<AccessKey>) -> Client {
    Client::new(&running.url(), "us-east-1", key).unwrap()
}
