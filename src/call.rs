//! `sysman --endpoint URL call TARGET [JSON]`: one signed call to any
//! operation a sysman server serves, its answer printed as JSON. It is how
//! the operations the `aws` CLI does not know (`Sysman.CreateUser`,
//! `Sysman.PutUserPolicy`, ...) are used from a shell.

use std::io::Read;

use sysman_api::client::Client;

#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// The operation, as `X-Amz-Target` names it: `Sysman.CreateUser`,
    /// `AmazonSSM.GetParameter`, ...
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// The request as JSON (default `{}`); `-` reads it from standard input.
    #[arg(value_name = "JSON")]
    pub body: Option<String>,
}

/// The request body `args` asks for, checked to be JSON before it is sent.
fn body(args: &CallArgs) -> Result<Vec<u8>, String> {
    let text = match args.body.as_deref() {
        None => "{}".to_owned(),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the request from standard input: {e}"))?;
            text
        }
        Some(text) => text.to_owned(),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("the request is not JSON ({e}): give an object such as '{{}}'"))?;
    if !value.is_object() {
        return Err("the request must be a JSON object, such as '{}'".to_owned());
    }
    Ok(text.into_bytes())
}

fn check_target(target: &str) -> Result<(), String> {
    match target.split_once('.') {
        Some(("Sysman" | "AmazonSSM", name)) if !name.is_empty() => Ok(()),
        _ => Err(format!(
            "'{target}' is not an operation target: name it as Sysman.<Operation> or \
             AmazonSSM.<Operation>, e.g. Sysman.ListUsers"
        )),
    }
}

/// Sends the call on a runtime of its own and returns the answer,
/// pretty-printed.
pub fn run(client: &Client, args: &CallArgs) -> Result<String, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?
        .block_on(answer(client, args))
}

/// Sends the call and returns the answer, pretty-printed, or the server's
/// error as `Code: message`.
pub async fn answer(client: &Client, args: &CallArgs) -> Result<String, String> {
    check_target(&args.target)?;
    let body = body(args)?;
    let answer = client
        .post(&args.target, body)
        .await
        .map_err(|e| format!("{}: {}", e.code, e.message))?;
    let value: serde_json::Value = serde_json::from_slice(&answer)
        .map_err(|e| format!("the server's answer is not JSON: {e}"))?;
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_bodies_are_checked_before_sending() {
        assert!(check_target("Sysman.CreateUser").is_ok());
        assert!(check_target("AmazonSSM.GetParameter").is_ok());
        for bad in ["CreateUser", "Sysman.", "ssm.GetParameter"] {
            let e = check_target(bad).unwrap_err();
            assert!(e.contains("Sysman.<Operation>"), "{e}");
        }
        let args = |body: &str| CallArgs {
            target: "Sysman.ListUsers".into(),
            body: Some(body.into()),
        };
        assert!(body(&args("{\"UserName\":\"alice\"}")).is_ok());
        assert!(body(&args("[1]")).unwrap_err().contains("JSON object"));
        assert!(body(&args("{UserName}")).unwrap_err().contains("not JSON"));
    }
}
