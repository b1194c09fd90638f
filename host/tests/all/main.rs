//! Integration tests: one binary, one module per area.

mod cli;
mod crash;
mod engine;
mod hostile;
mod kv;
mod plugins;
mod registry;
mod runs;
mod serve;
mod social;
mod support;
mod tenants;
mod ui;
