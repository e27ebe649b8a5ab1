//! The accept loop (a thread per connection) and the expiry sweep thread.

use crate::conn;
use crate::store::Store;
use std::io;
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Default `--max-line-bytes`: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Longest request line accepted (without its `\n`); a longer one gets
    /// `ERR line_too_long` and the connection is closed.
    pub max_line_bytes: usize,
    /// How often the background sweep removes expired entries.
    pub sweep_interval: Duration,
    /// How long a connection thread busy-polls for the next request after
    /// answering (zero: it always sleeps in read).
    pub spin: Duration,
}

/// Default `--spin-us`.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);

impl Default for Config {
    fn default() -> Config {
        Config {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            sweep_interval: Duration::from_secs(1),
            spin: DEFAULT_SPIN,
        }
    }
}

/// Stack of a connection thread: the loop keeps its buffers on the heap.
const CONN_STACK: usize = 256 * 1024;

/// Serves `listener` with a new, empty store. Runs until the process ends.
pub fn serve(listener: TcpListener, config: Config) -> io::Result<()> {
    serve_store(listener, config, Arc::new(Store::new()))
}

/// Serves `listener` with the given store (so a caller can inspect it).
/// Runs until the process ends; returns only if a thread cannot be started
/// at all.
pub fn serve_store(listener: TcpListener, config: Config, store: Arc<Store>) -> io::Result<()> {
    let sweeper = Arc::clone(&store);
    let interval = config.sweep_interval;
    thread::Builder::new()
        .name("tagcache-sweep".into())
        .spawn(move || loop {
            thread::sleep(interval);
            sweeper.sweep();
        })?;

    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(stream) => stream,
            Err(e) => {
                // Aborted handshakes are routine; anything else (out of file
                // descriptors, ...) is reported and retried after a pause.
                if e.kind() != io::ErrorKind::ConnectionAborted
                    && e.kind() != io::ErrorKind::Interrupted
                {
                    eprintln!("tagcache-server: accept failed: {e}");
                    thread::sleep(Duration::from_millis(50));
                }
                continue;
            }
        };
        let store = Arc::clone(&store);
        let max_line = config.max_line_bytes;
        let spin = config.spin;
        let spawned = thread::Builder::new()
            .name("tagcache-conn".into())
            .stack_size(CONN_STACK)
            .spawn(move || conn::handle(stream, &store, max_line, spin));
        if let Err(e) = spawned {
            // The stream was dropped with the closure: the client sees a close.
            eprintln!("tagcache-server: cannot start a connection thread: {e}");
            thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(())
}
