//! Golden tests: every `tests/ui/*.yaml` gives exactly its `.err` against the real plugins.
//!
//! `BLESS=1 cargo test -p roost --test all ui::` rewrites the `.err` files after a change.

use std::path::Path;

use roost::workflow::testing::golden_output;

use crate::support;

#[test]
fn every_invalid_workflow_reports_its_expected_errors() {
    let runtime = support::runtime();
    let registry = support::registry(&runtime);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let bless = std::env::var_os("BLESS").is_some();
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(path).unwrap();
        let actual = golden_output(&format!("tests/ui/{name}"), &source, &registry);
        let err_path = path.with_extension("err");
        if bless {
            std::fs::write(&err_path, &actual).unwrap();
        } else if std::fs::read_to_string(&err_path).unwrap_or_default() != actual {
            failures.push(format!("--- {}\n{actual}", err_path.display()));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} golden files found in {}", dir.display());
    assert!(failures.is_empty(), "golden mismatch (rerun with BLESS=1 to accept):\n{}", failures.join("\n"));
}
