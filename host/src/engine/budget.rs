//! What one run may hold: caps on the sum of a `for_each`'s item outputs and on the run's
//! whole state (the outputs of all its steps and items), and the accounting behind them.
//!
//! A single output is already capped by the sandbox (`runtime::limits::MAX_OUTPUT_KB`);
//! these caps stop many outputs from adding up to gigabytes of memory and database. Each
//! output is measured once, when it is folded into the run; one that would go over a cap
//! turns its step or item into a failure naming the cap, and is never kept.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use serde_json::Value;

use super::live::Commit;
use crate::store::{ItemRecord, RunState};

/// Bytes (as JSON) that the item outputs of one `for_each` step may sum to: the step's
/// own output is their list, so this also caps it. Stops a fan-out of large items.
pub const MAX_FOR_EACH_OUTPUT: usize = 32 << 20;

/// Bytes (as JSON) that all the step and item outputs of one run may sum to: stops one
/// run from holding unbounded memory while it is driven and filling the database.
pub const MAX_RUN_STATE: usize = 128 << 20;

/// The bytes a run's outputs hold, kept up to date as changes are folded in.
#[derive(Debug, Default, Clone)]
pub struct Budget {
    /// Each output's size, by step and item (`-1` for the step's own).
    held: HashMap<(String, i64), usize>,
    /// The sum of item outputs, per step.
    items: HashMap<String, usize>,
    run: usize,
}

impl Budget {
    /// The bytes the outputs of `state` hold.
    pub fn of(state: &RunState) -> Self {
        let mut budget = Self::default();
        for step in &state.run.steps {
            budget.hold(&step.step_id, -1, step.output.as_ref());
        }
        for item in &state.items {
            budget.hold(&item.step_id, item.idx, item.output.as_ref());
        }
        budget
    }

    /// Notes that `step` (item `idx`, or `-1`) now holds `output`.
    pub fn hold(&mut self, step: &str, idx: i64, output: Option<&Value>) {
        let size = output.map_or(0, json_size);
        let old = self.held.insert((step.to_string(), idx), size).unwrap_or(0);
        self.run = self.run + size - old;
        if idx >= 0 {
            let items = self.items.entry(step.to_string()).or_default();
            *items = *items + size - old;
        }
    }

    /// Refuses, in `commit`, every output that would take the run over a cap: the item or
    /// step fails with an error naming the cap instead, and its output is dropped. The
    /// outputs let through are held (folding the commit in holds them again, the same).
    /// A `for_each` that reached its cap stops: its items not yet ended are cancelled.
    pub fn refuse_excess(&mut self, state: &RunState, commit: &mut Commit) {
        let mut capped = Vec::new();
        for item in &mut commit.items {
            let Some(output) = &item.output else { continue };
            if let Err(e) = self.admit(&item.step_id, item.idx, output) {
                (item.status, item.output, item.error) = ("failed".into(), None, Some(e));
                capped.push(item.step_id.clone());
            }
        }
        for step in &mut commit.steps {
            let Some(output) = &step.output else { continue };
            if let Err(e) = self.admit(&step.step_id, -1, output) {
                step.output = None;
                step.status = "failed".into();
                step.error = Some(e);
                step.error_kind = Some("limit".into());
            }
        }
        for step in capped {
            cancel_rest(state, &step, commit);
        }
    }

    /// Holds `output` if the caps allow it; otherwise says which cap it would break.
    fn admit(&mut self, step: &str, idx: i64, output: &Value) -> Result<(), String> {
        let size = json_size(output);
        let old = self.held.get(&(step.to_string(), idx)).copied().unwrap_or(0);
        let items = self.items.get(step).copied().unwrap_or(0) + size - old;
        if idx >= 0 && items > MAX_FOR_EACH_OUTPUT {
            return Err(format!(
                "the outputs of `for_each` step `{step}` would sum to {} with item {idx} ({}), over the cap of {} \
                 (MAX_FOR_EACH_OUTPUT); return less per item, or split the list over several runs",
                mib(items),
                mib(size),
                mib(MAX_FOR_EACH_OUTPUT)
            ));
        }
        let run = self.run + size - old;
        if run > MAX_RUN_STATE {
            let which = if idx >= 0 { format!("item {idx} of step `{step}`") } else { format!("step `{step}`") };
            return Err(format!(
                "the output of {which} ({}) would bring the run's state to {}, over the cap of {} \
                 (MAX_RUN_STATE); keep large data out of step outputs",
                mib(size),
                mib(run),
                mib(MAX_RUN_STATE)
            ));
        }
        self.hold(step, idx, Some(output));
        Ok(())
    }
}

