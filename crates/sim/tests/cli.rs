//! The `rostersync-sim` binary starts the simulators and says where they are.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_binary_prints_both_addresses_and_credentials_then_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rostersync-sim"))
        .args(["both", "--size", "tiny"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start rostersync-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        let done = line.contains("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    let url = lines
        .iter()
        .find_map(|l| l.strip_prefix("eSchoolPLUS simulator: "))
        .expect("the eSchoolPLUS address")
        .to_owned();
    // The server answers on the printed address.
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let connected = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    child.kill().expect("stop");
    let _ = child.wait();
    assert!(connected, "nothing listens at {url}");
    let text = lines.join("\n");
    assert!(
        text.contains("Schoology simulator: http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("admin consumer key"), "{text}");
    assert!(
        text.contains("site code 0850, login rostersync password"),
        "{text}"
    );
}

#[test]
fn help_prints_the_usage_and_starts_nothing() {
    for args in [&["--help"][..], &["both", "--help"], &["-h"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_rostersync-sim"))
            .args(args)
            .output()
            .expect("run rostersync-sim");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage: rostersync-sim"), "{text}");
        assert!(text.contains("--write-config FILE"), "{text}");
        // It returned on its own, and no simulator said where it listens.
        assert!(!text.contains("simulator: http://"), "{text}");
        assert!(!text.contains("ready"), "{text}");
    }
    let wrong = Command::new(env!("CARGO_BIN_EXE_rostersync-sim"))
        .args(["both", "--sise", "tiny"])
        .output()
        .expect("run rostersync-sim");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--sise"));
}
