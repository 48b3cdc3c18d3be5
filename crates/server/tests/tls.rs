//! HTTPS: the server with a self-signed certificate or one from PEM files,
//! and the client that trusts it only when told to.

mod common;

use std::time::Duration;

use sysman_api::client::Client;
use sysman_api::parameters::{GetParameter, PutParameter};
use sysman_api::sigv4::AccessKey;
use sysman_server::{Running, Settings, Tls};
use tokio::io::AsyncReadExt;

async fn serve(tls: Tls, settings: Settings) -> (Running, AccessKey) {
    let settings = Settings {
        tls: Some(tls),
        ..settings
    };
    common::serve(&common::in_memory(), settings).await
}

fn names() -> Vec<String> {
    vec!["localhost".into(), "127.0.0.1".into()]
}

async fn round_trip(client: &Client, name: &str) -> Result<String, sysman_api::ApiError> {
    client
        .call(&PutParameter {
            name: name.into(),
            value: "over-tls".into(),
            r#type: Some("SecureString".into()),
            ..PutParameter::default()
        })
        .await?;
    let got = client
        .call(&GetParameter {
            name: name.into(),
            with_decryption: Some(true),
        })
        .await?;
    Ok(got.parameter.value)
}

#[tokio::test]
async fn a_client_trusting_the_certificate_talks_https_and_others_are_refused() {
    let tls = Tls::self_signed(&names()).unwrap();
    let pem = tls.certificate_pem().to_owned();
    let (running, key) = serve(tls, Settings::default()).await;
    assert!(running.url().starts_with("https://"));

    let trusting = Client::new(&running.url(), "us-east-1", Some(key.clone()))
        .unwrap()
        .trusting(pem.as_bytes())
        .unwrap();
    assert_eq!(round_trip(&trusting, "/tls/a").await.unwrap(), "over-tls");
    // By name too: the certificate names localhost.
    let by_name = format!("https://localhost:{}", running.addr.port());
    let named = Client::new(&by_name, "us-east-1", Some(key.clone()))
        .unwrap()
        .trusting(pem.as_bytes())
        .unwrap();
    assert_eq!(round_trip(&named, "/tls/b").await.unwrap(), "over-tls");

    // Not told to trust it: refused before anything is sent, and said why.
    let wary = Client::new(&running.url(), "us-east-1", Some(key.clone())).unwrap();
    let e = round_trip(&wary, "/tls/c").await.unwrap_err();
    assert!(e.is_transport(), "{e:?}");
    assert!(e.message.contains("certificate"), "{}", e.message);
    println!("untrusted: {}", e.message);
    // Trusting another server's certificate is no better.
    let other = Tls::self_signed(&names()).unwrap();
    let misled = wary.trusting(other.certificate_pem().as_bytes()).unwrap();
    let e = round_trip(&misled, "/tls/d").await.unwrap_err();
    assert!(e.message.contains("certificate"), "{}", e.message);
    // Plain HTTP to the HTTPS port gets no answer of ours.
    let plain = format!("http://{}", running.addr);
    let e = round_trip(
        &Client::new(&plain, "us-east-1", Some(key)).unwrap(),
        "/tls/e",
    )
    .await
    .unwrap_err();
    assert!(e.is_transport(), "{e:?}");
    // What was refused changed nothing.
    let e = trusting
        .call(&GetParameter {
            name: "/tls/c".into(),
            with_decryption: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "ParameterNotFound");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn certificate_files_serve_and_a_ca_file_is_read() {
    // A certificate and key as an operator would have them: PEM files.
    let dir = tempfile::tempdir().unwrap();
    let made = Tls::self_signed_in(dir.path(), &names()).unwrap();
    let key_file = dir.path().join("tls").join("key.pem");
    let tls = Tls::from_pem_files(&made.cert_file, &key_file).unwrap();
    assert_eq!(tls.fingerprint(), made.tls.fingerprint());
    let (running, key) = serve(tls, Settings::default()).await;
    let client = Client::new(&running.url(), "us-east-1", Some(key))
        .unwrap()
        .trusting_file(&made.cert_file)
        .unwrap();
    assert_eq!(round_trip(&client, "/tls/files").await.unwrap(), "over-tls");

    let e = client
        .trusting_file(&dir.path().join("missing.pem"))
        .unwrap_err();
    assert!(e.contains("cannot read the CA file"), "{e}");
    let e = client.trusting_file(&key_file).unwrap_err();
    assert!(e.contains("no CERTIFICATE"), "{e}");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_handshake_that_never_comes_is_cut_at_the_header_timeout() {
    let tls = Tls::self_signed(&names()).unwrap();
    let (running, _) = serve(
        tls,
        Settings {
            header_timeout: Duration::from_millis(300),
            ..Settings::default()
        },
    )
    .await;
    let mut silent = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
        .await
        .expect("the silent connection is closed within 5 s");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // Its place under the cap is given back as the task ends.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while running.connections() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the place is kept");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.stop().await.unwrap();
}
