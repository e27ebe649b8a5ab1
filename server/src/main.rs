//! `tagcache-server`: the project's reference TagCache server.
//!
//! ```text
//! tagcache-server [--bind ADDR] [--port N] [--max-line-bytes N] [--spin-us N]
//! ```
//!
//! Speaks the TagCache TCP protocol (`docs/protocol.md`) with the replies
//! of the real server, without its defects. Binds 127.0.0.1:1984 by default;
//! `--port 0` picks a free port. Prints one line to stdout,
//! `tagcache-server listening on <addr>:<port>`, once it accepts
//! connections; exits with status 0 on SIGINT/SIGTERM, 2 on bad arguments.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::ffi::OsString;
use std::io::Write as _;
use std::net::TcpListener;
use std::process::ExitCode;
use tagcache_server::{serve, Config, DEFAULT_MAX_LINE_BYTES, DEFAULT_SPIN};

const USAGE: &str = "\
usage: tagcache-server [--bind ADDR] [--port N] [--max-line-bytes N] [--spin-us N]

The reference TagCache server (TCP line protocol).

options:
  --bind ADDR           address to listen on (default 127.0.0.1)
  --port N              TCP port; 0 picks a free one (default 1984)
  --max-line-bytes N    longest request line accepted (default 67108864)
  --spin-us N           after answering, busy-poll this long for the next
                        request before sleeping; 0 never spins (default 50)
  -h, --help            print this help
";

#[derive(Debug, PartialEq, Eq)]
struct Args {
    bind: String,
    port: u16,
    max_line_bytes: usize,
    spin_us: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Args),
    Help,
}

fn parse_args(argv: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = Args {
        bind: "127.0.0.1".to_owned(),
        port: 1984,
        max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        spin_us: DEFAULT_SPIN.as_micros() as u64,
    };
    let mut argv = argv.into_iter();
    while let Some(arg) = argv.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument is not UTF-8: {a:?}"))?;
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        if !matches!(
            name.as_str(),
            "--bind" | "--port" | "--max-line-bytes" | "--spin-us"
        ) {
            return Err(format!("unknown argument: {name}"));
        }
        let value = match inline {
            Some(v) => v,
            None => argv
                .next()
                .ok_or_else(|| format!("{name} needs a value"))?
                .into_string()
                .map_err(|v| format!("{name}: value is not UTF-8: {v:?}"))?,
        };
        match name.as_str() {
            "--bind" if !value.is_empty() => args.bind = value,
            "--bind" => return Err("--bind needs an address".to_owned()),
            "--port" => {
                args.port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value:?}"))?;
            }
            "--spin-us" => {
                args.spin_us = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 1_000_000)
                    .ok_or_else(|| {
                        format!("--spin-us: not an integer from 0 to 1000000: {value:?}")
                    })?;
            }
            _ => {
                args.max_line_bytes = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--max-line-bytes: not a positive integer: {value:?}")
                })?;
            }
        }
    }
    Ok(Command::Run(args))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("tagcache-server: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // Installed before the listen line is printed, so that a signal sent as
    // soon as it is seen already ends the process cleanly.
    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("tagcache-server: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind((args.bind.as_str(), args.port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "tagcache-server: cannot listen on {}:{}: {e}",
                args.bind, args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("tagcache-server: cannot read the listening address: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "tagcache-server listening on {addr}");
    let _ = stdout.flush();

    let spawned = std::thread::Builder::new()
        .name("tagcache-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = std::io::stdout().flush();
                std::process::exit(0);
            }
        });
    if let Err(e) = spawned {
        eprintln!("tagcache-server: cannot start the signal thread: {e}");
        return ExitCode::FAILURE;
    }

    let config = Config {
        max_line_bytes: args.max_line_bytes,
        spin: std::time::Duration::from_micros(args.spin_us),
        ..Config::default()
    };
    match serve(listener, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tagcache-server: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }

    #[test]
    fn defaults_and_options() {
        let run = |bind: &str, port, max, spin_us| {
            Ok(Command::Run(Args {
                bind: bind.to_owned(),
                port,
                max_line_bytes: max,
                spin_us,
            }))
        };
        assert_eq!(parse(&[]), run("127.0.0.1", 1984, 67108864, 50));
        assert_eq!(
            parse(&["--port", "0", "--bind=::1", "--max-line-bytes", "10"]),
            run("::1", 0, 10, 50)
        );
        assert_eq!(parse(&["--spin-us=0"]), run("127.0.0.1", 1984, 67108864, 0));
        assert_eq!(parse(&["--port=7", "--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            &["--port"][..],
            &["--port", "65536"],
            &["--port", "x"],
            &["--max-line-bytes", "0"],
            &["--bind", ""],
            &["--spin-us", "-1"],
            &["--spin-us", "1000001"],
            &["--verbose"],
            &["extra"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
