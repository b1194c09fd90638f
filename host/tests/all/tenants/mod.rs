//! A shared Roost tried by hostile or careless tenants: every attack refused or contained
//! with a clear error while the service keeps answering.

mod bounded;
mod decisions;
mod evaluation;
mod fairness;
mod limits;
mod retention;
mod retention_scale;
mod rules;
mod schedules;
mod secrets;
pub(crate) mod webhooks;

/// `SELECT COUNT(*) ...` (or any one-number query) of `sql` on `db`.
pub async fn count(db: &sqlx::AnyPool, sql: &str) -> i64 {
    use sqlx::Row as _;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(db).await.unwrap().get(0)
}
