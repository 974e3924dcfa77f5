//! What a snapshot renders (pages, charts, workbooks), kept for its life but
//! bounded in bytes: the least recently used goes first. Each entry is made
//! once: requests for one being made wait for it rather than make it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A rendering and its size in bytes.
pub trait Weighed: Clone {
    fn bytes(&self) -> usize;
}

impl Weighed for Arc<[u8]> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

impl Weighed for Arc<str> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

/// A value once made (`None` when making it failed: not tried again).
type Cell<V> = Arc<OnceLock<Option<V>>>;

pub struct Cache<V> {
    limit: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    entries: HashMap<String, Entry<V>>,
    bytes: usize,
    clock: u64,
}

struct Entry<V> {
    cell: Cell<V>,
    bytes: usize,
    used: u64,
}

impl<V: Weighed> Cache<V> {
    /// A cache of at most `limit` bytes (an entry larger than that is still
    /// kept, alone).
    pub fn new(limit: usize) -> Self {
        Cache {
            limit,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                bytes: 0,
                clock: 0,
            }),
        }
    }

    /// The value under `key`, if it has been made.
    pub fn get(&self, key: &str) -> Option<V> {
        let mut inner = self.inner.lock().expect("cache lock");
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(key)?;
        let value = entry.cell.get()?.clone()?;
        entry.used = now;
        Some(value)
    }

    /// The value under `key`, made by `make` the first time. Blocks while
    /// another thread makes it: call from a blocking thread where making is slow.
    pub fn get_or_make(&self, key: &str, make: impl FnOnce() -> Option<V>) -> Option<V> {
        let cell = {
            let mut inner = self.inner.lock().expect("cache lock");
            inner.clock += 1;
            let now = inner.clock;
            let entry = inner
                .entries
                .entry(key.to_string())
                .or_insert_with(|| Entry {
                    cell: Arc::default(),
                    bytes: 0,
                    used: now,
                });
            entry.used = now;
            entry.cell.clone()
        };
        let mut made_here = false;
        let value = cell
            .get_or_init(|| {
                made_here = true;
                make()
            })
            .clone();
        if made_here {
            let bytes = value.as_ref().map_or(0, Weighed::bytes);
            let mut inner = self.inner.lock().expect("cache lock");
            if let Some(entry) = inner.entries.get_mut(key)
                && Arc::ptr_eq(&entry.cell, &cell)
            {
                entry.bytes = bytes;
                inner.bytes += bytes;
            }
            inner.evict(self.limit, key);
        }
        value
    }

    /// The bytes held now.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.inner.lock().expect("cache lock").bytes
    }
}

impl<V> Inner<V> {
    /// Drops the least recently used entries made (never `keep`) until the
    /// cache is within `limit`.
    fn evict(&mut self, limit: usize, keep: &str) {
        while self.bytes > limit {
            let oldest = self
                .entries
                .iter()
                .filter(|(key, entry)| key.as_str() != keep && entry.cell.get().is_some())
                .min_by_key(|(_, entry)| entry.used)
                .map(|(key, _)| key.clone());
            let Some(oldest) = oldest else { break };
            if let Some(entry) = self.entries.remove(&oldest) {
                self.bytes -= entry.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Option<Arc<[u8]>> {
        Some(vec![0u8; n].into())
    }

    #[test]
    fn bounded_in_bytes_the_least_recently_used_going_first() {
        let cache: Cache<Arc<[u8]>> = Cache::new(100);
        cache.get_or_make("a", || bytes(40));
        cache.get_or_make("b", || bytes(40));
        assert!(cache.get("a").is_some(), "a is used again: b is the older");
        cache.get_or_make("c", || bytes(40));
        assert!(cache.bytes() <= 100);
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        // A thousand different keys never hold more than the limit.
        for i in 0..1000 {
            cache.get_or_make(&format!("k{i}"), || bytes(30));
            assert!(cache.bytes() <= 100, "{}", cache.bytes());
        }
    }

    #[test]
    fn made_once_while_others_wait() {
        let cache: Arc<Cache<Arc<[u8]>>> = Arc::new(Cache::new(1 << 20));
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, made) = (cache.clone(), made.clone());
                std::thread::spawn(move || {
                    cache.get_or_make("chart", || {
                        made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        bytes(10)
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap().len(), 10);
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
