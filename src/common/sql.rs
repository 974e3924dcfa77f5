//! The columns an SQL condition names, read from its syntax (DataFusion's
//! parser): what a measure or a row rule reads.

use datafusion::sql::sqlparser::ast::{Expr, Ident, visit_expressions};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// Double-quotes an identifier for DataFusion's SQL.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The column names an SQL condition mentions (lower case), in the order
/// written, or `None` where it does not parse.
pub fn columns_named(sql: &str) -> Option<Vec<String>> {
    let expr = Parser::new(&GenericDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()?;
    Some(
        column_idents(&expr)
            .into_iter()
            .map(|ident| ident.value.to_ascii_lowercase())
            .collect(),
    )
}

/// Every column an SQL expression names, as written (a qualified name by its last part).
pub fn column_idents(expr: &Expr) -> Vec<Ident> {
    let mut idents = Vec::new();
    let _ = visit_expressions(expr, |e| {
        match e {
            Expr::Identifier(ident) => idents.push(ident.clone()),
            Expr::CompoundIdentifier(parts) => idents.extend(parts.last().cloned()),
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    idents
}

/// An SQL expression made ready to evaluate over batches of `schema`: parsed,
/// its types coerced, and simplified as a query's would be (DataFusion has no
/// physical form of some expressions, such as `coalesce`, until simplified).
pub fn physical_expr(
    ctx: &datafusion::prelude::SessionContext,
    sql: &str,
    schema: &datafusion::common::DFSchema,
) -> datafusion::error::Result<std::sync::Arc<dyn datafusion::physical_expr::PhysicalExpr>> {
    use datafusion::logical_expr::simplify::SimplifyContext;
    use datafusion::optimizer::simplify_expressions::ExprSimplifier;
    let simplifier = ExprSimplifier::new(
        SimplifyContext::builder()
            .with_schema(std::sync::Arc::new(schema.clone()))
            .build(),
    );
    let expr = simplifier.coerce(ctx.parse_sql_expr(sql, schema)?, schema)?;
    ctx.create_physical_expr(simplifier.simplify(expr)?, schema)
}
