//! tagcache-php-host: runs a PHP script on N OS threads of one process, the
//! way threaded SAPIs (FrankenPHP, Apache's worker/event MPMs with mod_php)
//! run PHP: the embed SAPI is started once, each thread gets its own PHP
//! thread state, and each request on a thread is a full request startup,
//! script run and request shutdown.
//!
//! Built only with `--features embed` against a ZTS PHP that has libphp.so
//! (scripts/zts.sh builds one; scripts/test-zts.sh builds this with it).

mod args;
#[cfg(feature = "embed")]
mod host;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let cfg = match args::parse(&argv[1..]) {
        Ok(args::Parsed::Run(c)) => c,
        Ok(args::Parsed::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tagcache-php-host: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    run(cfg)
}

#[cfg(feature = "embed")]
fn run(cfg: args::Config) -> ExitCode {
    ExitCode::from(host::run(&cfg))
}

#[cfg(not(feature = "embed"))]
fn run(_cfg: args::Config) -> ExitCode {
    eprintln!(
        "tagcache-php-host was built without the `embed` feature: build it against a ZTS PHP \
         with `PHP=... PHP_CONFIG=... cargo build -p tagcache-php-host --features embed` \
         (scripts/test-zts.sh does this)"
    );
    ExitCode::from(2)
}
