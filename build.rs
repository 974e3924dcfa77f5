//! Builds the shipped project files (`data/`, `measures/` and `dashboards/`,
//! their TOML) into the binary, so that `mos` runs from any folder and `mos
//! init` can write them out, without a Rust list of their names; and
//! fingerprints the code that computes the figures.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    for folder in ["data", "measures", "dashboards"] {
        collect(&root, &root.join(folder), &mut files);
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (relative, absolute) in &files {
        out.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            absolute.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("shipped_files.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
    code_fingerprint(&root);
}

/// `MOS_CODE_FINGERPRINT`: a hash of the sources and the locked dependencies,
/// which (with the inputs) determine every figure. Kept work and snapshots are
/// keyed on it, so that a change to the counting code never reuses old tallies.
fn code_fingerprint(root: &Path) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut files = vec![root.join("Cargo.lock"), root.join("build.rs")];
    rust_files(&root.join("src"), &mut files);
    files.sort();
    println!(
        "cargo::rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    println!("cargo::rerun-if-changed={}", root.join("src").display());
    // Two SipHash states over the same bytes, differently started: 128 bits.
    let mut halves = [DefaultHasher::new(), DefaultHasher::new()];
    1u8.hash(&mut halves[1]);
    for file in &files {
        let relative = file.strip_prefix(root).expect("below the root");
        let bytes = std::fs::read(file).unwrap_or_default();
        for h in &mut halves {
            relative.hash(h);
            bytes.hash(h);
        }
    }
    println!(
        "cargo::rustc-env=MOS_CODE_FINGERPRINT={:016x}{:016x}",
        halves[0].finish(),
        halves[1].finish()
    );
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "css" || e == "js")
        {
            files.push(path);
        }
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    println!("cargo::rerun-if-changed={}", dir.display());
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let relative = path
                .strip_prefix(root)
                .expect("below the root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, path));
        }
    }
}
