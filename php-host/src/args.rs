//! Command line of the host.

use std::time::Duration;

pub const USAGE: &str = "\
usage: tagcache-php-host [options] SCRIPT [-- ARG...]

Starts PHP's embed SAPI once, then runs SCRIPT as a full request (request
startup, script, request shutdown) REQUESTS times on each of THREADS OS
threads. The script sees $_SERVER['TAGCACHE_HOST_THREAD'] (0-based thread
number), ['TAGCACHE_HOST_THREADS'], ['TAGCACHE_HOST_REQUEST'] (0-based, on
its thread), ['TAGCACHE_HOST_REQUESTS'], ['TAGCACHE_HOST_WAVE'] and $argv
(SCRIPT, then ARG...).

A request fails when its exit status is not 0: exit(N), a fatal error or an
uncaught exception (status 255). Each failure is reported with its thread,
request and the last error PHP logged; the host itself keeps running.

options:
  -t, --threads N       threads per wave (default 4)
  -r, --requests N      requests per thread (default 1)
  -w, --waves N         start THREADS threads, wait for them, N times (default 1)
  -c, --cycles N        start and shut down PHP N times in this process (default 1)
  -d NAME=VALUE         an INI setting (repeatable); -d extension=/abs/path.so
                        loads an extension
      --deadline SECS   bound on the whole run: on expiry the host names the
                        threads still running and exits 124 (default 600)
      --stats-every N   print memory and descriptors after every N waves
                        (default: after the last wave of each cycle)
  -q, --quiet           discard what the scripts print
  -h, --help            this text

exit status: 0 all requests succeeded, 1 some failed, 2 usage or startup
error, 124 deadline passed.
";

#[derive(Debug, Clone)]
pub struct Config {
    pub script: String,
    pub script_args: Vec<String>,
    pub threads: usize,
    pub requests: usize,
    pub waves: usize,
    pub cycles: usize,
    pub ini: Vec<(String, String)>,
    pub deadline: Duration,
    pub stats_every: usize,
    pub quiet: bool,
}

#[derive(Debug)]
pub enum Parsed {
    Run(Config),
    Help,
}

fn count(flag: &str, v: Option<&String>, min: usize) -> Result<usize, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    let n: usize = v
        .parse()
        .map_err(|_| format!("{flag}: '{v}' is not a whole number"))?;
    if n < min {
        return Err(format!("{flag} must be at least {min}, {n} given"));
    }
    Ok(n)
}

pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut c = Config {
        script: String::new(),
        script_args: Vec::new(),
        threads: 4,
        requests: 1,
        waves: 1,
        cycles: 1,
        ini: Vec::new(),
        deadline: Duration::from_secs(600),
        stats_every: 0,
        quiet: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-t" | "--threads" => c.threads = count(a, it.next(), 1)?,
            "-r" | "--requests" => c.requests = count(a, it.next(), 1)?,
            "-w" | "--waves" => c.waves = count(a, it.next(), 1)?,
            "-c" | "--cycles" => c.cycles = count(a, it.next(), 1)?,
            "--stats-every" => c.stats_every = count(a, it.next(), 1)?,
            "--deadline" => c.deadline = Duration::from_secs(count(a, it.next(), 1)? as u64),
            "-q" | "--quiet" => c.quiet = true,
            "-d" => {
                let v = it.next().ok_or("-d needs NAME=VALUE")?;
                c.ini.push(ini_pair(v)?);
            }
            // Before the script: only ends the options.
            "--" => {}
            s if s.starts_with("-d") && s.len() > 2 => c.ini.push(ini_pair(&s[2..])?),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            s => {
                // Everything after the script is its own ($argv).
                c.script = s.to_string();
                let rest: Vec<String> = it.by_ref().cloned().collect();
                let skip = usize::from(rest.first().is_some_and(|r| r == "--"));
                c.script_args.extend(rest.into_iter().skip(skip));
            }
        }
    }
    if c.script.is_empty() {
        return Err("no SCRIPT given".into());
    }
    Ok(Parsed::Run(c))
}

fn ini_pair(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("-d {s}: expected NAME=VALUE"))?;
    let k = k.trim();
    if k.is_empty() || k.contains(['\n', '\0']) || v.contains(['\n', '\0']) {
        return Err(format!("-d {s}: bad INI setting"));
    }
    Ok((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Parsed, String> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_and_options() {
        let Parsed::Run(c) = p(&["s.php"]).unwrap() else {
            panic!()
        };
        assert_eq!((c.threads, c.requests, c.waves, c.cycles), (4, 1, 1, 1));
        let Parsed::Run(c) = p(&[
            "-t",
            "32",
            "--requests",
            "5",
            "-dextension=/x.so",
            "-d",
            "a=b=c",
            "s.php",
            "--",
            "--port",
            "9",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!((c.threads, c.requests), (32, 5));
        assert_eq!(
            c.ini,
            vec![
                ("extension".to_string(), "/x.so".to_string()),
                ("a".to_string(), "b=c".to_string())
            ]
        );
        assert_eq!(c.script, "s.php");
        assert_eq!(c.script_args, vec!["--port", "9"]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(p(&[]).is_err());
        assert!(p(&["-t", "0", "s.php"]).is_err());
        assert!(p(&["-t", "x", "s.php"]).is_err());
        assert!(p(&["-d", "novalue", "s.php"]).is_err());
        assert!(p(&["--bogus", "s.php"]).is_err());
        assert!(matches!(p(&["-h"]), Ok(Parsed::Help)));
    }
}
