//! CSV cells a spreadsheet would run as a formula are made inert, as OWASP
//! advises for CSV injection: a cell that begins with `=`, `+`, `-`, `@`, a tab
//! or a carriage return gets a leading `'`, which spreadsheets show as text.
//! Only text taken from the data needs it (a group's name, a rejected value):
//! numbers written by `mos` stay numbers.

use std::borrow::Cow;

pub fn inert(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formula_openings_are_quoted_and_the_rest_is_untouched() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(cell), format!("'{cell}"));
        }
        for cell in ["fenland", "", "a=b", "Anti-social behaviour"] {
            assert_eq!(inert(cell), cell);
        }
    }
}
