//! Integration tests: one binary, one module per area.

mod author;
mod cli;
mod cluster;
mod crash;
mod engine;
mod hostile;
mod kv;
mod people;
mod plugins;
mod registry;
mod runs;
mod serve;
mod social;
mod support;
mod tenants;
mod ui;
