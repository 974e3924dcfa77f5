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
pub mod language;
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

/// A number as people write it, grouped in thousands with commas, to
/// `decimals` places: "15,770", "870,000", "1,234.57".
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    // No "-0": a negative that rounds to nothing is nothing.
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    let digits = whole.bytes().all(|b| b.is_ascii_digit());
    for (i, c) in whole.chars().enumerate() {
        if digits && i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(grouped(15770.0, 0), "15,770");
        assert_eq!(grouped(870000.0, 0), "870,000");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1234.567, 2), "1,234.57");
        assert_eq!(grouped(-2500.0, 0), "-2,500");
        assert_eq!(grouped(-0.004, 2), "0.00");
        assert_eq!(grouped(1_000_000.5, 1), "1,000,000.5");
        assert_eq!(grouped(f64::NAN, 0), "NaN");
    }
}
