//! A project's folders (`data/`, `measures/`, `dashboards/`), and starting a
//! new one for another force: `mos init DIR --force "Leicestershire Police"`.

use crate::ingest::declared::{FORCE_FILE, SOURCES_DIR};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "{} already holds a project ({} is there): choose an empty folder, or edit that project",
        .dir.display(), .found.display()
    )]
    NotEmpty { dir: PathBuf, found: PathBuf },
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a district needs a name made of letters or digits, not `{0}`")]
    BadDistrict(String),
    #[error(
        "--district {first:?} and --district {second:?} are both `{id}`: give each district once"
    )]
    RepeatedDistrict {
        first: String,
        second: String,
        id: String,
    },
    #[error(
        "the {what} {text:?} has a line break or control character: give it on one line, as pages print it"
    )]
    ControlCharacter { what: &'static str, text: String },
}

/// What a new project is for.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The force, as police.uk's "Falls within" spells it.
    pub force: String,
    /// The area shown on every page (default: the force's name).
    pub area: Option<String>,
    /// The districts' names, as people read them; three placeholders when none.
    pub districts: Vec<String>,
}

/// A district's id from its name: "King's Lynn & West Norfolk" → `kings_lynn_west_norfolk`.
pub fn district_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '&' || c == '_') && !id.ends_with('_') {
            id.push('_');
        }
    }
    let id = id.trim_matches('_').to_string();
    // An id starts with a letter.
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("d_{id}")
    } else {
        id
    }
}

/// Writes a project skeleton into `dir`: the force and its districts, the
/// shipped source declarations, measures and dashboards, and one measure test
/// on its own districts. Nothing of the demo force's places comes with them:
/// neither its measure tests nor its People's Priorities (Wisbech,
/// Peterborough), whose rows and filters name its districts and
/// neighbourhoods. Returns the files written.
pub fn init(dir: &Path, project: &NewProject) -> Result<Vec<PathBuf>, InitError> {
    for existing in [FORCE_FILE, "measures", "dashboards/plan.toml"] {
        let found = dir.join(existing);
        if found.exists() {
            return Err(InitError::NotEmpty {
                dir: dir.to_path_buf(),
                found,
            });
        }
    }
    let placeholders = ["North", "Central", "South"].map(String::from);
    let names = if project.districts.is_empty() {
        &placeholders[..]
    } else {
        &project.districts[..]
    };
    let named = [("force", &project.force)]
        .into_iter()
        .chain(project.area.iter().map(|a| ("area", a)))
        .chain(names.iter().map(|d| ("district", d)));
    for (what, text) in named {
        if text.chars().any(char::is_control) {
            return Err(InitError::ControlCharacter {
                what,
                text: text.clone(),
            });
        }
    }
    let mut ids: Vec<(String, &String)> = Vec::new();
    for name in names {
        let id = district_id(name);
        if id.is_empty() {
            return Err(InitError::BadDistrict(name.clone()));
        }
        if let Some((_, first)) = ids.iter().find(|(known, _)| *known == id) {
            return Err(InitError::RepeatedDistrict {
                first: (*first).clone(),
                second: name.clone(),
                id,
            });
        }
        ids.push((id, name));
    }
    let mut force = format!(
        "# {force}: the force whose Plan this is, named as police.uk's \"Falls within\"\n\
         # names it. List every district (community safety partnership area) as a\n\
         # [[districts]] table: `id` is how measures and results write it, `name` how\n\
         # people read it; `aliases` are other spellings in the force's exports.\n\
         name = {name}\narea = {area}\n",
        force = project.force,
        name = toml_string(&project.force),
        area = toml_string(project.area.as_deref().unwrap_or(&project.force)),
    );
    for (id, name) in &ids {
        force.push_str(&format!(
            "\n[[districts]]\nid = {}\nname = {}\n# ons_code = \"E07000000\"\n# aliases = []\n",
            toml_string(id),
            toml_string(name)
        ));
    }
    let mut files = vec![
        (PathBuf::from(FORCE_FILE), force),
        (
            PathBuf::from("measures/tests/domestic_abuse_crimes.toml"),
            example_test(&ids[0].0, &ids[ids.len().min(2) - 1].0),
        ),
    ];
    for (path, text) in crate::common::shipped::FILES {
        let demo_places =
            path.starts_with("measures/tests/") || path.starts_with("measures/priorities/");
        let keep = path.starts_with(&format!("{SOURCES_DIR}/"))
            || path.starts_with("dashboards/")
            || (path.starts_with("measures/") && !demo_places);
        if keep {
            files.push((PathBuf::from(path), text.to_string()));
        }
    }
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = dir.join(relative);
        let io = |source| InitError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// A measure test on the new force's own districts, for `mos test` to run and
/// an analyst to copy: only flagged crimes count, each in its own district.
fn example_test(first: &str, second: &str) -> String {
    format!(
        "# An example measure test (see the README, \"Measure tests\"): with these\n\
         # three crimes, December has two domestic abuse crimes; the crime not\n\
         # flagged does not count, and each counts in its own district.\n\
         measure = \"domestic_abuse_crimes\"\n\
         about = \"only flagged crimes count, in the month and district recorded\"\n\
         \n\
         [extracts]\n\
         crimes = \"\"\"\n\
         recorded_date,district,domestic_abuse\n\
         2024-12-01,{first},true\n\
         2024-12-31,{second},true\n\
         2024-12-15,{second},false\n\
         \"\"\"\n\
         \n\
         [[expect]]\n\
         period = \"2024-12\"\n\
         value = 2\n\
         \n\
         [[expect]]\n\
         period = \"2024-12\"\n\
         breakdown = \"district\"\n\
         group = \"{second}\"\n\
         value = {in_second}\n",
        in_second = if first == second { 2 } else { 1 },
    )
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_ids_are_spelt_from_names() {
        assert_eq!(district_id("Melton"), "melton");
        assert_eq!(
            district_id("Hinckley and Bosworth"),
            "hinckley_and_bosworth"
        );
        assert_eq!(
            district_id("King's Lynn & West Norfolk"),
            "kings_lynn_west_norfolk"
        );
        assert_eq!(
            district_id(" North-West  Leicestershire "),
            "north_west_leicestershire"
        );
        assert_eq!(district_id("1st Ward"), "d_1st_ward");
        assert_eq!(district_id("!!"), "");
    }
}
