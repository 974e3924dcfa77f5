//! Alerts: `dashboards/alerts.toml` declares who hears about what. After each
//! evaluation `mos serve` finds the events (a new special cause at a measure's
//! latest point, a measure's grade changed, a scheduled pack failed) and sends
//! each to each channel that asked for it, once per measure, period and event,
//! remembered across restarts in the snapshots folder (`alerts.json`). A
//! channel not marked `restricted` never hears of a restricted measure, and no
//! channel is sent a withheld figure.
//!
//! ```toml
//! [[channel]]
//! name = "Performance team"
//! email = ["performance@example.police.uk"]   # SMTP from the environment (MOS_SMTP_*)
//! restricted = true                            # may hear of restricted measures
//! events = ["special_cause", "grade_change", "pack_failed"]
//!
//! [[channel]]
//! name = "Board channel"
//! webhook = "https://example.webhook.office.com/webhookb2/..."
//! format = "teams"                              # teams | slack | generic
//! events = ["grade_change"]
//! ```

use super::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const FILE: &str = "alerts.toml";
/// What has been sent, in the snapshots folder.
const SENT: &str = "alerts.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    SpecialCause,
    GradeChange,
    PackFailed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Generic,
    Teams,
    Slack,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub name: String,
    #[serde(default)]
    pub email: Vec<String>,
    pub webhook: Option<String>,
    #[serde(default)]
    pub format: Format,
    /// Whether it may hear of restricted measures.
    #[serde(default)]
    pub restricted: bool,
    pub events: Vec<EventKind>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsFile {
    #[serde(default, rename = "channel")]
    channels: Vec<Channel>,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("{0}")]
    Invalid(Box<crate::common::Diagnostic>),
}

/// The channels of `dir/alerts.toml`; none without the file.
pub fn load(dir: &Path) -> Result<Vec<Channel>, AlertsError> {
    let path = dir.join(FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let source = crate::common::SourceText {
        path: path.clone(),
        text,
    };
    let file: AlertsFile = toml::from_str(&source.text).map_err(|e| {
        AlertsError::Invalid(Box::new(crate::common::Diagnostic::of_toml(&source, &e)))
    })?;
    let invalid = |message: String, help: &str| {
        let mut d = crate::common::Diagnostic::whole_file(&path, message);
        d.help = Some(help.into());
        Err(AlertsError::Invalid(Box::new(d)))
    };
    for channel in &file.channels {
        let name = &channel.name;
        if channel.email.is_empty() && channel.webhook.is_none() {
            return invalid(
                format!("channel `{name}` has neither `email` nor `webhook`"),
                "add `email = [\"...\"]` or `webhook = \"https://...\"`",
            );
        }
        // Found by `mos check`, not when `serve` first has something to say.
        if let Some(address) = channel
            .email
            .iter()
            .find(|a| a.parse::<lettre::Address>().is_err())
        {
            return invalid(
                format!("channel `{name}`: `{address}` is not an email address"),
                "write each address as name@example.org",
            );
        }
        if let Some(url) = &channel.webhook
            && !is_web_address(url)
        {
            return invalid(
                format!("channel `{name}`: the webhook is not an http(s) address"),
                "write the webhook as https://host/path, as the service (Teams, Slack) gives it",
            );
        }
    }
    Ok(file.channels)
}

/// An `https://` (or `http://`) address with a host: the only webhooks sent to.
fn is_web_address(url: &str) -> bool {
    url.parse::<ureq::http::Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("https" | "http"))
            && uri.host().is_some_and(|h| !h.is_empty())
    })
}

/// Something that happened, as a channel is told of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    /// Once per measure (or schedule), period and event.
    pub key: String,
    /// The measure it is about, and whether that measure is restricted.
    pub measure: Option<(String, bool)>,
    pub period: String,
    pub message: String,
}

/// What has been sent (keys by channel) and each measure's last grade.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sent {
    sent: BTreeSet<String>,
    grades: BTreeMap<String, crate::definition::commentary::Grade>,
}

/// The alerts of one `mos serve`.
pub struct Alerts {
    channels: Vec<Channel>,
    state: std::sync::Mutex<Sent>,
    file: Option<PathBuf>,
}

