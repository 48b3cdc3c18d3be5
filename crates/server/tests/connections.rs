//! The connection layer against misbehaving clients over 127.0.0.1:
//! heads and bodies that never finish, idle connections, more connections
//! than the cap, and a shutdown that must not wait for any of them. The
//! limits are made small here so each test takes seconds.

mod common;

use std::time::Duration;

use sysman_api::client::{Client, StreamItem};
use sysman_api::commands::ReceiveMessages;
use sysman_api::events::Event;
use sysman_api::fleet::{CreateActivation, RegisterNode};
use sysman_api::parameters::{GetParameter, PutParameter};
use sysman_api::sigv4::AccessKey;
use sysman_server::{Running, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// Limits small enough for a test; each test changes what it probes.
fn quick() -> Settings {
    Settings {
        header_timeout: Duration::from_millis(400),
        body_timeout: Duration::from_millis(400),
        idle_timeout: Duration::from_millis(400),
        shutdown_grace: Duration::from_secs(2),
        ..Settings::default()
    }
}

struct Server {
    running: Running,
    admin: Client,
}

async fn server(settings: Settings) -> Server {
    let (running, key) = common::serve(&common::in_memory(), settings).await;
    let admin = common::client(&running, Some(key));
    Server { running, admin }
}

/// Stops the server, which must not take long whatever is left open.
async fn stop(running: Running) {
    timeout(Duration::from_secs(10), running.stop())
        .await
        .expect("the server stops within 10 s")
        .unwrap();
}

async fn connect(s: &Server) -> TcpStream {
    TcpStream::connect(s.running.addr).await.unwrap()
}

/// The start of a request whose head never ends.
const HALF_HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n";

/// Reads until the server closes `stream`; returns what it sent and
/// when it closed, or `None` if it was still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<(Vec<u8>, Instant)> {
    let mut got = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((got, Instant::now())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends `GET /healthz` on `stream` (kept alive) and reads the answer.
async fn healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"ok\n") {
        let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed before answering: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_that_never_finish_are_cut_at_the_header_timeout() {
    let s = server(quick()).await;
    let started = Instant::now();
    // Silent, half a head, and a true slow loris: a byte every 100 ms,
    // which never lets the connection go quiet.
    let mut silent = connect(&s).await;
    let mut half = connect(&s).await;
    half.write_all(HALF_HEAD).await.unwrap();
    let mut loris = connect(&s).await;
    let trickle = tokio::spawn(async move {
        let mut sent = 0;
        for byte in HALF_HEAD.iter().cycle().take(50) {
            if loris.write_all(&[*byte]).await.is_err() {
                return (sent, loris);
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (sent, loris)
    });
    for (name, stream) in [("silent", &mut silent), ("half a head", &mut half)] {
        let (sent, at) = closed_within(stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("the {name} connection is still open after 5 s"));
        assert!(sent.is_empty(), "{name}: {sent:?}");
        let after = at - started;
        assert!(
            after >= Duration::from_millis(350) && after < Duration::from_secs(3),
            "the {name} connection closed after {after:?}"
        );
    }
    let (sent, mut loris) = trickle.await.unwrap();
    assert!(
        sent < 40,
        "the slow loris got {sent} bytes in before it was cut"
    );
    assert!(
        closed_within(&mut loris, Duration::from_secs(2))
            .await
            .is_some()
    );
    // None of that kept the server from answering.
    s.admin
        .call(&GetParameter {
            name: "/none".into(),
            with_decryption: None,
        })
        .await
        .unwrap_err();
    stop(s.running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_and_slow_bodies_have_their_own_limits() {
    let s = server(Settings {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(1200),
        body_timeout: Duration::from_millis(600),
        ..quick()
    })
    .await;
    // Idle past the header timeout but within the idle one: still served.
    let mut kept = connect(&s).await;
    assert!(healthz(&mut kept).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(healthz(&mut kept).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();
    let (_, closed) = closed_within(&mut kept, Duration::from_secs(5))
        .await
        .expect("an idle connection is closed");
    let idle = closed - answered;
    assert!(
        idle >= Duration::from_millis(1000) && idle < Duration::from_secs(4),
        "closed after {idle:?} idle"
    );

    // A body promised 100 bytes and sent 10: the one operation that may
    // come unsigned reads it, gives up at the body timeout, says so, and
    // the connection closes.
    let mut slow = connect(&s).await;
    slow.write_all(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Sysman.RegisterNode\r\n\
          Content-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{\"Activat",
    )
    .await
    .unwrap();
    let sent = Instant::now();
    let (answer, closed) = closed_within(&mut slow, Duration::from_secs(5))
        .await
        .expect("a stalled body ends its connection");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("ValidationException"), "{answer}");
    let waited = closed - sent;
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(4),
        "the stalled body was cut after {waited:?}"
    );
    stop(s.running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_and_event_streams_outlast_every_timeout() {
    let s = server(Settings {
        header_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(200),
        body_timeout: Duration::from_millis(200),
        ..quick()
    })
    .await;
    let mut events = s.admin.subscribe().await.unwrap();
    let activation = s
        .admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    let registered = Client::new(&s.running.url(), "us-east-1", None)
        .unwrap()
        .call(&RegisterNode {
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            computer_name: Some("poller".into()),
            platform_type: None,
            platform_name: None,
            platform_version: None,
            agent_version: None,
            ip_address: None,
        })
        .await
        .unwrap();
    let node = s.admin.with_key(Some(AccessKey {
        access_key_id: registered.access_key_id,
        secret_access_key: registered.secret_access_key,
        session_token: None,
    }));
    // A two-second long poll: ten times every limit, answered whole.
    let started = Instant::now();
    let polled = node
        .call(&ReceiveMessages {
            instance_id: registered.instance_id.clone(),
            wait_seconds: Some(2),
            ..ReceiveMessages::default()
        })
        .await
        .expect("the long poll is answered, not cut");
    assert!(polled.messages.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(1900));
    // The stream, open all along, still carries events.
    s.admin
        .call(&PutParameter {
            name: "/after/the/wait".into(),
            value: "v".into(),
            r#type: Some("String".into()),
            ..PutParameter::default()
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let item = tokio::time::timeout_at(deadline, events.next())
            .await
            .expect("the parameter's event arrives")
            .expect("the stream is still open");
        if let StreamItem::Event(Event::ParameterChanged { name }) = item
            && name == "/after/the/wait"
        {
            break;
        }
    }
    stop(s.running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_holds_and_signed_requests_still_get_through() {
    const CAP: usize = 4;
    let s = server(Settings {
        max_connections: CAP,
        header_timeout: Duration::from_secs(30),
        ..quick()
    })
    .await;
    // The cap filled with heads that never finish.
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = connect(&s).await;
        stream.write_all(HALF_HEAD).await.unwrap();
        held.push(stream);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.running.connections() < CAP {
        assert!(Instant::now() < deadline, "the held connections are served");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // One more waits, unanswered, while the cap is full.
    let admin = s.admin.clone();
    let call = tokio::spawn(async move {
        admin
            .call(&PutParameter {
                name: "/through/the/cap".into(),
                value: "v".into(),
                r#type: Some("String".into()),
                ..PutParameter::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        !call.is_finished(),
        "a connection beyond the cap was served"
    );
    assert_eq!(s.running.connections(), CAP);
    // A place frees up: it is served, and the others are untouched.
    drop(held.pop());
    timeout(Duration::from_secs(5), call)
        .await
        .expect("the waiting request is served once a place frees")
        .unwrap()
        .expect("the signed request succeeds");
    for stream in &mut held {
        assert!(
            closed_within(stream, Duration::from_millis(50))
                .await
                .is_none(),
            "a held connection was closed"
        );
    }
    assert!(s.running.connections() <= CAP);
    drop(held);
    stop(s.running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_slow_heads_stays_under_the_cap_and_drains() {
    const CAP: usize = 4;
    let s = server(Settings {
        max_connections: CAP,
        header_timeout: Duration::from_millis(500),
        ..quick()
    })
    .await;
    let mut flood = Vec::new();
    for _ in 0..12 {
        let mut stream = connect(&s).await;
        stream.write_all(HALF_HEAD).await.unwrap();
        flood.push(stream);
    }
    let admin = s.admin.clone();
    let call = tokio::spawn(async move {
        admin
            .call(&GetParameter {
                name: "/nothing/here".into(),
                with_decryption: None,
            })
            .await
    });
    // The flood is served four at a time, each cut at the header timeout,
    // until the signed request's turn comes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut most = 0;
    while !call.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the request was not served in 10 s"
        );
        most = most.max(s.running.connections());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(most <= CAP, "{most} connections at once, cap {CAP}");
    let answer = call.await.unwrap();
    assert_eq!(answer.unwrap_err().code, "ParameterNotFound");
    stop(s.running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_its_grace_whatever_clients_hold_open() {
    let s = server(Settings {
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_secs(30),
        shutdown_grace: Duration::from_millis(800),
        ..Settings::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..5 {
        let mut idle = connect(&s).await;
        healthz(&mut idle).await;
        open.push(idle);
        let mut half = connect(&s).await;
        half.write_all(HALF_HEAD).await.unwrap();
        open.push(half);
    }
    // A request whose body never ends: being answered, so given the grace.
    let mut stalled = connect(&s).await;
    stalled
        .write_all(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Sysman.RegisterNode\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let mut events = s.admin.subscribe().await.unwrap();
    let addr = s.running.addr;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    timeout(Duration::from_secs(5), s.running.stop())
        .await
        .expect("stop returns within 5 s")
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "stop took {took:?} with an 800 ms grace"
    );
    for stream in open.iter_mut().chain([&mut stalled]) {
        assert!(
            closed_within(stream, Duration::from_secs(1))
                .await
                .is_some(),
            "a connection outlived the server"
        );
    }
    assert_eq!(
        timeout(Duration::from_secs(1), events.next())
            .await
            .unwrap(),
        None,
        "the event stream ended"
    );
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_request_in_flight_finish_within_the_grace() {
    let s = server(Settings {
        shutdown_grace: Duration::from_secs(10),
        ..Settings::default()
    })
    .await;
    let mut idle = connect(&s).await;
    healthz(&mut idle).await;
    // Half a head is no request in flight: it does not hold up the stop.
    let mut half = connect(&s).await;
    half.write_all(HALF_HEAD).await.unwrap();
    // A body that arrives, slowly, after the stop began.
    let mut slow = connect(&s).await;
    let body = br#"{"Name":"/x"}"#;
    slow.write_all(
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Sysman.RegisterNode\r\n\
             Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let stop = tokio::spawn(s.running.stop());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!stop.is_finished(), "stop did not wait for the request");
    slow.write_all(body).await.unwrap();
    let (answer, _) = closed_within(&mut slow, Duration::from_secs(5))
        .await
        .expect("answered, then closed");
    let answer = String::from_utf8_lossy(&answer);
    // Answered by the operation (it wants an activation), not cut.
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("x-amzn-errortype"), "{answer}");
    timeout(Duration::from_secs(5), stop)
        .await
        .expect("stop returns once the request is answered")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        closed_within(&mut idle, Duration::from_secs(1))
            .await
            .is_some()
    );
    assert!(
        closed_within(&mut half, Duration::from_secs(1))
            .await
            .is_some()
    );
}
