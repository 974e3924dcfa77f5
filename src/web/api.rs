//! The JSON API: the same aggregates as the pages, suppression applied.

use super::Viewing;
use super::pages::can_see;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Why the API does not answer as asked: the one error of its handlers,
/// said as JSON with its status.
pub enum ApiError {
    NoSuchMeasure,
    Restricted,
    /// For analysts only (reloading).
    AnalystsOnly,
    /// The re-evaluation failed; the last good results stay.
    ReloadFailed(crate::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::NoSuchMeasure => {
                (StatusCode::NOT_FOUND, json!({ "error": "no such measure" }))
            }
            ApiError::Restricted => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "this measure is restricted: send an analyst's token as `Authorization: Bearer <token>`" }),
            ),
            ApiError::AnalystsOnly => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "reloading needs an analyst's token" }),
            ),
            ApiError::ReloadFailed(error) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "reloaded": false, "error": error.to_string(), "kept": "the last good results" }),
            ),
        };
        (status, Json(body)).into_response()
    }
}

fn measure_summary(measure: &crate::definition::Measure, snapshot: &super::Snapshot) -> Value {
    let reading = snapshot.readings.get(&measure.id);
    json!({
        "id": measure.id,
        "title": measure.title,
        "description": measure.description,
        // A People's Priority is in no objective of the Plan.
        "objective": (measure.objective > 0).then_some(measure.objective),
        "priority": measure.priority,
        "theme": measure.theme,
        "access": measure.access,
        "source": measure.source,
        "kind": measure.kind.name(),
        "percentile": measure.kind.percentile(),
        "unit": measure.unit,
        "polarity": measure.polarity,
        // The target that grades it, as it stands at the latest figures; each
        // target, and its values over time, in `targets`.
        "target": reading.and_then(|r| r.targets.iter().find(|t| t.grades)).map(|t| t.value),
        "targets": measure.targets.iter().map(|t| serde_json::json!({
            "name": t.name,
            "grades": t.grades,
            "values": t.steps.iter().map(|(from, value)| serde_json::json!({
                "from": from.map(|m| m.to_string()),
                "value": value,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "spc_chart": measure.spc().map(|s| s.chart),
        "breakdowns": measure.breakdowns.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        "reading": reading,
        "grade": snapshot.grades.get(&measure.id),
    })
}

pub async fn measures(
    Viewing {
        snapshot, viewer, ..
    }: Viewing,
) -> Response {
    let list: Vec<Value> = snapshot
        .measures
        .measures
        .iter()
        .filter(|m| can_see(&viewer, m))
        .map(|m| measure_summary(m, &snapshot))
        .collect();
    Json(json!({ "evaluated_at": snapshot.evaluation.evaluated_at.to_rfc3339(), "measures": list }))
        .into_response()
}

/// `?funnel=YYYY-MM`: the period (its last month) a funnel is given at.
#[derive(serde::Deserialize)]
pub struct FunnelQuery {
    funnel: Option<String>,
}

/// Every People's Priority the viewer may see, open and closed, with its
/// before-and-after reading.
pub async fn priorities(
    Viewing {
        snapshot, viewer, ..
    }: Viewing,
) -> Response {
    let list: Vec<Value> = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| r.measure.priority.is_some() && can_see(&viewer, &r.measure))
        .map(|r| {
            let mut summary = measure_summary(&r.measure, &snapshot);
            if let Some(finding) = crate::presentation::priority::before_after(r) {
                summary["since_raised"] = json!({
                    "reading": crate::presentation::priority::sentence(&r.measure, &finding),
                    "finding": finding,
                });
            }
            summary
        })
        .collect();
    Json(json!({ "evaluated_at": snapshot.evaluation.evaluated_at.to_rfc3339(), "priorities": list }))
        .into_response()
}

pub async fn measure(
    Viewing {
        snapshot, viewer, ..
    }: Viewing,
    Path(id): Path<String>,
    Query(query): Query<FunnelQuery>,
) -> Result<Response, ApiError> {
    let result = snapshot.result(&id).ok_or(ApiError::NoSuchMeasure)?;
    if !can_see(&viewer, &result.measure) {
        return Err(ApiError::Restricted);
    }
    let series: Vec<Value> = result
        .series
        .iter()
        .map(|s| {
            json!({
                "breakdown": s.breakdown,
                "group": s.group,
                "spc": s.spc.iter().map(|seg| json!({
                    "from": s.points[seg.points.start].period.start_date().to_string(),
                    "to": s.points[seg.points.end - 1].period.end_date().to_string(),
                    "mean": seg.limits.mean,
                    "lower": seg.limits.lower,
                    "upper": seg.limits.upper,
                    "points_in_limits": seg.points_in_limits,
                    "trial": seg.trial(),
                    "break_reason": seg.break_reason,
                    // A p′ or u′ chart's limits, point by point (null where
                    // the point has no published value).
                    "point_limits": (!seg.point_limits.is_empty()).then(|| {
                        seg.point_limits.iter().map(|l| l.map(|l| json!({
                            "lower": l.lower,
                            "upper": l.upper,
                        }))).collect::<Vec<_>>()
                    }),
                })).collect::<Vec<_>>(),
                "points": s.points,
            })
        })
        .collect();
    let mut body = measure_summary(&result.measure, &snapshot);
    body["series"] = Value::Array(series);
    if let Some(finding) = crate::presentation::priority::before_after(result) {
        body["since_raised"] = json!({
            "reading": crate::presentation::priority::sentence(&result.measure, &finding),
            "finding": finding,
        });
    }
    let at = query
        .funnel
        .as_deref()
        .and_then(crate::common::period::Month::parse);
    if let Some(f) = crate::presentation::funnel::funnel(result, at) {
        body["funnel"] = json!({
            "period_start": f.period.start_date().to_string(),
            "period_end": f.period.end_date().to_string(),
            "breakdown": f.breakdown,
            "centre": f.centre,
            "groups": f.points,
            "left_off": f.left_off,
            // φ and τ² where the measure asks for adjusted limits; the
            // limits above are widened where τ² is above 0.
            "overdispersion": f.overdispersion.map(|o| json!({
                "phi": o.phi,
                "tau2": o.tau2,
                "units": o.units,
                "adjusted": f.adjusted(),
            })),
        });
    }
    // A t or g chart: each event after the first, the days (or
    // opportunities) since the one before, and the limits.
    if let Some(e) = &result.events {
        body["events"] = json!({
            "chart": e.chart,
            "unit": e.unit(),
            "first_event": e.first.map(|d| d.to_string()),
            "limits": e.limits,
            "points_in_limits": e.points_in_limits,
            "points": e.points,
            "reading": crate::presentation::events::sentence(e),
        });
    }
    Ok(Json(body).into_response())
}

pub async fn status(
    Viewing {
        state,
        snapshot,
        viewer,
        ..
    }: Viewing,
) -> Response {
    // The public learns nothing of an extract that only restricted measures read.
    let shown = snapshot
        .measures
        .sources_read_by(|m| super::pages::can_see(&viewer, m));
    let extracts: Vec<Value> = snapshot
        .evaluation
        .extracts
        .iter()
        .filter(|e| shown.contains(&e.source.as_str()))
        .map(|e| {
            json!({
                "source": e.source,
                "files": e.files.iter().map(|f| json!({
                    "name": f.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                    "sha256": f.sha256,
                    "rows": f.rows,
                })).collect::<Vec<_>>(),
                "rows_loaded": e.rows_loaded,
                "rows_rejected": e.rows_rejected,
            })
        })
        .collect();
    let failure = if viewer.is_analyst() {
        state
            .failure()
            .map(|f| json!({ "at": f.at.to_rfc3339(), "message": f.message }))
    } else {
        None
    };
    Json(json!({ "evaluated_at": snapshot.evaluation.evaluated_at.to_rfc3339(), "extracts": extracts, "last_failure": failure })).into_response()
}

/// For load balancers and monitors: the service answers, and since when its
/// figures stand. Says nothing of the extracts or of any failure.
pub async fn health(Viewing { snapshot, .. }: Viewing) -> Response {
    Json(json!({
        "status": "ok",
        "evaluated_at": snapshot.evaluation.evaluated_at.to_rfc3339(),
    }))
    .into_response()
}

pub async fn reload(Viewing { state, viewer, .. }: Viewing) -> Result<Response, ApiError> {
    if !viewer.is_analyst() {
        return Err(ApiError::AnalystsOnly);
    }
    state.reload().await.map_err(ApiError::ReloadFailed)?;
    let evaluated_at = state.snapshot().evaluation.evaluated_at.to_rfc3339();
    Ok(Json(json!({ "reloaded": true, "evaluated_at": evaluated_at })).into_response())
}
