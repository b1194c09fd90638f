//! Integration tests: one binary, one module per area.

mod hostile;
mod support;
