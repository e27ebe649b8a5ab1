//! The primitives the connection pool (pool.rs) is built on, named in one
//! place so that a checker can swap them for ones it understands
//! (docs/concurrency.md):
//!
//! - normal builds: `parking_lot`'s mutex and condition variable,
//!   crossbeam's lock-free `ArrayQueue` for idle connections, std atomics
//!   and `std::time::Instant`;
//! - `--cfg loom` (the pool's model tests): loom's mutex, condition
//!   variable and atomics, a bounded queue behind a loom mutex in place of
//!   `ArrayQueue` (loom has none), and a virtual clock that only moves when
//!   a test says so, so that a timed wait times out exactly where the
//!   model puts it.
//!
//! The API is the one the pool uses and no more: `Mutex::lock` returns the
//! guard (no poisoning), `Condvar::wait_until` takes the guard by `&mut`
//! and says whether the deadline passed, `Queue` is a bounded FIFO whose
//! `push` hands the value back when full.

#[cfg(not(loom))]
mod imp {
    pub use crossbeam_queue::ArrayQueue as Queue;
    pub use parking_lot::{Mutex, MutexGuard};
    pub use std::sync::atomic::AtomicU64;
    pub use std::time::Instant;

    /// `parking_lot`'s condition variable, with the pool's one timed wait.
    #[derive(Debug, Default)]
    pub struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub fn new() -> Condvar {
            Condvar(parking_lot::Condvar::new())
        }

        /// Waits for a notification or `deadline`; true when it timed out.
        #[inline]
        pub fn wait_until<T>(&self, g: &mut MutexGuard<'_, T>, deadline: Instant) -> bool {
            self.0.wait_until(g, deadline).timed_out()
        }

        #[inline]
        pub fn notify_one(&self) {
            self.0.notify_one();
        }
    }
}

#[cfg(loom)]
mod imp {
    pub use loom::sync::atomic::AtomicU64;
    use loom::sync::atomic::Ordering;
    use std::collections::VecDeque;
    use std::ops::{Add, Deref, DerefMut};
    use std::time::Duration;

    /// loom's mutex, with `parking_lot`'s signature (no poisoning: a panic
    /// under the lock fails the model anyway).
    #[derive(Debug, Default)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    /// Holds the loom guard in an option so that `Condvar::wait_until` can
    /// take it through `&mut`, as `parking_lot`'s does.
    #[derive(Debug)]
    pub struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub fn new(v: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(v))
        }

        pub fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().expect("loom mutex poisoned")))
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard taken by a wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard taken by a wait")
        }
    }

    loom::lazy_static! {
        /// Virtual nanoseconds since the model's start; one per execution.
        static ref CLOCK: AtomicU64 = AtomicU64::new(0);
    }

    /// A point on the virtual clock. It moves only through `advance`: a
    /// deadline passes exactly where a test's timer thread says.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Instant(Duration);

    impl Instant {
        pub fn now() -> Instant {
            Instant(Duration::from_nanos(CLOCK.load(Ordering::SeqCst)))
        }

        pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
            self.0.saturating_sub(earlier.0)
        }
    }

    impl Add<Duration> for Instant {
        type Output = Instant;
        fn add(self, d: Duration) -> Instant {
            Instant(self.0 + d)
        }
    }

    /// Moves the virtual clock on. A waiter whose deadline it passes
    /// notices when it is next woken: the caller then wakes the pool's
    /// waiters, as the kernel's timer would.
    #[cfg(test)]
    pub fn advance(d: Duration) {
        let d = u64::try_from(d.as_nanos()).expect("virtual time fits u64");
        CLOCK.fetch_add(d, Ordering::SeqCst);
    }

    /// loom's condition variable. loom's own timed wait never times out;
    /// this one times out when the virtual clock has passed the deadline,
    /// checked before sleeping and after every wake-up.
    #[derive(Debug, Default)]
    pub struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub fn new() -> Condvar {
            Condvar(loom::sync::Condvar::new())
        }

        pub fn wait_until<T>(&self, g: &mut MutexGuard<'_, T>, deadline: Instant) -> bool {
            if Instant::now() >= deadline {
                return true;
            }
            let held = g.0.take().expect("guard taken by a wait");
            g.0 = Some(self.0.wait(held).expect("loom mutex poisoned"));
            Instant::now() >= deadline
        }

        pub fn notify_one(&self) {
            self.0.notify_one();
        }

        #[cfg(test)]
        pub fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// A bounded FIFO behind a loom mutex, with `ArrayQueue`'s API. Each
    /// operation is atomic, as `ArrayQueue`'s are linearizable; what it
    /// does not model is `ArrayQueue`'s own lock-free algorithm (see
    /// docs/concurrency.md).
    #[derive(Debug)]
    pub struct Queue<T> {
        cap: usize,
        items: loom::sync::Mutex<VecDeque<T>>,
    }

    impl<T> Queue<T> {
        pub fn new(cap: usize) -> Queue<T> {
            assert!(cap > 0, "capacity must be non-zero");
            Queue {
                cap,
                items: loom::sync::Mutex::new(VecDeque::with_capacity(cap)),
            }
        }

        pub fn push(&self, v: T) -> Result<(), T> {
            let mut q = self.items.lock().expect("loom mutex poisoned");
            if q.len() == self.cap {
                return Err(v);
            }
            q.push_back(v);
            Ok(())
        }

        pub fn pop(&self) -> Option<T> {
            self.items.lock().expect("loom mutex poisoned").pop_front()
        }

        pub fn is_empty(&self) -> bool {
            self.items.lock().expect("loom mutex poisoned").is_empty()
        }

        pub fn len(&self) -> usize {
            self.items.lock().expect("loom mutex poisoned").len()
        }
    }
}

pub use imp::*;
pub use std::sync::atomic::Ordering;

/// What the pool's tests share between threads, run under loom's scheduler
/// in the model build and on OS threads otherwise.
#[cfg(test)]
pub mod test {
    #[cfg(loom)]
    pub use loom::{
        cell::UnsafeCell,
        sync::{atomic::AtomicBool, Arc},
        thread,
    };
    #[cfg(not(loom))]
    pub use std::{
        sync::{atomic::AtomicBool, Arc},
        thread,
    };

    /// loom's `UnsafeCell` API over std's: without loom, nothing checks.
    #[cfg(not(loom))]
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        pub fn new(v: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(v))
        }

        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}
