//! Objects in any S3-compatible service (MinIO, Ceph, AWS S3 itself),
//! through the `object_store` crate's S3 client: signing, retries and
//! multipart rules are its, not ours.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload, RetryConfig};
use parking_lot::Mutex;

use super::{ObjectStore, url_path};

/// How to reach the service. Unset credentials come from the usual
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// `http://127.0.0.1:9000` for a local MinIO; unset means AWS S3.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// Shows everything but the secret, which must reach no log.
impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

pub struct S3Store {
    config: S3Config,
    /// `object_store` binds a client to one bucket: one per bucket named.
    clients: Mutex<HashMap<String, Arc<AmazonS3>>>,
}

impl S3Store {
    pub fn new(config: S3Config) -> S3Store {
        S3Store {
            config,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self, bucket: &str) -> Result<Arc<AmazonS3>, String> {
        if let Some(client) = self.clients.lock().get(bucket) {
            return Ok(client.clone());
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(&self.config.region)
            // A few quick retries: a write that fails is logged and
            // counted, and must not hold a task for minutes.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(15),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &self.config.endpoint {
            // Endpoints such as MinIO's serve buckets as paths, often over
            // plain HTTP on a private network.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &self.config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &self.config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let client = Arc::new(
            builder
                .build()
                .map_err(|e| format!("the S3 client for bucket {bucket} cannot be made: {e}"))?,
        );
        self.clients
            .lock()
            .insert(bucket.to_owned(), client.clone());
        Ok(client)
    }
}

impl ObjectStore for S3Store {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let client = self.client(bucket)?;
            let path = Path::parse(key).map_err(|e| format!("key {key}: {e}"))?;
            client
                .put(&path, PutPayload::from(body))
                .await
                .map(|_| ())
                .map_err(|e| format!("s3://{bucket}/{key} cannot be written: {e}"))
        })
    }

    /// The endpoint's own path-style URL, or AWS's
    /// `https://s3.<region>.amazonaws.com/<bucket>/<key>` without one.
    fn url(&self, region: &str, bucket: &str, key: &str) -> String {
        let key = url_path(key);
        match &self.config.endpoint {
            Some(endpoint) => format!("{}/{bucket}/{key}", endpoint.trim_end_matches('/')),
            None => format!("https://s3.{region}.amazonaws.com/{bucket}/{key}"),
        }
    }
}
