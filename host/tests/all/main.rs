//! Integration tests: one binary, one module per area.

mod cli;
mod crash;
mod engine;
mod hostile;
mod kv;
mod runs;
mod social;
mod support;
mod ui;