impl Alerts {
    /// `snapshots` keeps what was sent across restarts.
    pub fn new(channels: Vec<Channel>, snapshots: Option<&Path>) -> Alerts {
        let file = snapshots.map(|d| d.join(SENT));
        let state = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Alerts {
            channels,
            state: std::sync::Mutex::new(state),
            file,
        }
    }

    /// The events an evaluation brings: special causes at the latest points,
    /// and grades changed since the last evaluation (the first only records them).
    pub fn events_of(&self, snapshot: &Snapshot) -> Vec<Event> {
        let mut events = Vec::new();
        if self.channels.is_empty() {
            return events;
        }
        let mut state = self.state.lock().expect("alerts lock");
        for result in &snapshot.evaluation.results {
            let m = &result.measure;
            let restricted = m.access != crate::definition::Access::Public;
            let Some(latest) = result.total().points.last() else {
                continue;
            };
            let period = m.period_label(latest.period);
            let value = match latest.figures.as_ref().and_then(|f| f.value) {
                Some(v) => m.format_value(v),
                None => crate::t!("alert-withheld"),
            };
            if let Some(signal) = latest.signal {
                events.push(Event {
                    kind: EventKind::SpecialCause,
                    key: format!("special_cause|{}|{}", m.id, latest.period.last),
                    measure: Some((m.id.clone(), restricted)),
                    period: period.clone(),
                    message: crate::t!(
                        "alert-special-cause",
                        title = m.title.as_str(),
                        signal = signal.as_str(),
                        period = period.as_str(),
                        value = value.as_str()
                    ),
                });
            }
            if let Some(graded) = snapshot.grades.get(&m.id) {
                let before = state.grades.insert(m.id.clone(), graded.grade);
                if let Some(before) = before.filter(|b| *b != graded.grade) {
                    events.push(Event {
                        kind: EventKind::GradeChange,
                        key: format!(
                            "grade_change|{}|{}|{:?}",
                            m.id, latest.period.last, graded.grade
                        ),
                        measure: Some((m.id.clone(), restricted)),
                        period: period.clone(),
                        message: crate::t!(
                            "alert-grade-change",
                            title = m.title.as_str(),
                            now = graded.grade.label().to_lowercase(),
                            was = before.label().to_lowercase(),
                            period = period.as_str(),
                            why = graded.why.as_str()
                        ),
                    });
                }
            }
        }
        events
    }

    /// Sends each event to each channel that asked for it and may hear it,
    /// once; remembers what was sent. A failed delivery is tried again with
    /// the next evaluation.
    pub async fn send(&self, events: Vec<Event>) {
        if self.channels.is_empty() {
            return;
        }
        for channel in &self.channels {
            for event in &events {
                if !channel.events.contains(&event.kind)
                    || event
                        .measure
                        .as_ref()
                        .is_some_and(|(_, r)| *r && !channel.restricted)
                {
                    continue;
                }
                let key = format!("{}|{}", channel.name, event.key);
                if self.state.lock().expect("alerts lock").sent.contains(&key) {
                    continue;
                }
                let (channel, event) = (channel.clone(), event.clone());
                let delivered = tokio::task::spawn_blocking(move || deliver(&channel, &event))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                match delivered {
                    Ok(()) => {
                        self.state.lock().expect("alerts lock").sent.insert(key);
                    }
                    Err(error) => {
                        tracing::error!(error = %error, "an alert was not sent; it is tried again after the next evaluation")
                    }
                }
            }
        }
        self.keep();
    }

    fn keep(&self) {
        let Some(file) = &self.file else { return };
        let bytes = serde_json::to_vec_pretty(&*self.state.lock().expect("alerts lock"))
            .expect("alert state serialises");
        if let Err(e) = crate::common::atomic::write_file(file, &bytes) {
            tracing::error!(error = %e, "what alerts were sent is not kept");
        }
    }
}

