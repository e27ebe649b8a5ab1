//! The embed SAPI, started by hand so it can take INI settings and run on
//! many threads (ext-php-rs' `Embed::run` starts and stops the whole SAPI
//! per call under a process-wide lock and takes no INI settings).
//!
//! Start: `ext_php_rs_sapi_startup()` (TSRM, signals), `sapi_startup()` on
//! the embed module, then the INI entries (sapi_startup clears them) and
//! the SAPI hooks (php_module_startup copies the struct), then
//! `php_module_startup()`. Per thread: a `PhpThreadGuard`. Per request:
//! SAPI options, `php_request_startup()`, the script,
//! `php_request_shutdown()`. SG() is per thread under ZTS, so the options are
//! set on every thread for every request.

use crate::args::Config;
use ext_php_rs::embed::{ext_php_rs_sapi_shutdown, ext_php_rs_sapi_startup, PhpThreadGuard};
use ext_php_rs::ffi::{
    php_execute_script, php_module_shutdown, php_module_startup, php_register_variable,
    php_request_shutdown, php_request_startup, sapi_module_struct, sapi_shutdown, sapi_startup,
    zend_destroy_file_handle, zend_file_handle, zend_stream_init_filename, zval,
};
use ext_php_rs::zend::{ExecutorGlobals, SapiGlobals};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

extern "C" {
    /// The embed SAPI's module struct (sapi/embed/php_embed.c); not in the
    /// bindings of ext-php-rs.
    static mut php_embed_module: sapi_module_struct;
}

/// SAPI.h: do not chdir to the script's directory.
const SAPI_OPTION_NO_CHDIR: c_int = 1;

/// Lowest-priority INI settings: a host that runs scripts for a test, not
/// a web server. `-d` settings come after and win.
const BASE_INI: &[(&str, &str)] = &[
    ("html_errors", "0"),
    ("register_argc_argv", "1"),
    ("implicit_flush", "1"),
    ("output_buffering", "0"),
    ("max_execution_time", "0"),
    ("max_input_time", "-1"),
    // Errors go to the SAPI log hook below, which tags them with the thread
    // and request and keeps the last one for the failure report.
    ("display_errors", "0"),
    ("log_errors", "1"),
    ("error_reporting", "-1"),
];

static QUIET: AtomicBool = AtomicBool::new(false);
/// The pid that started PHP: a script that forks (pcntl_fork) leaves its
/// child at the end of the script, never back into the host's loops.
static MAIN_PID: AtomicI64 = AtomicI64::new(0);

/// Per-thread data the SAPI hooks read.
struct ThreadCtx {
    thread: usize,
    threads: usize,
    request: usize,
    requests: usize,
    wave: usize,
    /// The last error PHP logged in the current request.
    last_error: Option<String>,
    errors: u64,
}

thread_local! {
    static CTX: RefCell<Option<ThreadCtx>> = const { RefCell::new(None) };
}

/// write(2) all of `b` to `fd`, without a lock: a forked child may inherit
/// any lock held by another thread, so the hooks never take one.
fn write_all(fd: c_int, mut b: &[u8]) {
    while !b.is_empty() {
        // SAFETY: writes from a valid slice.
        let n = unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        b = &b[n as usize..];
    }
}

fn say(line: &str) {
    let mut s = String::with_capacity(line.len() + 7);
    s.push_str("host: ");
    s.push_str(line);
    s.push('\n');
    write_all(1, s.as_bytes());
}

unsafe extern "C" fn ub_write(s: *const c_char, len: usize) -> usize {
    if !QUIET.load(Ordering::Relaxed) && len > 0 {
        // SAFETY: PHP passes `len` readable bytes.
        write_all(1, unsafe {
            std::slice::from_raw_parts(s.cast::<u8>(), len)
        });
    }
    len
}

unsafe extern "C" fn flush(_ctx: *mut c_void) {}

unsafe extern "C" fn log_message(msg: *const c_char, _syslog_type: c_int) {
    // SAFETY: PHP passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned();
    let tag = CTX.with(|c| {
        let mut c = c.borrow_mut();
        match c.as_mut() {
            Some(c) => {
                c.errors += 1;
                c.last_error = Some(text.clone());
                format!("[thread {} request {}] ", c.thread, c.request)
            }
            None => String::from("[startup] "),
        }
    });
    write_all(2, format!("{tag}{text}\n").as_bytes());
}