/// Cancels the items of `step` that have not ended (and are not ended by `commit`), and
/// removes their jobs: a job still running then has its outcome dropped.
fn cancel_rest(state: &RunState, step: &str, commit: &mut Commit) {
    let ended: HashSet<i64> = commit.items.iter().filter(|i| i.step_id == step).map(|i| i.idx).collect();
    let error = format!(
        "not run: the outputs of `for_each` step `{step}` reached the cap of {} (MAX_FOR_EACH_OUTPUT)",
        mib(MAX_FOR_EACH_OUTPUT)
    );
    let open = state.items.iter().filter(|i| i.step_id == step && i.status == "pending" && !ended.contains(&i.idx));
    for item in open {
        commit.remove_jobs.push((step.to_string(), item.idx));
        commit.items.push(ItemRecord {
            status: "cancelled".into(),
            output: None,
            error: Some(error.clone()),
            ..item.clone()
        });
    }
}

/// The length of `value` as compact JSON, without building the text.
pub fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).expect("counting never fails");
    count.0
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::{RunRecord, StepRecord};

    fn item(idx: i64, bytes: usize) -> ItemRecord {
        let output = Some(json!("x".repeat(bytes - 2)));
        ItemRecord { step_id: "fan".into(), idx, status: "succeeded".into(), output, ..ItemRecord::default() }
    }

    fn state(items: Vec<ItemRecord>) -> RunState {
        let run = RunRecord { id: "r".into(), status: "running".into(), ..RunRecord::default() };
        RunState { run, items }
    }

    #[test]
    fn sizes_are_counted_as_json() {
        assert_eq!(json_size(&json!({ "a": [1, "é"] })), r#"{"a":[1,"é"]}"#.len());
    }

    #[test]
    fn item_outputs_beyond_the_for_each_cap_fail_and_are_dropped() {
        let mut budget = Budget::default();
        let eight = 8 << 20;
        for idx in 0..3 {
            budget.hold("fan", idx, item(idx, eight).output.as_ref());
        }
        let pending = |idx| ItemRecord { status: "pending".into(), output: None, ..item(idx, 2) };
        let state = state((3..8).map(pending).collect());
        let mut commit = Commit { items: vec![item(3, eight), item(4, eight)], ..Commit::default() };
        budget.refuse_excess(&state, &mut commit);
        assert_eq!(commit.items[0].status, "succeeded", "the fourth fits exactly");
        let refused = &commit.items[1];
        assert_eq!((refused.status.as_str(), refused.output.is_none()), ("failed", true));
        let error = refused.error.as_deref().unwrap();
        assert!(error.starts_with("the outputs of `for_each` step `fan` would sum to 40.0 MiB with item 4"), "{error}");
        assert!(error.contains("MAX_FOR_EACH_OUTPUT"), "{error}");
        let cancelled: Vec<i64> = commit.items.iter().filter(|i| i.status == "cancelled").map(|i| i.idx).collect();
        assert_eq!(cancelled, [5, 6, 7], "the items not yet ended stop");
        assert_eq!(commit.remove_jobs, [("fan".to_string(), 5), ("fan".to_string(), 6), ("fan".to_string(), 7)]);
    }

    #[test]
    fn a_step_output_beyond_the_run_cap_fails_the_step() {
        let mut budget = Budget::default();
        budget.hold("big", -1, Some(&json!("x".repeat(MAX_RUN_STATE - 100))));
        let step = StepRecord {
            step_id: "more".into(),
            status: "succeeded".into(),
            output: Some(json!("y".repeat(200))),
            ..StepRecord::default()
        };
        let mut commit = Commit { steps: vec![step.clone()], ..Commit::default() };
        budget.refuse_excess(&state(Vec::new()), &mut commit);
        let s = &commit.steps[0];
        assert_eq!((s.status.as_str(), s.output.is_none()), ("failed", true));
        assert!(s.error.as_deref().unwrap().contains("output of step `more` (0.0 MiB) would bring the run's state"));
        budget.hold("big", -1, None);
        let mut commit = Commit { steps: vec![step], ..Commit::default() };
        budget.refuse_excess(&state(Vec::new()), &mut commit);
        assert_eq!(commit.steps[0].status, "succeeded", "once the big output is gone the same one fits");
    }
}
