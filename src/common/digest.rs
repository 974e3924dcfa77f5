//! SHA-256 digests, as provenance and manifests record them.

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, in lower-case hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hexadecimal of a digest.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest
        .iter()
        .fold(String::with_capacity(digest.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// What computed the figures: `mos 0.1.0`, and the fingerprint of its code
/// and locked dependencies (made by `build.rs`), which kept work and snapshots
/// are keyed on.
pub fn engine_version() -> String {
    format!("mos {VERSION}")
}

/// This build's version, as packs and snapshots name it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const CODE_FINGERPRINT: &str = env!("MOS_CODE_FINGERPRINT");