unsafe extern "C" fn register_server_variables(track: *mut zval) {
    let vars: Vec<(&CStr, String)> = CTX.with(|c| match c.borrow().as_ref() {
        Some(c) => vec![
            (c"TAGCACHE_HOST_THREAD", c.thread.to_string()),
            (c"TAGCACHE_HOST_THREADS", c.threads.to_string()),
            (c"TAGCACHE_HOST_REQUEST", c.request.to_string()),
            (c"TAGCACHE_HOST_REQUESTS", c.requests.to_string()),
            (c"TAGCACHE_HOST_WAVE", c.wave.to_string()),
        ],
        None => Vec::new(),
    });
    for (k, v) in vars {
        let v = CString::new(v).expect("digits only");
        // SAFETY: PHP's array of $_SERVER being built, valid strings.
        unsafe { php_register_variable(k.as_ptr(), v.as_ptr(), track) };
    }
}

/// One failed request.
struct Failure {
    wave: usize,
    thread: usize,
    request: usize,
    status: i32,
    error: Option<String>,
}

/// What every thread shares.
struct Shared {
    script: CString,
    argv: Vec<CString>,
    /// Per thread of the current wave: the request it is in, or -1.
    current: Vec<AtomicI64>,
    ok: AtomicU64,
    failures: Mutex<Vec<Failure>>,
}

