//! Replays every conformance transcript against a fresh `tagcache-server`:
//! the ones recorded from the real server (`server/conformance/recorded/`)
//! and this crate's own (`server/conformance/extra/`). Fails on the first
//! difference of each file, naming file and line.
//!
//! Format (server/conformance/README.md): `request<TAB>reply`, with TAB, CR
//! and backslash escaped as `\t`, `\r`, `\\`; `#sleep N` waits N ms; lines
//! starting with `# ` are comments. `KEYS` replies are compared as sets.

mod common;

use common::Server;
use std::path::{Path, PathBuf};
use std::time::Duration;
use std::{fs, thread};

fn recorded_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/recorded")
}

fn extra_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/extra")
}

fn tsv_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read conformance directory {} ({e})", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.tsv file in {}", dir.display());
    files
}

/// Undoes the `\t`, `\r`, `\\` escapes; any other backslash is an error.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            other => return Err(format!("bad escape \\{}", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}

fn same_reply(expected: &str, actual: &str) -> bool {
    if expected.starts_with("KEYS\t") && actual.starts_with("KEYS\t") {
        common::keys(expected) == common::keys(actual)
    } else {
        expected == actual
    }
}

/// Replays one transcript on a fresh server; `Err` names the first
/// difference.
fn replay(path: &Path) -> Result<(), String> {
    let name = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let server = Server::start(&[]);
    let mut conn = server.connect();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        if let Some(ms) = line.strip_prefix("#sleep ") {
            let ms: u64 = ms.trim().parse().map_err(|_| format!("{at}: bad #sleep"))?;
            thread::sleep(Duration::from_millis(ms));
            continue;
        }
        if line.is_empty() || line == "#" || line.starts_with("# ") {
            continue;
        }
        let (request, reply) = line
            .split_once('\t')
            .ok_or_else(|| format!("{at}: no TAB between request and reply"))?;
        let request = unescape(request).map_err(|e| format!("{at}: {e}"))?;
        let expected = unescape(reply).map_err(|e| format!("{at}: {e}"))?;
        let actual = conn.request(&request);
        if !same_reply(&expected, &actual) {
            return Err(format!(
                "{at}: request {request:?}: expected {expected:?}, got {actual:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn transcripts() {
    let mut files = tsv_files(&recorded_dir());
    files.extend(tsv_files(&extra_dir()));
    // One server per file, all files at once: the sleeps overlap.
    let runs: Vec<_> = files
        .into_iter()
        .map(|f| thread::spawn(move || replay(&f)))
        .collect();
    let failures: Vec<String> = runs
        .into_iter()
        .filter_map(|r| {
            r.join()
                .unwrap_or_else(|_| Err("replay panicked".into()))
                .err()
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn unescape_rules() {
    assert_eq!(unescape(r"a\tb\rc\\d").unwrap(), "a\tb\rc\\d");
    assert!(unescape(r"a\n").is_err());
    assert!(same_reply("KEYS\ta,b", "KEYS\tb,a"));
    assert!(!same_reply("KEYS\ta", "KEYS\ta,b"));
    assert!(!same_reply("VALUE\ta,b", "VALUE\tb,a"));
}
