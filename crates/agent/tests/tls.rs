//! The agent against a server on HTTPS with a self-signed certificate:
//! trusted through `--ca-file`, kept in the registration, refused without.

mod common;

use common::{Agent, Server, online};
use sysman_agent::{RegisterOptions, Registration};
use sysman_api::commands::InvocationStatus;

#[tokio::test]
async fn an_agent_given_the_certificate_registers_and_runs_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_tls(&dir.path().join("server")).await;
    assert!(server.endpoint().starts_with("https://"));

    // Without the certificate the registration is refused, and says why.
    let (activation_id, activation_code) = server.activation().await;
    let wary = RegisterOptions {
        endpoint: server.endpoint(),
        activation_id,
        activation_code,
        region: "us-east-1".into(),
        state_dir: dir.path().join("wary"),
        force: false,
        ca_file: None,
    };
    let e = sysman_agent::register(&wary).await.unwrap_err();
    assert!(e.contains("certificate"), "{e}");
    assert!(Registration::load(&wary.state_dir).is_err(), "nothing kept");

    let (state_dir, registration) = server.register(dir.path()).await;
    assert_eq!(registration.ca_file, server.ca_file);
    // `run` finds the certificate in the registration kept on disk.
    assert_eq!(
        Registration::load(&state_dir).unwrap().ca_file,
        server.ca_file
    );
    let agent = Agent::start(&state_dir);
    online(&server, &registration.instance_id).await;
    let command_id = server
        .send(&registration.instance_id, &["echo over-https"], None)
        .await;
    let done = server
        .wait_for(
            &command_id,
            &registration.instance_id,
            InvocationStatus::Success,
        )
        .await;
    assert_eq!(done.status, InvocationStatus::Success, "{done:?}");
    assert_eq!(done.standard_output_content, "over-https\n");
    agent.stop().await;
    server.stop().await;
}