/// Runs the whole thing; returns the process exit status.
pub fn run(cfg: &Config) -> u8 {
    QUIET.store(cfg.quiet, Ordering::Relaxed);
    // SAFETY: getpid has no preconditions.
    MAIN_PID.store(i64::from(unsafe { libc::getpid() }), Ordering::Relaxed);
    let script = match std::fs::canonicalize(&cfg.script) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(e) => {
            eprintln!("tagcache-php-host: {}: {e}", cfg.script);
            return 2;
        }
    };
    let mut argv = vec![CString::new(script.clone()).expect("a path has no NUL")];
    for a in &cfg.script_args {
        match CString::new(a.as_str()) {
            Ok(c) => argv.push(c),
            Err(_) => {
                eprintln!("tagcache-php-host: an argument holds a NUL byte");
                return 2;
            }
        }
    }
    let shared = Arc::new(Shared {
        script: CString::new(script).expect("a path has no NUL"),
        argv,
        current: (0..cfg.threads).map(|_| AtomicI64::new(-1)).collect(),
        ok: AtomicU64::new(0),
        failures: Mutex::new(Vec::new()),
    });
    start_watchdog(cfg.deadline, shared.clone());

    let t0 = Instant::now();
    let (fds0, socks0) = fd_counts();
    say(&format!(
        "{} threads x {} requests x {} waves x {} cycles, script {}; before startup: {fds0} descriptors ({socks0} sockets), rss {} kB",
        cfg.threads,
        cfg.requests,
        cfg.waves,
        cfg.cycles,
        cfg.script,
        rss_kb()
    ));
    for cycle in 0..cfg.cycles {
        if let Err(e) = start_php(cfg) {
            eprintln!("tagcache-php-host: {e}");
            return 2;
        }
        for wave in 0..cfg.waves {
            run_wave(cfg, &shared, wave);
            let last = wave + 1 == cfg.waves;
            if (cfg.stats_every > 0 && (wave + 1) % cfg.stats_every == 0) || last {
                let (fds, socks) = fd_counts();
                say(&format!(
                    "cycle {cycle} wave {}: rss {} kB, {fds} descriptors ({socks} sockets), {} threads started so far",
                    wave + 1,
                    rss_kb(),
                    (cycle * cfg.waves + wave + 1) * cfg.threads
                ));
            }
        }
        stop_php();
        let (fds, socks) = fd_counts();
        say(&format!(
            "cycle {cycle}: after PHP shutdown: {fds} descriptors ({socks} sockets), rss {} kB",
            rss_kb()
        ));
    }
    let (_, socks1) = fd_counts();
    let ok = shared.ok.load(Ordering::Relaxed);
    let failures = shared.failures.lock().unwrap_or_else(|p| p.into_inner());
    for f in failures.iter().take(50) {
        say(&format!(
            "FAILED: wave {} thread {} request {}: exit status {}{}",
            f.wave,
            f.thread,
            f.request,
            f.status,
            f.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
    if failures.len() > 50 {
        say(&format!("... and {} more failures", failures.len() - 50));
    }
    let leaked = socks1 as i64 - socks0 as i64;
    say(&format!(
        "{ok} requests ok, {} failed, in {:.2} s; sockets left open after shutdown: {leaked}",
        failures.len(),
        t0.elapsed().as_secs_f64()
    ));
    if !failures.is_empty() {
        1
    } else {
        0
    }
}

fn start_php(cfg: &Config) -> Result<(), String> {
    let mut ini = String::new();
    for (k, v) in BASE_INI
        .iter()
        .map(|(k, v)| (*k, *v))
        .chain(cfg.ini.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        ini.push_str(k);
        ini.push('=');
        ini.push_str(v);
        ini.push('\n');
    }
    let ini = CString::new(ini).map_err(|_| "an INI setting holds a NUL byte".to_string())?;
    // SAFETY: the documented embed start sequence, on the main thread, with
    // no PHP running. The INI text is copied into a malloc'd buffer that
    // lives until stop_php (PHP keeps the pointer).
    unsafe {
        ext_php_rs_sapi_startup();
        let m = &raw mut php_embed_module;
        sapi_startup(m);
        let bytes = ini.as_bytes_with_nul();
        let buf = libc::malloc(bytes.len()).cast::<c_char>();
        if buf.is_null() {
            return Err("out of memory".into());
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, bytes.len());
        (*m).ini_entries = buf;
        (*m).ub_write = Some(ub_write);
        (*m).flush = Some(flush);
        (*m).log_message = Some(log_message);
        (*m).register_server_variables = Some(register_server_variables);
        if php_module_startup(m, std::ptr::null_mut()) != 0 {
            return Err("php_module_startup failed (see the messages above)".into());
        }
    }
    Ok(())
}

fn stop_php() {
    // SAFETY: every PHP thread has ended (their guards dropped); this is
    // the main thread, which started PHP.
    unsafe {
        php_module_shutdown();
        sapi_shutdown();
        ext_php_rs_sapi_shutdown();
        let m = &raw mut php_embed_module;
        if !(*m).ini_entries.is_null() {
            libc::free((*m).ini_entries.cast());
            (*m).ini_entries = std::ptr::null_mut();
        }
    }
}

fn run_wave(cfg: &Config, shared: &Arc<Shared>, wave: usize) {
    let handles: Vec<_> = (0..cfg.threads)
        .map(|t| {
            let shared = shared.clone();
            let (threads, requests) = (cfg.threads, cfg.requests);
            std::thread::Builder::new()
                .name(format!("php-{t}"))
                .stack_size(8 << 20)
                .spawn(move || php_thread(&shared, wave, t, threads, requests))
                .expect("cannot start a thread")
        })
        .collect();
    for (t, h) in handles.into_iter().enumerate() {
        if h.join().is_err() {
            // A panic in the host's own code on that thread.
            let mut f = shared.failures.lock().unwrap_or_else(|p| p.into_inner());
            f.push(Failure {
                wave,
                thread: t,
                request: 0,
                status: -1,
                error: Some("host thread panicked".into()),
            });
        }
    }
}

fn php_thread(shared: &Shared, wave: usize, thread: usize, threads: usize, requests: usize) {
    let guard = PhpThreadGuard::new();
    CTX.with(|c| {
        *c.borrow_mut() = Some(ThreadCtx {
            thread,
            threads,
            request: 0,
            requests,
            wave,
            last_error: None,
            errors: 0,
        })
    });
    for r in 0..requests {
        shared.current[thread].store(r as i64, Ordering::Relaxed);
        CTX.with(|c| {
            if let Some(c) = c.borrow_mut().as_mut() {
                c.request = r;
                c.last_error = None;
            }
        });
        let status = run_request(shared);
        if status == 0 {
            shared.ok.fetch_add(1, Ordering::Relaxed);
        } else {
            let error = CTX.with(|c| c.borrow_mut().as_mut().and_then(|c| c.last_error.take()));
            shared
                .failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Failure {
                    wave,
                    thread,
                    request: r,
                    status,
                    error,
                });
        }
    }
    shared.current[thread].store(-1, Ordering::Relaxed);
    CTX.with(|c| *c.borrow_mut() = None);
    drop(guard);
}

/// One request; its exit status (0, exit(N), 255 for a fatal error or an
/// uncaught exception, -2 when the request could not start).
fn run_request(shared: &Shared) -> i32 {
    let argv: Vec<*mut c_char> = shared.argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    {
        let mut sg = SapiGlobals::get_mut();
        sg.options |= SAPI_OPTION_NO_CHDIR;
        sg.request_info.argc = argv.len() as c_int;
        sg.request_info.argv = argv.as_ptr().cast_mut();
    }
    // SAFETY: this thread has PHP thread state (its guard); no request is
    // active on it.
    if unsafe { php_request_startup() } != 0 {
        return -2;
    }
    {
        let mut sg = SapiGlobals::get_mut();
        sg.headers_sent = 1;
        sg.request_info.no_headers = true;
    }
    // EG(exit_status) outlives the request on its thread (request startup
    // does not reset it): the last request's exit(7) or fatal error would
    // show as this one's status.
    ExecutorGlobals::get_mut().exit_status = 0;
    let mut status;
    // SAFETY: a zeroed zend_file_handle is what zend_stream_init_filename
    // expects to fill; the file name outlives the request.
    unsafe {
        let mut fh: zend_file_handle = std::mem::zeroed();
        zend_stream_init_filename(&mut fh, shared.script.as_ptr());
        fh.primary_script = true;
        // A fatal error or an uncaught exception is caught (bailout) inside
        // php_execute_script and shows in the exit status.
        php_execute_script(&mut fh);
        status = ExecutorGlobals::get().exit_status;
        zend_destroy_file_handle(&mut fh);
    }
    if i64::from(unsafe { libc::getpid() }) != MAIN_PID.load(Ordering::Relaxed) {
        // A child of pcntl_fork() whose script ended: leave now, with the
        // script's status, running nothing of the parent's.
        // SAFETY: _exit is the way out of a forked child of a threaded process.
        unsafe { libc::_exit(status & 0xff) };
    }
    // SAFETY: ends the request started above.
    unsafe { php_request_shutdown(std::ptr::null_mut()) };
    if status == 0 {
        // A fatal error at request shutdown (a destructor, a shutdown
        // function) sets the status there.
        status = ExecutorGlobals::get().exit_status;
    }
    drop(argv);
    status
}

fn start_watchdog(deadline: Duration, shared: Arc<Shared>) {
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            std::thread::sleep(deadline);
            let stuck: Vec<String> = shared
                .current
                .iter()
                .enumerate()
                .filter_map(|(t, r)| {
                    let r = r.load(Ordering::Relaxed);
                    (r >= 0).then(|| format!("thread {t} in request {r}"))
                })
                .collect();
            say(&format!(
                "DEADLINE: still running after {} s: {}",
                deadline.as_secs(),
                if stuck.is_empty() {
                    "no request (stuck outside a request)".to_string()
                } else {
                    stuck.join(", ")
                }
            ));
            // SAFETY: ends the process at once; threads may hold any lock.
            unsafe { libc::_exit(124) };
        })
        .expect("cannot start the watchdog");
}

/// (all open descriptors, sockets among them) of this process.
fn fd_counts() -> (usize, usize) {
    let mut all: usize = 0;
    let mut socks: usize = 0;
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        for e in dir.flatten() {
            all += 1;
            if std::fs::read_link(e.path())
                .map(|l| l.to_string_lossy().starts_with("socket:"))
                .unwrap_or(false)
            {
                socks += 1;
            }
        }
    }
    // The directory handle of read_dir itself.
    (all.saturating_sub(1), socks)
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
