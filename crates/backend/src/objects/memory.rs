//! Objects in a map, for backends that keep nothing on disk.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use parking_lot::Mutex;

use super::{ObjectStore, url_path};

#[derive(Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl MemoryStore {
    /// The object at `bucket`/`key`, if one was written.
    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.objects
            .lock()
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    /// Every (bucket, key) written, in order.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.objects.lock().keys().cloned().collect()
    }
}

impl ObjectStore for MemoryStore {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), String>> {
        self.objects
            .lock()
            .insert((bucket.to_owned(), key.to_owned()), body);
        Box::pin(async { Ok(()) })
    }

    /// `memory:` says plainly that the object lives in the server's memory
    /// and goes with it.
    fn url(&self, _region: &str, bucket: &str, key: &str) -> String {
        format!("memory:///{bucket}/{}", url_path(key))
    }
}
