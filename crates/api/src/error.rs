use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An error as the wire carries it: the AWS exception name and a message
/// that tells the caller what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    #[serde(rename = "__type")]
    pub code: Cow<'static, str>,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A constraint failure, worded the way AWS words them.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// `1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ...`
    pub fn constraint(field: &str, value: impl fmt::Display, constraint: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
             constraint: {constraint}"
        ))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalServerError", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDeniedException", message)
    }

    /// The HTTP status the server answers with: 500 for our faults, 400 for
    /// the caller's.
    pub fn http_status(&self) -> u16 {
        match self.code.as_ref() {
            "InternalServerError" => 500,
            // botocore retries a 503 with backoff, as it does throttling.
            "ServiceUnavailable" => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
