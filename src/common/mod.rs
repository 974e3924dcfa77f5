//! What every layer may use and none owns: periods (months, quarters,
//! financial years), bit and hash-sort helpers for the hot paths, private atomic writes, diagnostics that point into a
//! file (with did-you-mean), digests, the columns an SQL condition names, and
//! the files shipped inside the binary.

pub mod atomic;
pub mod bits;
pub mod diagnostic;
pub mod digest;
pub mod hash_sort;
pub mod intern;
pub mod period;
pub mod shipped;
pub mod spreadsheet_safe;
pub mod sql;

pub use diagnostic::{Diagnostic, SourceText, did_you_mean, render_all};
pub use digest::{hex, sha256_hex};
pub use intern::{interned, is_id};

/// `victim_based` → "Victim based": an identifier as a reader would write it.
pub fn humanise(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// Text from an extract as a terminal may show it: control characters (a
/// terminal's escape sequences among them) are written as `\u{1b}` and the
/// like, so that a value can neither move the cursor nor recolour the screen.
pub fn printable(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            super::printable("Fenland\u{1b}[2J\u{7}ñ"),
            "Fenland\\u{1b}[2J\\u{7}ñ"
        );
    }
}
