//! The columns an SQL condition names, read from its syntax (DataFusion's
//! parser): what a measure or a row rule reads.

use datafusion::sql::sqlparser::ast::{Expr, Ident, visit_expressions};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use std::ops::ControlFlow;

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
