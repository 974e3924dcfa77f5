//! Whole columns read as bits, a row each: for checks and filters done a batch
//! at a time rather than a row at a time.

use datafusion::arrow::array::{Array, BooleanArray};
use datafusion::arrow::buffer::BooleanBuffer;

/// Which of an array's rows hold a value.
pub fn present(array: &dyn Array) -> BooleanBuffer {
    match array.logical_nulls() {
        Some(nulls) => nulls.into_inner(),
        None => BooleanBuffer::new_set(array.len()),
    }
}

/// Which of a boolean array's rows are true (a null is not).
pub fn true_rows(booleans: &BooleanArray) -> BooleanBuffer {
    match booleans.nulls() {
        Some(nulls) => booleans.values() & nulls.inner(),
        None => booleans.values().clone(),
    }
}
