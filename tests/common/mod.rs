//! What several test files do alike: one evaluation as `mos run` makes it, on
//! a runtime of its own, from test code that is not async.

use std::path::Path;

/// Evaluates `measures` over the extracts in `data`, keeping work in (and
/// going on from) `kept_work` when given.
pub fn evaluate(
    measures: &mos::definition::MeasureSet,
    data: &Path,
    kept_work: Option<&Path>,
) -> Result<(mos::pipeline::Evaluation, Vec<mos::ingest::Extract>), mos::pipeline::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(mos::pipeline::evaluate(
            measures,
            data,
            None,
            kept_work,
            &|_| {},
        ))
}
