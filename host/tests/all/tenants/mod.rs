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
mod webhooks;
