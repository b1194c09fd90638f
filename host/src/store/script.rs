//! Statements run as one script: SQLite takes several statements in one query, so a
//! transaction of many multi-row statements costs one trip to its connection's thread.

use super::Backend;
use super::StoreError;

/// A statement parameter.
#[derive(Clone)]
pub(super) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

/// Parameters in one statement (or one SQLite script) at most: under both PostgreSQL's
/// and SQLite's limits.
const MAX_PARAMS: usize = 30_000;

/// Statements run in order in one round trip where the backend allows it: SQLite takes
/// several statements in one query (positional parameters running on across them);
/// PostgreSQL takes them one by one.
pub(super) struct Script {
    backend: Backend,
    /// Each statement's text, with parameters numbered from $1, and its parameters.
    statements: Vec<(String, Vec<Param>)>,
}

impl Script {
    pub(super) fn new(backend: Backend) -> Self {
        Self { backend, statements: Vec::new() }
    }

    pub(super) fn raw(&mut self, sql: &str) {
        self.statement(sql.to_string(), Vec::new());
    }

    /// Adds `sql`, whose parameters are numbered from $1.
    pub(super) fn statement(&mut self, sql: String, params: Vec<Param>) {
        self.statements.push((sql, params));
    }

    /// Adds `head (..), (..) tail` over `rows`, in as many statements as the parameter
    /// limit needs; nothing when there are no rows.
    pub(super) fn push(&mut self, head: String, tail: &str, rows: Vec<Vec<Param>>) {
        let Some(width) = rows.first().map(Vec::len) else { return };
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Param>> = rows.by_ref().take(MAX_PARAMS / width).collect();
            let mut sql = head.clone();
            for r in 0..chunk.len() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                let numbers: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
                sql.push_str(&numbers.join(", "));
                sql.push(')');
            }
            sql.push_str(tail);
            self.statements.push((sql, chunk.into_iter().flatten().collect()));
        }
    }

    /// Runs the statements on `conn`; the rows they return, in order.
    pub(super) async fn run(self, conn: &mut sqlx::AnyConnection) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        let mut returned = Vec::new();
        if self.backend == Backend::Postgres {
            for (sql, params) in self.statements {
                returned.extend(query(sql, params).fetch_all(&mut *conn).await?);
            }
            return Ok(returned);
        }
        let mut sql = String::new();
        let mut params = Vec::new();
        for (text, own) in self.statements {
            if !params.is_empty() && params.len() + own.len() > MAX_PARAMS {
                returned
                    .extend(query(std::mem::take(&mut sql), std::mem::take(&mut params)).fetch_all(&mut *conn).await?);
            }
            positional(&text, &own, &mut sql, &mut params);
            sql.push_str(";\n");
        }
        returned.extend(query(sql, params).fetch_all(&mut *conn).await?);
        Ok(returned)
    }
}

/// A query of `sql` with `params` bound in order, not kept among prepared statements
/// (a script's text rarely repeats).
pub(super) fn query(
    sql: String,
    params: Vec<Param>,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
    for param in params {
        query = match param {
            Param::Text(t) => query.bind(t),
            Param::Int(i) => query.bind(i),
        };
    }
    query
}

/// Appends `sql` to `out` with each `$N` written as `?` and its parameter appended to
/// `bound`, in the order they appear. SQLite looks a numbered parameter up by name in a
/// list as long as the statement's parameters; `?` is bound by position.
fn positional(sql: &str, params: &[Param], out: &mut String, bound: &mut Vec<Param>) {
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut n = 0usize;
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            n = n * 10 + (d as usize - '0' as usize);
        }
        out.push('?');
        bound.push(params[n - 1].clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[i64]) -> Vec<Param> {
        values.iter().map(|v| Param::Int(Some(*v))).collect()
    }

    fn as_ints(params: &[Param]) -> Vec<i64> {
        params.iter().map(|p| if let Param::Int(Some(v)) = p { *v } else { -1 }).collect()
    }

    #[test]
    fn numbered_parameters_become_positional_in_the_order_they_appear() {
        let (mut sql, mut bound) = (String::new(), Vec::new());
        positional(
            "SELECT $2, $1 WHERE a = $2 AND b = $10",
            &ints(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            &mut sql,
            &mut bound,
        );
        assert_eq!(sql, "SELECT ?, ? WHERE a = ? AND b = ?");
        assert_eq!(as_ints(&bound), vec![2, 1, 2, 10]);
    }

    #[test]
    fn rows_beyond_the_parameter_limit_are_split_into_statements() {
        let mut script = Script::new(Backend::Sqlite);
        let width = 7;
        let rows: Vec<Vec<Param>> = (0..10_000).map(|r| ints(&vec![r; width])).collect();
        script.push("INSERT INTO t (a, b, c, d, e, f, g) VALUES ".into(), "", rows);
        let per_statement = MAX_PARAMS / width;
        assert_eq!(script.statements.len(), 10_000usize.div_ceil(per_statement));
        let (sql, params) = &script.statements[1];
        assert_eq!(params.len(), per_statement * width);
        assert_eq!(as_ints(&params[..width]), vec![per_statement as i64; width]);
        assert!(sql.ends_with(&format!("${})", per_statement * width)), "{}", &sql[sql.len() - 40..]);
        assert_eq!(script.statements[2].1.len(), (10_000 - 2 * per_statement) * width);
    }

    #[test]
    fn no_rows_add_no_statement() {
        let mut script = Script::new(Backend::Postgres);
        script.push("DELETE FROM jobs WHERE (run_id, step_id, idx) IN (VALUES ".into(), ")", Vec::new());
        assert!(script.statements.is_empty());
    }
}
