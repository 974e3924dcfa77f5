//! The project files shipped with `mos` (`data/`, `measures/`, `dashboards/`),
//! built into the binary so that it works from any folder and `mos init` can
//! write them out; a project's own files take their place.

/// Every shipped file, as (path from the project root, text), in path order.
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shipped_files.rs"));

/// The text of a shipped file, by its path from the project root.
pub fn file(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The shipped files below `folder` (a path from the project root), at any depth.
pub fn under(folder: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    FILES.iter().copied().filter(move |(p, _)| {
        p.strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}
