//! Declarations made once: parsed and validated values kept for the life of
//! the process, and the spelling of ids that declarations share.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Values made from a declaration once for the life of the process, by a key
/// (its text): a reload of the same files makes nothing new, and the value is
/// borrowed as `&'static` (the reading hot path keeps plain slices). Only what
/// `make` accepts is kept.
pub fn interned<T: Send + Sync + 'static, E>(
    key: String,
    make: impl FnOnce() -> Result<T, E>,
) -> Result<&'static T, E> {
    type Made = HashMap<String, &'static (dyn std::any::Any + Send + Sync)>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = format!("{}:{key}", std::any::type_name::<T>());
    let value = match made.get(&key) {
        Some(&value) => value,
        None => {
            let value: &'static T = Box::leak(Box::new(make()?));
            made.insert(key, value);
            value
        }
    };
    Ok(value.downcast_ref::<T>().expect("the key names the type"))
}

/// Whether `text` is an id as declarations write them: lower case letters,
/// digits and underscores, starting with a letter.
pub fn is_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
