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
//!   model puts it;
//! - `--cfg tagcache_valgrind` (helgrind and DRD, scripts/valgrind-threads.sh):
//!   pthread mutexes and condition variables, which those tools intercept,
//!   the same mutex-guarded queue, and atomics emulated with a pthread mutex
//!   (they cannot follow happens-before through atomic instructions, nor
//!   through the futexes that std's and `parking_lot`'s locks are built on).
//!
//! The API is the one the pool uses and no more: `Mutex::lock` returns the
//! guard (no poisoning), `Condvar::wait_until` takes the guard by `&mut`
//! and says whether the deadline passed, `Queue` is a bounded FIFO whose
//! `push` hands the value back when full.

#[cfg(not(any(loom, tagcache_valgrind)))]
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
}

#[cfg(all(tagcache_valgrind, not(loom)))]
mod imp {
    use super::Ordering;
    use std::cell::UnsafeCell;
    use std::fmt;
    use std::ops::{Deref, DerefMut};
    pub use std::time::Instant;

    /// A pthread mutex: helgrind and DRD see every lock and unlock. Boxed,
    /// as a pthread mutex must not move once used.
    pub struct Mutex<T> {
        raw: Box<UnsafeCell<libc::pthread_mutex_t>>,
        data: UnsafeCell<T>,
    }

    // SAFETY: the data is only reached through a guard, which holds the
    // pthread mutex; the mutex itself may be used from any thread.
    unsafe impl<T: Send> Send for Mutex<T> {}
    // SAFETY: as for Send: one guard at a time, by the mutex.
    unsafe impl<T: Send> Sync for Mutex<T> {}

