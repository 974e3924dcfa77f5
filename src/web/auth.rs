//! Access: restricted measures and analyst views need a token. Tokens are
//! configured as SHA-256 hashes, one per line (`name sha256hex`), so the file
//! itself grants nothing if read.

use axum::http::HeaderMap;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    /// (name, sha256 hex) of each token.
    hashes: Vec<(String, String)>,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Public,
    /// Signed in with a configured token: sees restricted measures and analyst views.
    Analyst(String),
}

impl Viewer {
    pub fn is_analyst(&self) -> bool {
        matches!(self, Viewer::Analyst(_))
    }
}

pub const COOKIE: &str = "mos_token";

impl TokenStore {
    pub fn read(path: &Path) -> std::io::Result<TokenStore> {
        let text = std::fs::read_to_string(path)?;
        let hashes = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (name, hash) = l.rsplit_once(char::is_whitespace)?;
                let hash = hash.trim().to_ascii_lowercase();
                (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
                    .then(|| (name.trim().to_string(), hash))
            })
            .collect();
        Ok(TokenStore { hashes })
    }

    pub fn from_hashes(hashes: Vec<(String, String)>) -> TokenStore {
        TokenStore { hashes }
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The viewer a token (from `Authorization: Bearer` or the sign-in cookie) makes.
    pub fn viewer(&self, headers: &HeaderMap) -> Viewer {
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let cookie = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")))
            .next();
        match bearer.or(cookie) {
            Some(token) => self.check(token),
            None => Viewer::Public,
        }
    }

    pub fn check(&self, token: &str) -> Viewer {
        let hash = hash_token(token);
        self.hashes
            .iter()
            .find(|(_, h)| constant_time_eq(h.as_bytes(), hash.as_bytes()))
            .map_or(Viewer::Public, |(name, _)| Viewer::Analyst(name.clone()))
    }
}

pub fn hash_token(token: &str) -> String {
    crate::definition::sha256_hex(token.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_hash_from_header_or_cookie() {
        let store = TokenStore::from_hashes(vec![("analyst".into(), hash_token("s3cret"))]);
        let mut headers = HeaderMap::new();
        assert_eq!(store.viewer(&headers), Viewer::Public);
        headers.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert_eq!(store.viewer(&headers), Viewer::Analyst("analyst".into()));
        let mut cookie = HeaderMap::new();
        cookie.insert("cookie", "theme=dark; mos_token=s3cret".parse().unwrap());
        assert!(store.viewer(&cookie).is_analyst());
        cookie.insert("cookie", "mos_token=wrong".parse().unwrap());
        assert_eq!(store.viewer(&cookie), Viewer::Public);
    }
}
