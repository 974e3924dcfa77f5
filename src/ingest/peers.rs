//! Most similar groups: the force a dashboard is for, and the groups of forces
//! it is compared with, declared in `peer_groups.toml` beside the multi-force
//! extracts (police.uk files of every force, and `force_population.csv`).
//! Forces are named as police.uk's `Falls within` names them.
//!
//! ```toml
//! force = "Northshire Police"
//! [groups.most_similar]
//! title = "Most similar group"
//! forces = ["Bedfordshire Police", "Hertfordshire Constabulary"]
//! ```

use crate::common::{Diagnostic, SourceText};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

pub const FILE: &str = "peer_groups.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeerGroups {
    force: Spanned<String>,
    groups: BTreeMap<String, Spanned<RawGroup>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    title: String,
    forces: Vec<String>,
}

/// The home force and its peer groups.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerGroups {
    pub force: String,
    pub groups: BTreeMap<String, PeerGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeerGroup {
    /// "Most similar group"
    pub title: String,
    /// The peers, the home force left out.
    pub forces: Vec<String>,
}

/// Reads `peer_groups.toml` from `dir`; `None` when there is none.
pub fn load(dir: &Path) -> Result<Option<PeerGroups>, Box<Diagnostic>> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Box::new(Diagnostic::whole_file(&path, e.to_string()))),
    };
    let file = SourceText { path, text };
    let raw: RawPeerGroups = toml::from_str(&file.text).map_err(|e| {
        Box::new(
            Diagnostic::at(
                &file,
                e.span().unwrap_or(0..0),
                format!("in peer groups: {}", e.message().trim()),
            )
            .with_help(
                "see the README: `force = \"...\"`, then `[groups.NAME]` with `title` and `forces`",
            ),
        )
    })?;
    let force = raw.force.get_ref().trim().to_string();
    let mut groups = BTreeMap::new();
    for (name, spanned) in raw.groups {
        let group = spanned.get_ref();
        let forces: Vec<String> = group
            .forces
            .iter()
            .map(|f| f.trim().to_string())
            .filter(|f| *f != force)
            .collect();
        if forces.is_empty() {
            return Err(Box::new(Diagnostic::at(
                &file,
                spanned.span(),
                format!("peer group `{name}` has no forces besides {force}"),
            )));
        }
        groups.insert(
            name,
            PeerGroup {
                title: group.title.trim().to_string(),
                forces,
            },
        );
    }
    Ok(Some(PeerGroups { force, groups }))
}
