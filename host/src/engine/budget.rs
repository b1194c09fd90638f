//! What one run may hold: caps on the sum of a `for_each`'s item outputs and on the run's
//! whole state (the inputs and outputs of all its steps and items), and the accounting
//! behind them.
//!
//! A single output is already capped by the sandbox (`runtime::limits::MAX_OUTPUT_KB`), a
//! single input by the template limits; these caps stop many of them from adding up to
//! gigabytes of memory and database. Each is measured once, when it is folded into the
//! run; one that would go over a cap turns its step or item into a failure naming the cap,
//! and is never kept.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use serde_json::Value;

use super::live::Commit;
use crate::store::{ItemRecord, RunState};

/// Bytes (as JSON) that the item outputs of one `for_each` step may sum to: the step's
/// own output is their list, so this also caps it. Stops a fan-out of large items.
pub const MAX_FOR_EACH_OUTPUT: usize = 32 << 20;

/// Bytes (as JSON) that all the step and item inputs and outputs of one run may sum to:
/// stops one run from holding unbounded memory while it is driven and filling the
/// database (a thousand steps each given half a megabyte once grew one run to gigabytes).
pub const MAX_RUN_STATE: usize = 128 << 20;

/// The bytes a run's outputs hold, kept up to date as changes are folded in.
#[derive(Debug, Default, Clone)]
pub struct Budget {
    /// Each output's size, by step and item (`-1` for the step's own).
    held: HashMap<(String, i64), usize>,
    /// Each input's size (a step's rendered `with`, an item's value), keyed likewise.
    inputs: HashMap<(String, i64), usize>,
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
            budget.hold_input(&step.step_id, -1, step.input.as_ref());
        }
        for item in &state.items {
            budget.hold(&item.step_id, item.idx, item.output.as_ref());
            budget.hold_input(&item.step_id, item.idx, item.item.as_ref());
        }
        budget
    }

    /// Notes that `step` (item `idx`, or `-1`) now takes `input`.
    fn hold_input(&mut self, step: &str, idx: i64, input: Option<&Value>) {
        let size = input.map_or(0, json_size);
        let old = self.inputs.insert((step.to_string(), idx), size).unwrap_or(0);
        self.run = self.run + size - old;
    }

    /// Holds `input` if the run's cap allows it; otherwise says so, naming the cap.
    fn admit_input(&mut self, step: &str, idx: i64, input: &Value) -> Result<(), String> {
        let size = json_size(input);
        let old = self.inputs.get(&(step.to_string(), idx)).copied().unwrap_or(0);
        let run = self.run + size - old;
        if run > MAX_RUN_STATE {
            return Err(over_run_cap("input", step, idx, size, run, "pass large data by reference, not in inputs"));
        }
        self.hold_input(step, idx, Some(input));
        Ok(())
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

    /// Refuses, in `commit`, every input or output that would take the run over a cap: the
    /// item or step fails with an error naming the cap instead, and what it would hold is
    /// dropped. What is let through is held (folding the commit in holds them again, the same).
    /// A `for_each` that reached its cap stops: its items not yet ended are cancelled.
    pub fn refuse_excess(&mut self, state: &RunState, commit: &mut Commit) {
        let mut capped = Vec::new();
        for item in &mut commit.items {
            let admitted = item.item.as_ref().map_or(Ok(()), |v| self.admit_input(&item.step_id, item.idx, v));
            if let Err(e) = admitted {
                (item.status, item.item, item.output, item.error) = ("failed".into(), None, None, Some(e));
                continue;
            }
            let Some(output) = &item.output else { continue };
            if let Err(e) = self.admit(&item.step_id, item.idx, output) {
                (item.status, item.output, item.error) = ("failed".into(), None, Some(e));
                capped.push(item.step_id.clone());
            }
        }
        let mut refused = Vec::new();
        for step in &mut commit.steps {
            let admitted = step.input.as_ref().map_or(Ok(()), |v| self.admit_input(&step.step_id, -1, v));
            let admitted =
                admitted.and_then(|()| step.output.as_ref().map_or(Ok(()), |v| self.admit(&step.step_id, -1, v)));
            if let Err(e) = admitted {
                self.hold_input(&step.step_id, -1, None);
                refused.push(step.step_id.clone());
                step.input = None;
                step.output = None;
                step.status = "failed".into();
                step.error = Some(e);
                step.error_kind = Some("limit".into());
            }
        }
        // A refused step is not retried: its retry, if the attempt asked for one, goes.
        commit.jobs.retain(|job| !refused.contains(&job.step_id));
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
            return Err(over_run_cap("output", step, idx, size, run, "keep large data out of step outputs"));
        }
        self.hold(step, idx, Some(output));
        Ok(())
    }
}

/// The error for the `what` (input or output) of `step` (item `idx`, or `-1`), `size`
/// bytes, that would bring the run's state to `run` bytes.
fn over_run_cap(what: &str, step: &str, idx: i64, size: usize, run: usize, hint: &str) -> String {
    let which = if idx >= 0 { format!("item {idx} of step `{step}`") } else { format!("step `{step}`") };
    format!(
        "the {what} of {which} ({}) would bring the run's state to {}, over the cap of {} (MAX_RUN_STATE); {hint}",
        mib(size),
        mib(run),
        mib(MAX_RUN_STATE)
    )
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
    use crate::store::{Job, RunRecord, StepRecord};

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

    #[test]
    fn step_and_item_inputs_count_toward_the_run_cap() {
        let half = |c: &str| json!(c.repeat(MAX_RUN_STATE / 2));
        let given = |id: &str, input: Value| StepRecord {
            step_id: id.into(),
            status: "succeeded".into(),
            input: Some(input),
            output: Some(json!("ok")),
            ..StepRecord::default()
        };
        let mut run = state(Vec::new());
        run.run.steps.push(given("a", half("a")));
        let mut budget = Budget::of(&run);
        let retry =
            Job { run_id: "r".into(), step_id: "b".into(), idx: -1, kind: "step".into(), attempt: 2, available_at: 0 };
        let mut commit = Commit { steps: vec![given("b", half("b"))], jobs: vec![retry], ..Commit::default() };
        budget.refuse_excess(&run, &mut commit);
        let s = &commit.steps[0];
        assert_eq!((s.status.as_str(), s.input.is_none(), s.output.is_none()), ("failed", true, true));
        let error = s.error.as_deref().unwrap();
        assert!(
            error.starts_with("the input of step `b` (64.0 MiB) would bring the run's state to 128.0 MiB"),
            "{error}"
        );
        assert!(error.contains("MAX_RUN_STATE"), "{error}");
        assert!(commit.jobs.is_empty(), "a refused step is not retried");
        let item = ItemRecord { item: Some(half("c")), status: "pending".into(), ..item(0, 2) };
        let mut commit = Commit { items: vec![item], ..Commit::default() };
        budget.refuse_excess(&run, &mut commit);
        let i = &commit.items[0];
        assert_eq!((i.status.as_str(), i.item.is_none()), ("failed", true), "{:?}", i.error);
        let mut commit = Commit { steps: vec![given("d", json!("small"))], ..Commit::default() };
        budget.refuse_excess(&run, &mut commit);
        assert_eq!(commit.steps[0].status, "succeeded", "room is left for small inputs");
    }
}
