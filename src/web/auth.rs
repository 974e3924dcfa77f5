//! Access: restricted measures and analyst views need a token. Tokens are
//! configured as SHA-256 hashes, one per line (`name sha256hex`), so the file
//! itself grants nothing if read; it is read again when it changes, and a
//! token taken out of it stops working at once.
//!
//! Signing in with a token starts a server-side session: the cookie holds a
//! random id that means nothing elsewhere, expires after [`SESSION_HOURS`],
//! and signing out ends it on the server. Sessions are a table in memory (a
//! restart signs everyone out), looked up synchronously by every handler as
//! the token was. Failed sign-ins are throttled per client.

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

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

/// The session cookie's name.
pub const COOKIE: &str = "mos_session";
/// How long a session lasts from sign-in.
pub const SESSION_HOURS: u64 = 8;
/// Failed sign-ins a client may make in [`FAILURE_WINDOW`] before it must wait.
pub const MAX_FAILURES: u32 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    #[error("cannot read the tokens file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", .path.display())]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// A token as `mos token-hash` accepts it: long, and printable ASCII without
/// spaces, so that it travels in an `Authorization` header as typed.
pub fn check_token_text(token: &str) -> Result<(), String> {
    if token.len() < 16 {
        return Err("a token should be a long random secret (16 characters or more)".into());
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "a token must be printable ASCII with no spaces (letters, digits, punctuation): it is sent in a header as typed"
                .into(),
        );
    }
    Ok(())
}

pub fn hash_token(token: &str) -> String {
    crate::common::sha256_hex(token.as_bytes())
}

/// The hashes of a tokens file, each `(name, sha256 hex)`; a line that is not
/// `name sha256hex` (a raw token, say) is an error naming it.
fn parse_tokens(path: &Path, text: &str) -> Result<Vec<(String, String)>, TokensError> {
    let mut hashes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line
            .rsplit_once(char::is_whitespace)
            .and_then(|(name, hash)| {
                let hash = hash.trim().to_ascii_lowercase();
                (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
                    .then(|| (name.trim().to_string(), hash))
            });
        match parsed {
            Some(entry) => hashes.push(entry),
            None => {
                let message = if line.split_whitespace().count() == 1 {
                    "this looks like a token itself; the file holds hashes only, `name sha256hex` (make a line with `mos token-hash NAME TOKEN`)"
                } else {
                    "expected `name sha256hex` (make a line with `mos token-hash NAME TOKEN`)"
                };
                return Err(TokensError::Line {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: message.into(),
                });
            }
        }
    }
    Ok(hashes)
}

struct Session {
    name: String,
    token_hash: String,
    expires: Instant,
}

/// What a sign-in came to.
pub enum SignIn {
    /// Signed in: the session cookie's value.
    Started(String),
    Refused,
    /// Too many failures from this client: try again after this long.
    Throttled(Duration),
}

