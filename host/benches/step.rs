//! Step cost benchmark.
fn main() {}