    pub struct MutexGuard<'a, T> {
        m: &'a Mutex<T>,
    }

    impl<T> Mutex<T> {
        pub fn new(v: T) -> Mutex<T> {
            Mutex {
                raw: Box::new(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER)),
                data: UnsafeCell::new(v),
            }
        }

        pub fn lock(&self) -> MutexGuard<'_, T> {
            // SAFETY: the mutex was initialized in `new` and is not moved
            // (boxed) nor destroyed while `self` is borrowed.
            let rc = unsafe { libc::pthread_mutex_lock(self.raw.get()) };
            assert_eq!(rc, 0, "pthread_mutex_lock");
            MutexGuard { m: self }
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Mutex<T> {
            Mutex::new(T::default())
        }
    }

    impl<T> Drop for Mutex<T> {
        fn drop(&mut self) {
            // SAFETY: no guard can exist (we have `&mut self`).
            unsafe { libc::pthread_mutex_destroy(self.raw.get()) };
        }
    }

    impl<T> fmt::Debug for Mutex<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Mutex { .. }")
        }
    }

    impl<T> Drop for MutexGuard<'_, T> {
        fn drop(&mut self) {
            // SAFETY: this guard holds the mutex, locked in `lock`.
            unsafe { libc::pthread_mutex_unlock(self.m.raw.get()) };
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: the guard holds the mutex: no other reference to the
            // data exists until it is dropped.
            unsafe { &*self.m.data.get() }
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as in `deref`, and `&mut self` makes it unique.
            unsafe { &mut *self.m.data.get() }
        }
    }

    /// A pthread condition variable on CLOCK_MONOTONIC, the clock of
    /// `Instant`. Boxed, as it must not move once used.
    pub struct Condvar {
        raw: Box<UnsafeCell<libc::pthread_cond_t>>,
    }

    // SAFETY: a pthread condition variable may be used from any thread.
    unsafe impl Send for Condvar {}
    // SAFETY: as for Send.
    unsafe impl Sync for Condvar {}

    impl Condvar {
        pub fn new() -> Condvar {
            let cv = Condvar {
                raw: Box::new(UnsafeCell::new(libc::PTHREAD_COND_INITIALIZER)),
            };
            // SAFETY: attr is initialized before use and destroyed after;
            // the condition variable is not yet shared.
            unsafe {
                let mut attr = std::mem::MaybeUninit::<libc::pthread_condattr_t>::uninit();
                assert_eq!(libc::pthread_condattr_init(attr.as_mut_ptr()), 0);
                assert_eq!(
                    libc::pthread_condattr_setclock(attr.as_mut_ptr(), libc::CLOCK_MONOTONIC),
                    0
                );
                assert_eq!(libc::pthread_cond_init(cv.raw.get(), attr.as_ptr()), 0);
                libc::pthread_condattr_destroy(attr.as_mut_ptr());
            }
            cv
        }

        /// Waits for a notification or `deadline`; true when it timed out.
        pub fn wait_until<T>(&self, g: &mut MutexGuard<'_, T>, deadline: Instant) -> bool {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            let mut now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `now` is a valid timespec to write.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
            let nanos = now.tv_nsec as u64 + u64::from(left.subsec_nanos());
            let at = libc::timespec {
                tv_sec: now.tv_sec
                    + left.as_secs() as libc::time_t
                    + (nanos / 1_000_000_000) as libc::time_t,
                tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
            };
            // SAFETY: the guard holds its mutex, as pthread_cond_timedwait
            // requires; both were initialized and are not moved.
            let rc = unsafe { libc::pthread_cond_timedwait(self.raw.get(), g.m.raw.get(), &at) };
            rc == libc::ETIMEDOUT
        }

        pub fn notify_one(&self) {
            // SAFETY: initialized in `new`, not moved.
            unsafe { libc::pthread_cond_signal(self.raw.get()) };
        }
    }

    impl Default for Condvar {
        fn default() -> Condvar {
            Condvar::new()
        }
    }

    impl Drop for Condvar {
        fn drop(&mut self) {
            // SAFETY: nobody waits on it (we have `&mut self`).
            unsafe { libc::pthread_cond_destroy(self.raw.get()) };
        }
    }

    impl fmt::Debug for Condvar {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Condvar { .. }")
        }
    }

    /// An atomic emulated with a pthread mutex, which the tools follow
    /// (the orderings asked for are all given, and more).
    #[derive(Debug, Default)]
    pub struct AtomicU64(Mutex<u64>);

    impl AtomicU64 {
        pub fn new(v: u64) -> AtomicU64 {
            AtomicU64(Mutex::new(v))
        }

        pub fn load(&self, _: Ordering) -> u64 {
            *self.0.lock()
        }

        pub fn store(&self, v: u64, _: Ordering) {
            *self.0.lock() = v;
        }

        pub fn fetch_add(&self, v: u64, _: Ordering) -> u64 {
            let mut n = self.0.lock();
            let old = *n;
            *n = old.wrapping_add(v);
            old
        }

        pub fn swap(&self, v: u64, _: Ordering) -> u64 {
            std::mem::replace(&mut *self.0.lock(), v)
        }

        pub fn compare_exchange(
            &self,
            current: u64,
            new: u64,
            _: Ordering,
            _: Ordering,
        ) -> Result<u64, u64> {
            let mut n = self.0.lock();
            if *n == current {
                *n = new;
                Ok(current)
            } else {
                Err(*n)
            }
        }
    }
}

pub use imp::*;
#[cfg(any(loom, tagcache_valgrind))]
use std::collections::VecDeque;
pub use std::sync::atomic::Ordering;

/// A bounded FIFO behind the build's mutex, with `ArrayQueue`'s API, for
/// the checkers' builds. Each operation is atomic, as `ArrayQueue`'s are
/// linearizable; what it does not check is `ArrayQueue`'s own lock-free
/// algorithm (see docs/concurrency.md).
#[cfg(any(loom, tagcache_valgrind))]
#[derive(Debug)]
pub struct Queue<T> {
    cap: usize,
    items: Mutex<VecDeque<T>>,
}

#[cfg(any(loom, tagcache_valgrind))]
impl<T> Queue<T> {
    pub fn new(cap: usize) -> Queue<T> {
        assert!(cap > 0, "capacity must be non-zero");
        Queue {
            cap,
            items: Mutex::new(VecDeque::with_capacity(cap)),
        }
    }

    pub fn push(&self, v: T) -> Result<(), T> {
        let mut q = self.items.lock();
        if q.len() == self.cap {
            return Err(v);
        }
        q.push_back(v);
        Ok(())
    }

    pub fn pop(&self) -> Option<T> {
        self.items.lock().pop_front()
    }

    pub fn is_empty(&self) -> bool {
        self.items.lock().is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.lock().len()
    }
}

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