#[derive(Default)]
pub struct TokenStore {
    /// The file the hashes were read from and its time of change, to read it
    /// again when it changes.
    file: Option<(PathBuf, Mutex<Option<SystemTime>>)>,
    /// (name, sha256 hex) of each token.
    hashes: RwLock<Vec<(String, String)>>,
    sessions: Mutex<HashMap<String, Session>>,
    /// Per client: when its current window of failures began, and how many.
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

/// The tokens file's text. Only a regular file is read: a FIFO or a device
/// put in its place would block the reading thread for ever.
fn read_tokens_file(path: &Path) -> Result<String, TokensError> {
    let error = |source| TokensError::Io {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(error)?;
    if !metadata.is_file() {
        return Err(error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    std::fs::read_to_string(path).map_err(error)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl TokenStore {
    pub fn read(path: &Path) -> Result<TokenStore, TokensError> {
        let stamp = modified(path);
        let text = read_tokens_file(path)?;
        Ok(TokenStore {
            file: Some((path.to_path_buf(), Mutex::new(stamp))),
            hashes: RwLock::new(parse_tokens(path, &text)?),
            ..TokenStore::default()
        })
    }

    pub fn from_hashes(hashes: Vec<(String, String)>) -> TokenStore {
        TokenStore {
            hashes: RwLock::new(hashes),
            ..TokenStore::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.read().expect("tokens lock").is_empty()
    }

    /// Reads the tokens file again if it changed since it was read: `None`
    /// when it did not, else whether it read. A file that cannot be read (a
    /// bad line, removed, not a regular file) means no analyst tokens at all
    /// until it can: a revocation never fails open.
    pub fn reread_if_changed(&self) -> Option<Result<(), TokensError>> {
        let (path, stamp) = self.file.as_ref()?;
        let now = modified(path);
        let mut stamp = stamp.lock().expect("tokens stamp lock");
        if *stamp == now {
            return None;
        }
        *stamp = now;
        let read = read_tokens_file(path).and_then(|text| parse_tokens(path, &text));
        let mut hashes = self.hashes.write().expect("tokens lock");
        Some(match read {
            Ok(read) => {
                *hashes = read;
                Ok(())
            }
            Err(e) => {
                hashes.clear();
                Err(e)
            }
        })
    }

    /// The viewer a request makes: by `Authorization: Bearer` token, or by its
    /// session cookie.
    pub fn viewer(&self, headers: &HeaderMap) -> Viewer {
        match bearer(headers) {
            Some(token) => self.check(token),
            None => match session_id(headers) {
                Some(id) => self.session_viewer(id),
                None => Viewer::Public,
            },
        }
    }

    /// As [`TokenStore::viewer`], but a wrong bearer token counts as a failed
    /// sign-in of `client`, and a client that has failed too often lately
    /// must wait (`Err` says how long) before any bearer token is tried.
    pub fn viewer_of(&self, headers: &HeaderMap, client: &str) -> Result<Viewer, Duration> {
        let Some(token) = bearer(headers) else {
            return Ok(self.viewer(headers));
        };
        if let Some(wait) = self.must_wait(client) {
            return Err(wait);
        }
        let viewer = self.check(token);
        if viewer == Viewer::Public {
            self.failed(client);
        }
        Ok(viewer)
    }

    /// How long `client` must wait before its next try, if it must.
    fn must_wait(&self, client: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("failures lock");
        failures.retain(|_, (since, _)| now.duration_since(*since) < FAILURE_WINDOW);
        let (since, count) = failures.get(client)?;
        (*count >= MAX_FAILURES).then(|| FAILURE_WINDOW - now.duration_since(*since))
    }

    fn failed(&self, client: &str) {
        let mut failures = self.failures.lock().expect("failures lock");
        failures
            .entry(client.to_string())
            .or_insert((Instant::now(), 0))
            .1 += 1;
    }

    pub fn check(&self, token: &str) -> Viewer {
        match self.name_of(&hash_token(token)) {
            Some(name) => Viewer::Analyst(name),
            None => Viewer::Public,
        }
    }

    /// The name of the configured token with this hash.
    fn name_of(&self, hash: &str) -> Option<String> {
        self.hashes
            .read()
            .expect("tokens lock")
            .iter()
            .find(|(_, h)| constant_time_eq(h.as_bytes(), hash.as_bytes()))
            .map(|(name, _)| name.clone())
    }

    /// A session's viewer: while it lasts, and while its token is configured.
    fn session_viewer(&self, id: &str) -> Viewer {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let Some(session) = sessions.get(id) else {
            return Viewer::Public;
        };
        if session.expires <= Instant::now() || self.name_of(&session.token_hash).is_none() {
            sessions.remove(id);
            return Viewer::Public;
        }
        Viewer::Analyst(session.name.clone())
    }

    /// Signs `client` in with `token`, unless it has failed too often lately.
    pub fn sign_in(&self, token: &str, client: &str) -> SignIn {
        if let Some(wait) = self.must_wait(client) {
            return SignIn::Throttled(wait);
        }
        let now = Instant::now();
        let hash = hash_token(token);
        let Some(name) = self.name_of(&hash) else {
            self.failed(client);
            return SignIn::Refused;
        };
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system's random numbers");
        let id = crate::common::hex(&bytes);
        let mut sessions = self.sessions.lock().expect("sessions lock");
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            id.clone(),
            Session {
                name,
                token_hash: hash,
                expires: now + Duration::from_secs(SESSION_HOURS * 3600),
            },
        );
        SignIn::Started(id)
    }

    /// The token a signed-in browser's forms carry against cross-site
    /// requests: derived from its session id, which no other site can read
    /// (the cookie is HttpOnly and SameSite=Strict); `None` without a live
    /// session.
    pub fn form_token(&self, headers: &HeaderMap) -> Option<String> {
        let id = session_id(headers)?;
        self.session_viewer(id)
            .is_analyst()
            .then(|| crate::common::sha256_hex(format!("form {id}").as_bytes()))
    }

    /// Whether `token` is the request's session's form token.
    pub fn form_token_matches(&self, headers: &HeaderMap, token: &str) -> bool {
        self.form_token(headers)
            .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
    }

    /// Ends the request's session, if it has one.
    pub fn sign_out(&self, headers: &HeaderMap) {
        if let Some(id) = session_id(headers) {
            self.sessions.lock().expect("sessions lock").remove(id);
        }
    }
}

/// The token of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            format!("theme=dark; {COOKIE}={id}").parse().unwrap(),
        );
        headers
    }

    #[test]
    fn a_bearer_token_is_checked_by_hash() {
        let store =
            TokenStore::from_hashes(vec![("analyst".into(), hash_token("s3cret-s3cret-s3cret"))]);
        let mut headers = HeaderMap::new();
        assert_eq!(store.viewer(&headers), Viewer::Public);
        headers.insert(
            "authorization",
            "Bearer s3cret-s3cret-s3cret".parse().unwrap(),
        );
        assert_eq!(store.viewer(&headers), Viewer::Analyst("analyst".into()));
        headers.insert("authorization", "Bearer wrong".parse().unwrap());
        assert_eq!(store.viewer(&headers), Viewer::Public);
    }

    #[test]
    fn a_session_lasts_until_sign_out_and_the_cookie_is_no_token() {
        let store =
            TokenStore::from_hashes(vec![("analyst".into(), hash_token("s3cret-s3cret-s3cret"))]);
        let SignIn::Started(id) = store.sign_in("s3cret-s3cret-s3cret", "here") else {
            panic!("signs in")
        };
        assert_ne!(id, "s3cret-s3cret-s3cret");
        assert_eq!(id.len(), 64);
        assert!(store.viewer(&cookie(&id)).is_analyst());
        // The token itself in the cookie is nothing.
        assert_eq!(
            store.viewer(&cookie("s3cret-s3cret-s3cret")),
            Viewer::Public
        );
        store.sign_out(&cookie(&id));
        assert_eq!(
            store.viewer(&cookie(&id)),
            Viewer::Public,
            "ended on the server"
        );
    }

    #[test]
    fn failed_sign_ins_are_throttled_per_client() {
        let store =
            TokenStore::from_hashes(vec![("analyst".into(), hash_token("s3cret-s3cret-s3cret"))]);
        for _ in 0..MAX_FAILURES {
            assert!(matches!(
                store.sign_in("guess-guess-guess", "attacker"),
                SignIn::Refused
            ));
        }
        // Even the right token waits now, from that client; others are not held up.
        assert!(matches!(
            store.sign_in("s3cret-s3cret-s3cret", "attacker"),
            SignIn::Throttled(_)
        ));
        assert!(matches!(
            store.sign_in("s3cret-s3cret-s3cret", "analyst"),
            SignIn::Started(_)
        ));
    }

    /// Sets a file's time of change well after now, however coarse the file
    /// system's clock, so that the store sees a change.
    fn touch_later(path: &Path, seconds: u64) {
        let later = SystemTime::now() + Duration::from_secs(seconds);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(later)
            .unwrap();
    }

    /// A tokens file in `dir` with one analyst's line, read, and a session
    /// of theirs: the file, the line, the store and the session's id.
    fn signed_in(dir: &Path) -> (PathBuf, String, TokenStore, String) {
        let path = dir.join("tokens");
        let line = format!("analyst {}\n", hash_token("s3cret-s3cret-s3cret"));
        std::fs::write(&path, &line).unwrap();
        let store = TokenStore::read(&path).unwrap();
        let SignIn::Started(id) = store.sign_in("s3cret-s3cret-s3cret", "here") else {
            panic!("signs in")
        };
        (path, line, store, id)
    }

    #[test]
    fn a_tokens_file_that_cannot_be_read_means_no_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let (path, line, store, id) = signed_in(dir.path());
        let bearer = |token: &str| {
            let mut headers = HeaderMap::new();
            let value = format!("Bearer {token}");
            headers.insert(axum::http::header::AUTHORIZATION, value.parse().unwrap());
            headers
        };
        // A malformed line added: the file is refused, and with it every token.
        std::fs::write(&path, format!("{line}pasted-raw-token-here\n")).unwrap();
        touch_later(&path, 5);
        assert!(store.reread_if_changed().unwrap().is_err());
        assert_eq!(store.viewer(&cookie(&id)), Viewer::Public);
        assert_eq!(
            store.viewer(&bearer("s3cret-s3cret-s3cret")),
            Viewer::Public
        );
        // Mended: the token works again.
        std::fs::write(&path, &line).unwrap();
        touch_later(&path, 10);
        assert!(store.reread_if_changed().unwrap().is_ok());
        assert_ne!(
            store.viewer(&bearer("s3cret-s3cret-s3cret")),
            Viewer::Public
        );
        // Removed: no tokens.
        std::fs::remove_file(&path).unwrap();
        assert!(store.reread_if_changed().unwrap().is_err());
        assert_eq!(
            store.viewer(&bearer("s3cret-s3cret-s3cret")),
            Viewer::Public
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_the_tokens_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        let line = format!("analyst {}\n", hash_token("s3cret-s3cret-s3cret"));
        std::fs::write(&path, &line).unwrap();
        let store = std::sync::Arc::new(TokenStore::read(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(TokenStore::read(&path).is_err(), "refused at start too");
        let (sender, receiver) = std::sync::mpsc::channel();
        let reading = store.clone();
        std::thread::spawn(move || sender.send(reading.reread_if_changed().map(|r| r.is_err())));
        let answer = receiver.recv_timeout(Duration::from_secs(10));
        assert_eq!(answer, Ok(Some(true)), "refused at once, not read");
        assert!(store.is_empty());
    }

    #[test]
    fn a_token_taken_out_of_the_file_ends_its_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _, store, id) = signed_in(dir.path());
        assert!(store.reread_if_changed().is_none(), "unchanged");
        std::fs::write(&path, "# revoked\n").unwrap();
        // A new time of change, however coarse the file system's clock.
        let later = SystemTime::now() + Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(store.reread_if_changed().unwrap().is_ok());
        assert_eq!(store.viewer(&cookie(&id)), Viewer::Public);
    }

    #[test]
    fn a_tokens_file_of_raw_tokens_is_an_error_naming_the_line() {
        let path = Path::new("tokens.txt");
        let err = parse_tokens(path, "# analysts\nmy-raw-secret-token-123\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("tokens.txt:2: this looks like a token itself"),
            "{err}"
        );
        assert!(check_token_text("ünïcödé-tøken-123456").is_err());
        assert!(check_token_text("with space in it 12345").is_err());
        assert!(check_token_text("Good-Token_0123456789").is_ok());
    }
}
