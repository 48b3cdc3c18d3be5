//! Reference-counted interning: each distinct value is kept once and named
//! by a 4-byte [`Sym`]. Patch items repeat the same Ids, titles and details
//! on thousands of nodes, so millions of items cost a few bytes each.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// The name of one interned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Sym(u32);

struct Slot<T> {
    value: Option<T>,
    refs: u32,
}

/// Values by [`Sym`], each held as long as something refers to it.
pub(crate) struct Pool<T> {
    ids: HashMap<T, Sym>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self {
            ids: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T: Hash + Eq + Clone> Pool<T> {
    /// The symbol of `key`, interned (as `make()`) if new; one more
    /// reference to it either way.
    pub fn intern<Q>(&mut self, key: &Q, make: impl FnOnce() -> T) -> Sym
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.intern_new(key, make).0
    }

    /// As [`Pool::intern`], and whether the value was new.
    pub fn intern_new<Q>(&mut self, key: &Q, make: impl FnOnce() -> T) -> (Sym, bool)
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(&sym) = self.ids.get(key) {
            self.slots[sym.0 as usize].refs += 1;
            return (sym, false);
        }
        let value = make();
        let slot = Slot {
            value: Some(value.clone()),
            refs: 1,
        };
        let sym = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                Sym(i)
            }
            None => {
                let i = u32::try_from(self.slots.len()).expect("fewer than 2^32 distinct values");
                self.slots.push(slot);
                Sym(i)
            }
        };
        self.ids.insert(value, sym);
        (sym, true)
    }

    /// One more reference to a symbol already held.
    pub fn retain(&mut self, sym: Sym) {
        self.slots[sym.0 as usize].refs += 1;
    }

    /// Drops one reference; returns the value when that was the last.
    pub fn release(&mut self, sym: Sym) -> Option<T> {
        let slot = &mut self.slots[sym.0 as usize];
        slot.refs -= 1;
        if slot.refs > 0 {
            return None;
        }
        let value = slot.value.take()?;
        self.ids.remove(&value);
        self.free.push(sym.0);
        Some(value)
    }

    pub fn get(&self, sym: Sym) -> &T {
        self.slots[sym.0 as usize]
            .value
            .as_ref()
            .expect("a held symbol has a value")
    }

    /// How many distinct values are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_value_lives_as_long_as_its_references() {
        let mut pool: Pool<Arc<str>> = Pool::default();
        let a = pool.intern("KB1", || Arc::from("KB1"));
        let b = pool.intern("KB1", || unreachable!("KB1 is interned"));
        assert_eq!(a, b);
        assert_eq!(&**pool.get(a), "KB1");
        assert!(pool.release(a).is_none());
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.release(b).as_deref(), Some("KB1"));
        assert_eq!(pool.len(), 0);
        // The slot is reused.
        let c = pool.intern("KB2", || Arc::from("KB2"));
        assert_eq!(c, a);
        assert_eq!(&**pool.get(c), "KB2");
    }
}
