//! The reference TagCache server as a library: the `tagcache-server` binary
//! and the benchmarks both run [`serve`].
//!
//! - [`store`]: entries, the tag index and the counters, behind one lock;
//! - [`protocol`]: parse a request line, run it, format the reply;
//! - `conn`: the per-connection read/answer/write loop;
//! - `server`: the accept loop and the expiry sweep.

mod conn;
pub mod protocol;
mod server;
pub mod store;

pub use server::{serve, serve_store, Config, DEFAULT_MAX_LINE_BYTES, DEFAULT_SPIN};
pub use store::Store;
