//! `{{ssm:/name}}`, `{{ssm:/name:version}}` and `{{ssm-secure:/name}}`
//! references, resolved when a command is delivered to a node (never
//! stored resolved), as Run Command will call it.

use sysman_api::parameters::{ParameterType, parameter_resource};
use sysman_api::{ApiError, Prefix};

use super::ops::lookup_value;
use crate::{Caller, Inner, auth};

/// Replaces every reference in `text` with the parameter's value.
/// `ssm:` takes String and StringList parameters; a SecureString needs
/// `ssm-secure:`, so a secret is never pulled in by accident.
pub(crate) fn resolve(b: &Inner, caller: &Caller, text: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = after[..end].trim();
        let (secure, name) = if let Some(name) = inner.strip_prefix("ssm-secure:") {
            (true, name.trim())
        } else if let Some(name) = inner.strip_prefix("ssm:") {
            (false, name.trim())
        } else {
            // Not ours (a document parameter such as {{ commands }}): keep it.
            out.push_str(&rest[start..start + 2 + end + 2]);
            rest = &after[end + 2..];
            continue;
        };
        // The caller must be allowed to read each parameter it pulls in,
        // named exactly as GetParameter's gate names it: a reference by ARN
        // or with a version or label stands for the same parameter.
        auth::authorize(
            b,
            caller,
            Prefix::AmazonSsm,
            "GetParameter",
            &parameter_resource(name),
        )?;
        let (kind, value) = lookup_value(b, name, secure)?;
        match (kind, secure) {
            (ParameterType::SecureString, false) => {
                return Err(sysman_api::messages::parameter::reference_kind(
                    &format!("{{{{ssm:{name}}}}}"),
                    "SecureString",
                    &format!("{{{{ssm-secure:{name}}}}}"),
                ));
            }
            (ParameterType::String | ParameterType::StringList, true) => {
                return Err(sysman_api::messages::parameter::reference_kind(
                    &format!("{{{{ssm-secure:{name}}}}}"),
                    kind.as_str(),
                    &format!("{{{{ssm:{name}}}}}"),
                ));
            }
            _ => out.push_str(&value),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
