//! Which process generation we are in, without a syscall: a counter bumped
//! in the child by a `pthread_atfork` handler. A connection remembers the
//! generation that made it; after `fork()` (pcntl_fork) the child sees a
//! new generation and never touches an inherited socket. Asking for the
//! pid on every call instead costs a syscall each time (glibc no longer
//! caches getpid).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The current process generation (0 in the process that loaded us, one
/// more in each forked child).
pub fn generation() -> u64 {
    REGISTER.call_once(|| {
        // SAFETY: registers a handler that only does an atomic add (which
        // is async-signal-safe, as a fork handler must be). glibc ties the
        // registration to this shared object and drops it when the object
        // is unloaded, so the handler never outlives its code.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
    GENERATION.load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_sees_a_new_generation() {
        let before = generation();
        // SAFETY: the child only reads an atomic and exits at once.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = if generation() == before + 1 { 0 } else { 1 };
            // SAFETY: _exit is the only safe way out of a forked child of a
            // threaded test runner.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for the child we just made.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert_eq!(generation(), before, "the parent's generation changed");
    }
}