/// One event to one channel: by email (SMTP from the environment) and/or webhook.
fn deliver(channel: &Channel, event: &Event) -> Result<(), String> {
    if !channel.email.is_empty() {
        send_email(&channel.email, event)?;
    }
    if let Some(url) = &channel.webhook {
        let body = match channel.format {
            Format::Teams | Format::Slack => serde_json::json!({ "text": event.message }),
            Format::Generic => serde_json::json!({
                "event": event.kind,
                "measure": event.measure.as_ref().map(|(id, _)| id),
                "period": event.period,
                "message": event.message,
            }),
        };
        ureq::post(url).send_json(&body).map_err(|e| {
            // The address's path is the webhook's secret: logs name its host alone.
            let host = webhook_host(url);
            let error = e.to_string().replace(url.as_str(), &host);
            format!("webhook of `{}` at {host}: {error}", channel.name)
        })?;
    }
    Ok(())
}

/// The host of a webhook's address, without the path, query or user that
/// make it a secret.
fn webhook_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit('@').next().unwrap_or_default().to_string()
}

/// SMTP from `MOS_SMTP_HOST`, `MOS_SMTP_PORT`, `MOS_SMTP_TLS` (`starttls`, the
/// default; `tls`; or `none` for a relay on the same host), `MOS_SMTP_USER`,
/// `MOS_SMTP_PASSWORD` and `MOS_SMTP_FROM`.
fn send_email(to: &[String], event: &Event) -> Result<(), String> {
    use lettre::Transport;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let host = env("MOS_SMTP_HOST").ok_or("MOS_SMTP_HOST is not set: no email can be sent")?;
    let from = env("MOS_SMTP_FROM").unwrap_or_else(|| "mos@localhost".into());
    let mut message = lettre::Message::builder()
        .from(
            from.parse()
                .map_err(|e| format!("MOS_SMTP_FROM `{from}`: {e}"))?,
        )
        .subject(format!(
            "{}: {}",
            crate::t!("product-name"),
            event.message.split(':').next().unwrap_or("alert")
        ));
    for address in to {
        message = message.to(address.parse().map_err(|e| format!("`{address}`: {e}"))?);
    }
    let message = message
        .body(event.message.clone())
        .map_err(|e| e.to_string())?;
    let builder = match env("MOS_SMTP_TLS").as_deref().unwrap_or("starttls") {
        "none" => lettre::SmtpTransport::builder_dangerous(&host),
        "tls" => lettre::SmtpTransport::relay(&host).map_err(|e| e.to_string())?,
        _ => lettre::SmtpTransport::starttls_relay(&host).map_err(|e| e.to_string())?,
    };
    let mut builder = match env("MOS_SMTP_PORT").and_then(|p| p.parse().ok()) {
        Some(port) => builder.port(port),
        None => builder,
    };
    if let (Some(user), Some(password)) = (env("MOS_SMTP_USER"), env("MOS_SMTP_PASSWORD")) {
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user, password,
        ));
    }
    builder
        .build()
        .send(&message)
        .map(|_| ())
        .map_err(|e| format!("email to {}: {e}", to.join(", ")))
}

/// The event of a scheduled pack that failed.
pub fn pack_failed(schedule: &str, at: chrono::DateTime<chrono::Utc>, error: &str) -> Event {
    Event {
        kind: EventKind::PackFailed,
        key: format!("pack_failed|{schedule}|{}", at.to_rfc3339()),
        measure: None,
        period: String::new(),
        message: crate::t!("alert-pack-failed", schedule = schedule, error = error),
    }
}

#[cfg(test)]
mod webhook_tests {
    use super::*;

    #[test]
    fn a_failed_webhook_is_told_without_its_secret_address() {
        let url = "http://user:pass@127.0.0.1:9/webhookb2/SECRET-PATH?sig=SECRET-SIG";
        let channel = Channel {
            name: "Board channel".into(),
            email: Vec::new(),
            webhook: Some(url.into()),
            format: Format::Generic,
            restricted: false,
            events: vec![EventKind::GradeChange],
        };
        let event = Event {
            kind: EventKind::GradeChange,
            key: "k".into(),
            measure: None,
            period: "2026-03".into(),
            message: "a grade changed".into(),
        };
        let error = deliver(&channel, &event).unwrap_err();
        assert!(
            error.contains("Board channel") && error.contains("127.0.0.1:9"),
            "{error}"
        );
        assert!(
            !error.contains("SECRET") && !error.contains("pass"),
            "{error}"
        );
    }
}
