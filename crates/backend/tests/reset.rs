//! Sysman.ResetState forgets the service state on disk too, and keeps
//! users and their keys.

use std::sync::Arc;

use sysman_api::Timestamp;
use sysman_api::admin::ResetState;
use sysman_api::iam::{CreateUser, ListUsers};
use sysman_api::parameters::{GetParameter, PutParameter};
use sysman_backend::{Backend, Caller, ManualClock, Options};

fn options() -> Options {
    Options {
        clock: Arc::new(ManualClock::new(Timestamp::from_secs(1_795_435_200))),
        allow_reset: true,
        ..Options::default()
    }
}

#[tokio::test]
async fn a_reset_survives_reopening_and_spares_users() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Caller::admin("ops");
    {
        let backend = Backend::open(dir.path(), options()).unwrap();
        backend
            .call(
                &admin,
                PutParameter {
                    name: "/app/x".into(),
                    value: "v".into(),
                    r#type: Some("String".into()),
                    ..PutParameter::default()
                },
            )
            .await
            .unwrap();
        backend
            .call(
                &admin,
                CreateUser {
                    user_name: "ci".into(),
                    tags: None,
                },
            )
            .await
            .unwrap();
        backend.call(&admin, ResetState {}).await.unwrap();
        backend.flush().await;
    }
    let backend = Backend::open(dir.path(), options()).unwrap();
    let got = backend
        .call(
            &admin,
            GetParameter {
                name: "/app/x".into(),
                with_decryption: None,
            },
        )
        .await;
    assert_eq!(got.unwrap_err().code, "ParameterNotFound");
    let users = backend.call(&admin, ListUsers {}).await.unwrap();
    assert_eq!(users.users.len(), 1);
    assert_eq!(users.users[0].user_name, "ci");
}

#[tokio::test]
async fn without_the_flag_a_reset_is_refused_and_changes_nothing() {
    let backend = Backend::open_in_memory(Options {
        allow_reset: false,
        ..options()
    })
    .unwrap();
    let admin = Caller::admin("ops");
    backend
        .call(
            &admin,
            PutParameter {
                name: "/app/x".into(),
                value: "v".into(),
                r#type: Some("String".into()),
                ..PutParameter::default()
            },
        )
        .await
        .unwrap();
    let refused = backend.call(&admin, ResetState {}).await.unwrap_err();
    assert_eq!(refused.code, "UnsupportedOperationException");
    let got = backend
        .call(
            &admin,
            GetParameter {
                name: "/app/x".into(),
                with_decryption: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(got.parameter.value, "v");
}
