//! The HTTP client: any [`Operation`] as an AWS JSON 1.1 request, signed
//! with SigV4 exactly as the AWS CLI signs it.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::events::Event;
use crate::sigv4::{self, AccessKey};
use crate::{ApiError, Operation};

/// The content type of every request and response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Code of the error a call fails with when the server could not be
/// reached or answered with something that is not our protocol. Not an
/// AWS name: nothing was decided by the server, so a caller may retry.
pub const TRANSPORT_ERROR: &str = "RequestFailed";

/// Long enough for the node channel's 20-second long poll and some.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What time a client signs with.
pub type ClockFn = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A connection to one sysman server; cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The endpoint with its path, always ending in `/`.
    url: String,
    region: String,
    key: Option<AccessKey>,
    clock: ClockFn,
    /// Certificates trusted beyond the system's, for https:// endpoints.
    extra_roots: Vec<reqwest::Certificate>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url)
            .field("region", &self.region)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `endpoint` (`http://127.0.0.1:4566`). Without a key,
    /// requests go unsigned, as `--no-sign-request` sends them.
    pub fn new(endpoint: &str, region: &str, key: Option<AccessKey>) -> Result<Client, String> {
        let parsed =
            reqwest::Url::parse(endpoint).map_err(|e| format!("'{endpoint}' is not a URL: {e}"))?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(format!("'{endpoint}' is not an http:// or https:// URL"));
        }
        if parsed.host_str().is_none() {
            return Err(format!("'{endpoint}' names no host"));
        }
        let mut url = parsed.to_string();
        if !url.ends_with('/') {
            url.push('/');
        }
        Ok(Client {
            http: http_client(&[])?,
            url,
            region: region.to_owned(),
            key,
            clock: Arc::new(SystemTime::now),
            extra_roots: Vec::new(),
        })
    }

    /// The same client, also trusting the certificates in `pem` (a private
    /// CA, or a server's self-signed certificate) for https:// endpoints.
    pub fn trusting(&self, pem: &[u8]) -> Result<Client, String> {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| format!("not PEM certificates: {e}"))?;
        if certificates.is_empty() {
            return Err("no CERTIFICATE block in it".to_owned());
        }
        let mut extra_roots = self.extra_roots.clone();
        extra_roots.extend(certificates);
        Ok(Client {
            http: http_client(&extra_roots)?,
            extra_roots,
            ..self.clone()
        })
    }

    /// [`Client::trusting`] the certificates in the PEM file at `path`
    /// (`--ca-file`).
    pub fn trusting_file(&self, path: &Path) -> Result<Client, String> {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        self.trusting(&pem)
            .map_err(|e| format!("the CA file {} is unusable: {e}", path.display()))
    }

    /// The same client signing at the times `clock` gives: for a server
    /// whose clock is not this machine's (tests on a manual clock).
    pub fn with_clock(&self, clock: ClockFn) -> Client {
        Client {
            clock,
            ..self.clone()
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.url
    }

    /// The same client signing with another key.
    pub fn with_key(&self, key: Option<AccessKey>) -> Client {
        Client {
            key,
            ..self.clone()
        }
    }

    /// Runs `op` on the server.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, ApiError> {
        let body = serde_json::to_vec(op)
            .map_err(|e| ApiError::new(TRANSPORT_ERROR, format!("cannot encode: {e}")))?;
        let target = O::target().to_string();
        let bytes = self.post(&target, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                TRANSPORT_ERROR,
                format!("the server's answer to {target} is not what it should be: {e}"),
            )
        })
    }

    /// Opens the live stream of change events (`Sysman.Subscribe`).
    pub async fn subscribe(&self) -> Result<Subscription, ApiError> {
        let response = self.send("Sysman.Subscribe", b"{}".to_vec(), None).await?;
        Ok(Subscription {
            response,
            buffer: Vec::new(),
        })
    }

    /// Posts a raw body under `target` and returns the raw success body;
    /// an error answer becomes its [`ApiError`].
    pub async fn post(&self, target: &str, body: Vec<u8>) -> Result<Vec<u8>, ApiError> {
        let response = self.send(target, body, Some(REQUEST_TIMEOUT)).await?;
        response.bytes().await.map(|b| b.to_vec()).map_err(|e| {
            ApiError::new(
                TRANSPORT_ERROR,
                format!("the answer from {} broke off: {e}", self.url),
            )
        })
    }

    /// Sends a signed request; a success answer is returned unread, an
    /// error answer is read into its [`ApiError`].
    async fn send(
        &self,
        target: &str,
        body: Vec<u8>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, ApiError> {
        let transport = |e: String| ApiError::new(TRANSPORT_ERROR, e);
        let mut request = self
            .http
            .post(&self.url)
            .timeout(timeout.unwrap_or(Duration::from_secs(365 * 86_400)))
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target);
        if let Some(key) = &self.key {
            let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", target)];
            let signed = sigv4::signature(
                &sigv4::Request {
                    method: "POST",
                    url: &self.url,
                    headers: &headers,
                    body: &body,
                },
                key,
                &self.region,
                (self.clock)(),
                None,
            )
            .map_err(transport)?;
            for (name, value) in signed.headers {
                request = request.header(name, value);
            }
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| transport(format!("cannot reach {}: {}", self.url, causes(&e))))?;
        let status = response.status();
        let header_code = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_owned());
        if status.is_success() {
            return Ok(response);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport(format!("the answer from {} broke off: {e}", self.url)))?;
        Err(error_from(status.as_u16(), header_code, &bytes))
    }
}

