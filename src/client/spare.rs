//! Buffers kept per thread between batches. A big batch's buffers are
//! otherwise fresh pages from mmap on every call, and their page faults cost
//! more than the work. A thread keeps at most one set per kind of buffer,
//! of at most `KEEP_BYTES`; they are freed when the thread ends (Rust runs
//! thread-local destructors on every thread, PHP's own included).

use std::cell::Cell;
use std::thread::LocalKey;

/// The most a thread keeps of one kind of buffer.
pub const KEEP_BYTES: usize = 8 << 20;

pub type Slot<T> = LocalKey<Cell<Option<T>>>;

/// The buffers this thread kept, if any.
pub fn take<T>(slot: &'static Slot<T>) -> Option<T> {
    slot.try_with(Cell::take).ok().flatten()
}

/// Keeps the buffers `parts` gives, when their capacity (`bytes`) is not 0
/// and at most `KEEP_BYTES`; otherwise they are freed as usual.
pub fn give<T>(slot: &'static Slot<T>, bytes: usize, parts: impl FnOnce() -> T) {
    if bytes == 0 || bytes > KEEP_BYTES {
        return;
    }
    let _ = slot.try_with(|s| s.set(Some(parts())));
}
