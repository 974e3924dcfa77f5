//! Derived columns: made by an SQL expression from the columns of their row
//! once a file is read (DataFusion over the batches), as a source declares
//! them (`is_asb = { type = "bool", derive = "crime_id IS NULL" }`). Besides
//! DataFusion's functions an expression may call `district_of(text)`: the
//! force's district that a name, id or alias spells, or null; and
//! `neighbourhood_of(text)`: the force's neighbourhood an MSOA name lies in.

use super::IngestError;
use super::contract::{Contract, normalise_enum};
use super::declared::Force;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// A session in which derived columns (and their checks) are evaluated.
pub(crate) fn context(force: &Force) -> SessionContext {
    let ctx = SessionContext::new();
    let mut by_spelling: HashMap<String, String> = HashMap::new();
    for d in &force.districts {
        for spelling in std::iter::once(&d.id)
            .chain(std::iter::once(&d.name))
            .chain(&d.aliases)
        {
            by_spelling.insert(normalise_enum(spelling), d.id.clone());
        }
    }
    let district_of = lookup(by_spelling);
    ctx.register_udf(create_udf(
        "district_of",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(district_of),
    ));
    let by_msoa: HashMap<String, String> = force
        .neighbourhoods
        .iter()
        .flat_map(|n| n.msoas.iter().map(|m| (normalise_enum(m), n.id.clone())))
        .collect();
    ctx.register_udf(create_udf(
        "neighbourhood_of",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(lookup(by_msoa)),
    ));
    ctx
}

/// A function of text to the value `table` gives its normalised spelling, or null.
fn lookup(
    table: HashMap<String, String>,
) -> impl Fn(&[ColumnarValue]) -> datafusion::error::Result<ColumnarValue> {
    move |args: &[ColumnarValue]| {
        let names = ColumnarValue::values_to_arrays(args)?;
        let names = cast(&names[0], &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(names.len(), names.len() * 12);
        for name in names.iter() {
            match name.and_then(|n| table.get(&normalise_enum(n))) {
                Some(id) => out.append_value(id),
                None => out.append_null(),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// The batches with the contract's derived columns added after the read ones:
/// those `keep` names (every one without `keep`).
pub(super) fn apply(
    contract: &Contract,
    keep: Option<&BTreeSet<String>>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<(SchemaRef, Vec<RecordBatch>), IngestError> {
    let wanted: Vec<_> = contract
        .derived
        .iter()
        .filter(|d| keep.is_none_or(|k| k.contains(d.name)))
        .collect();
    if wanted.is_empty() {
        return Ok((schema, batches));
    }
    let error = |column: &str, e: datafusion::error::DataFusionError| IngestError::Derive {
        source_name: contract.name.to_string(),
        column: column.to_string(),
        message: e.to_string(),
    };
    let ctx = context(contract.force);
    let df_schema = DFSchema::try_from(schema.as_ref().clone()).map_err(|e| error("", e))?;
    let exprs = wanted
        .iter()
        .map(|d| {
            crate::common::sql::physical_expr(&ctx, d.sql, &df_schema).map_err(|e| error(d.name, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend(
        wanted
            .iter()
            .map(|d| Field::new(d.name, d.ty.arrow_type(), true)),
    );
    let derived_schema = Arc::new(Schema::new(fields));
    let batches = batches
        .into_iter()
        .map(|batch| {
            let mut columns = batch.columns().to_vec();
            for (d, expr) in wanted.iter().zip(&exprs) {
                let value = expr
                    .evaluate(&batch)
                    .and_then(|v| v.into_array(batch.num_rows()))
                    .map_err(|e| error(d.name, e))?;
                let value =
                    cast(&value, &d.ty.arrow_type()).map_err(|e| error(d.name, e.into()))?;
                columns.push(value);
            }
            RecordBatch::try_new(derived_schema.clone(), columns).map_err(|e| error("", e.into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((derived_schema, batches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    #[test]
    fn district_of_finds_the_force_district_a_name_spells() {
        let force = Force {
            name: "Northshire Police".into(),
            area: "Northshire".into(),
            districts: vec![crate::ingest::District {
                id: "north_vale".into(),
                name: "North Vale".into(),
                ons_code: None,
                aliases: vec!["N Vale".into()],
            }],
            aliases: Vec::new(),
            neighbourhoods: Vec::new(),
            publisher: crate::ingest::declared::Publisher::commissioner_for("Northshire"),
            languages: vec![crate::common::language::Language::English],
            area_cy: None,
        };
        let ctx = context(&force);
        let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, true)]));
        let df_schema = DFSchema::try_from(schema.as_ref().clone()).unwrap();
        let expr =
            crate::common::sql::physical_expr(&ctx, "district_of(name)", &df_schema).unwrap();
        let names = StringArray::from(vec![
            Some("North Vale"),
            Some("n vale"),
            Some("Elsewhere"),
            None,
        ]);
        let batch = RecordBatch::try_new(schema, vec![Arc::new(names)]).unwrap();
        let out = expr.evaluate(&batch).unwrap().into_array(4).unwrap();
        let out: Vec<Option<&str>> = out.as_string::<i32>().iter().collect();
        assert_eq!(out, [Some("north_vale"), Some("north_vale"), None, None]);
    }
}
