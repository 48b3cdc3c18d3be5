//! The order locks are taken in, when one holder needs more than one.
//!
//! A capability's state sits behind its own lock. Some changes span
//! capabilities (deregistering a node ends its command invocations and
//! forgets its patch states and compliance), so their holders take several
//! locks; all of them take them in the order of [`Level`], which is how a
//! deadlock between two such holders is ruled out. The locks of this
//! module know their level, and in debug builds (every test) a thread that
//! takes a lock at a level below one it already holds panics, naming both.

use std::ops::{Deref, DerefMut};

/// Earlier levels are taken first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Run Command's commands, invocations and mailboxes.
    Commands,
    /// The fleet's nodes and activations.
    Fleet,
    /// What nodes reported of their patches.
    PatchStates,
    /// Compliance items.
    Compliance,
}

/// A mutex at a [`Level`].
pub(crate) struct OrderedMutex<T> {
    level: Level,
    lock: parking_lot::Mutex<T>,
}

/// A reader-writer lock at a [`Level`].
pub(crate) struct OrderedRwLock<T> {
    level: Level,
    lock: parking_lot::RwLock<T>,
}

/// A held lock, with its level noted for the order check.
pub(crate) struct Guard<G> {
    guard: G,
    _held: Held,
}

pub(crate) type MutexGuard<'a, T> = Guard<parking_lot::MutexGuard<'a, T>>;
pub(crate) type ReadGuard<'a, T> = Guard<parking_lot::RwLockReadGuard<'a, T>>;
pub(crate) type WriteGuard<'a, T> = Guard<parking_lot::RwLockWriteGuard<'a, T>>;

impl<T> OrderedMutex<T> {
    pub fn new(level: Level, value: T) -> Self {
        Self {
            level,
            lock: parking_lot::Mutex::new(value),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        let held = Held::take(self.level);
        Guard {
            guard: self.lock.lock(),
            _held: held,
        }
    }

    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<T> OrderedRwLock<T> {
    pub fn new(level: Level, value: T) -> Self {
        Self {
            level,
            lock: parking_lot::RwLock::new(value),
        }
    }

    pub fn read(&self) -> ReadGuard<'_, T> {
        let held = Held::take(self.level);
        Guard {
            guard: self.lock.read(),
            _held: held,
        }
    }

    pub fn write(&self) -> WriteGuard<'_, T> {
        let held = Held::take(self.level);
        Guard {
            guard: self.lock.write(),
            _held: held,
        }
    }

    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<G: Deref> Deref for Guard<G> {
    type Target = G::Target;

    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut> DerefMut for Guard<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

/// Notes a level as held by this thread until dropped. The guards it
/// goes with cannot leave their thread, so neither does the note.
#[cfg(debug_assertions)]
struct Held(Level);

#[cfg(debug_assertions)]
thread_local! {
    static HELD: std::cell::RefCell<Vec<Level>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(debug_assertions)]
impl Held {
    fn take(level: Level) -> Held {
        HELD.with_borrow_mut(|held| {
            if let Some(later) = held.iter().find(|h| **h > level) {
                panic!("lock order: {level:?} taken while {later:?} is held; see locks::Level");
            }
            held.push(level);
        });
        Held(level)
    }
}

#[cfg(debug_assertions)]
impl Drop for Held {
    fn drop(&mut self) {
        HELD.with_borrow_mut(|held| {
            if let Some(i) = held.iter().rposition(|h| *h == self.0) {
                held.remove(i);
            }
        });
    }
}

#[cfg(not(debug_assertions))]
struct Held;

#[cfg(not(debug_assertions))]
impl Held {
    #[inline(always)]
    fn take(_: Level) -> Held {
        Held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_taken_in_order_are_fine_in_any_drop_order() {
        let commands = OrderedMutex::new(Level::Commands, 1);
        let fleet = OrderedRwLock::new(Level::Fleet, 2);
        let compliance = OrderedRwLock::new(Level::Compliance, 3);
        let c = commands.lock();
        let f = fleet.read();
        let k = compliance.write();
        assert_eq!(*c + *f + *k, 6);
        drop(c);
        drop(k);
        drop(f);
        // All released: any order is possible again.
        let _k = compliance.read();
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "lock order: Commands taken while Fleet is held")]
    fn a_lock_taken_out_of_order_is_caught() {
        let commands = OrderedMutex::new(Level::Commands, ());
        let fleet = OrderedRwLock::new(Level::Fleet, ());
        let _f = fleet.write();
        let _c = commands.lock();
    }
}