/// Installs ring as the process's TLS crypto provider, which reqwest's
/// rustls asks for before any client is built; sysman's [`Client`] does
/// it itself, so only code building a bare `reqwest::Client` first (a test
/// reading `/healthz`) needs to call this. Already installed is fine.
pub fn install_crypto_provider() {
    #[allow(deprecated)] // for want of post-quantum key exchange; see the server's tls.rs
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client trusting the system's certificates and `extra_roots`.
fn http_client(extra_roots: &[reqwest::Certificate]) -> Result<reqwest::Client, String> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
    for root in extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// An error with the errors beneath it: reqwest's own text says only
/// "error sending request", the reason (an untrusted certificate, a
/// refused connection) is further down.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

/// What an event stream carries.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Event(Event),
    /// The server dropped events for this listener: reload what is shown.
    Lagged,
}

/// An open event stream.
pub struct Subscription {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl Subscription {
    /// The next item; `None` when the stream ended (the server stopped or
    /// the connection broke).
    pub async fn next(&mut self) -> Option<StreamItem> {
        loop {
            while let Some(end) = find_blank_line(&self.buffer) {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                if let Some(item) = parse_block(&block) {
                    return Some(item);
                }
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.buffer.extend_from_slice(&bytes),
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

fn find_blank_line(buffer: &[u8]) -> Option<usize> {
    buffer.windows(2).position(|w| w == b"\n\n")
}

/// One server-sent event block: `event:` and `data:` lines; comments and
/// blocks we cannot read are skipped.
fn parse_block(block: &[u8]) -> Option<StreamItem> {
    let text = std::str::from_utf8(block).ok()?;
    let mut kind = "message";
    let mut data = String::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            kind = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.trim_start());
        }
    }
    match kind {
        "lagged" => Some(StreamItem::Lagged),
        "message" if !data.is_empty() => serde_json::from_str(&data).ok().map(StreamItem::Event),
        _ => None,
    }
}

/// The error an answer carries: the body's `__type` (botocore drops what
/// precedes `#`) or the `x-amzn-ErrorType` header, and its message.
fn error_from(status: u16, header_code: Option<String>, body: &[u8]) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(rename = "__type")]
        code: Option<String>,
        #[serde(alias = "Message")]
        message: Option<String>,
    }
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    let (code, message) = match parsed {
        Some(b) => (b.code, b.message),
        None => (None, None),
    };
    let code = code
        .map(|c| c.rsplit('#').next().unwrap_or(&c).to_owned())
        .or(header_code);
    match code {
        Some(code) => ApiError::new(code, message.unwrap_or_default()),
        None => ApiError::new(
            TRANSPORT_ERROR,
            format!(
                "the server answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
        ),
    }
}

impl ApiError {
    /// Whether the call failed before the server decided anything: no
    /// answer, or not one of ours. Worth retrying.
    pub fn is_transport(&self) -> bool {
        self.code == TRANSPORT_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_from_the_body_then_the_header() {
        let e = error_from(
            400,
            None,
            br#"{"__type":"ParameterNotFound","message":"gone"}"#,
        );
        assert_eq!(
            (e.code.as_ref(), e.message.as_str()),
            ("ParameterNotFound", "gone")
        );
        let e = error_from(
            400,
            None,
            br#"{"__type":"com.amazonaws.ssm#InvalidKeyId","Message":"m"}"#,
        );
        assert_eq!(e.code, "InvalidKeyId");
        let e = error_from(400, Some("ThrottlingException".into()), b"");
        assert_eq!(e.code, "ThrottlingException");
        let e = error_from(502, None, b"<html>bad gateway</html>");
        assert!(e.is_transport());
        assert!(e.message.contains("502"));
    }

    #[test]
    fn server_sent_events_are_read_block_by_block() {
        assert_eq!(parse_block(b": keepalive\n\n"), None);
        assert_eq!(
            parse_block(b"event: lagged\ndata: {}\n\n"),
            Some(StreamItem::Lagged)
        );
        assert_eq!(
            parse_block(b"data: {\"Type\":\"ActivationsChanged\"}\n\n"),
            Some(StreamItem::Event(Event::ActivationsChanged))
        );
        assert_eq!(parse_block(b"data: {not json}\n\n"), None);
        assert_eq!(find_blank_line(b"data: x\n\ndata"), Some(7));
    }

    #[test]
    fn endpoints_must_be_http_urls() {
        assert!(Client::new("http://127.0.0.1:4566", "us-east-1", None).is_ok());
        assert!(Client::new("ftp://host", "us-east-1", None).is_err());
        assert!(Client::new("not a url", "us-east-1", None).is_err());
        let c = Client::new("http://h:1/base", "us-east-1", None).unwrap();
        assert_eq!(c.endpoint(), "http://h:1/base/");
    }
}
