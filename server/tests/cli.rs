//! The command line: listen line, port 0, help, bad arguments, signals.

mod common;

use common::Server;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tagcache-server");

#[test]
fn port_zero_prints_the_real_address_on_loopback() {
    let server = Server::start(&[]);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    assert_eq!(server.addr.ip().to_string(), "127.0.0.1");
    assert_ne!(server.addr.port(), 0);
    assert_eq!(server.connect().request("GET\tx"), "NF");
}

#[test]
fn help_exits_zero() {
    let out = Command::new(BIN).arg("--help").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--max-line-bytes"), "{text}");
}

#[test]
fn bad_arguments_exit_two() {
    for args in [
        &["--nope"][..],
        &["--port", "x"],
        &["--port"],
        &["--max-line-bytes", "0"],
    ] {
        let out = Command::new(BIN).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

fn exits_cleanly_on(signal: &str) {
    let mut server = Server::start(&[]);
    let mut conn = server.connect();
    assert_eq!(conn.request("PUT\tk\t-\t-\tv"), "OK");
    let status = Command::new("kill")
        .args([signal, &server.pid().to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            assert_eq!(status.code(), Some(0), "after {signal}: {status}");
            return;
        }
        assert!(Instant::now() < deadline, "still running after {signal}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigterm_exits_zero() {
    exits_cleanly_on("-TERM");
}

#[test]
fn sigint_exits_zero() {
    exits_cleanly_on("-INT");
}
