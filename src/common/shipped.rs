//! The declarations shipped with `mos` (`data/force.toml`, `data/sources/`),
//! built into the binary so that it works from any folder; a project's own
//! files take their place (see [`crate::ingest::declared`]).

/// Every shipped file under `data/`, as (path from the project root, text), in path order.
pub const DATA_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shipped_data.rs"));

/// The text of a shipped file, by its path from the project root.
pub fn file(path: &str) -> Option<&'static str> {
    DATA_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}
