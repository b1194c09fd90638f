//! The step graph: cycle detection (reported as `a -> b -> a`) and a deterministic
//! topological order (ready steps in file order).

use std::collections::HashMap;

use super::diagnostic::{Diagnostic, Pos};
use super::step::PlanStep;

/// Reports each cycle among `deps` (step index -> indexes it depends on) once, at the
/// position of the cycle's first step in file order.
pub fn check_cycles(ids: &[String], deps: &[Vec<usize>], positions: &[Pos], diags: &mut Vec<Diagnostic>) {
    let mut remaining: Vec<bool> = vec![true; ids.len()];
    loop {
        prune_acyclic(deps, &mut remaining);
        let Some(start) = remaining.iter().position(|&r| r) else {
            return;
        };
        let cycle = find_cycle(start, deps, &remaining);
        let names: Vec<&str> = cycle.iter().chain(cycle.first()).map(|&i| ids[i].as_str()).collect();
        let msg = format!("dependency cycle: {}", names.join(" -> "));
        let help = "a step depends on the steps its expressions read and on its `needs`; \
                    remove one of these references";
        let first = cycle.iter().copied().min().unwrap_or(start);
        diags.push(Diagnostic::new(positions.get(first).copied().unwrap_or(Pos::START), msg).with_help(help));
        for i in cycle {
            remaining[i] = false;
        }
    }
}

/// Removes, repeatedly, steps whose dependencies are all gone: they cannot be in a cycle.
fn prune_acyclic(deps: &[Vec<usize>], remaining: &mut [bool]) {
    loop {
        let mut changed = false;
        for i in 0..deps.len() {
            if !remaining[i] {
                continue;
            }
            let waits = deps[i].iter().any(|&d| remaining.get(d).copied().unwrap_or(false));
            if !waits {
                remaining[i] = false;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Follows remaining dependencies from `start` until a step repeats; returns the loop,
/// rotated to start at its first step in file order.
fn find_cycle(start: usize, deps: &[Vec<usize>], remaining: &[bool]) -> Vec<usize> {
    let mut path = vec![start];
    let mut at = start;
    loop {
        let Some(&next) = deps[at].iter().find(|&&d| remaining.get(d).copied().unwrap_or(false)) else {
            return path;
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle = path.split_off(pos);
            let min_at = cycle.iter().enumerate().min_by_key(|(_, i)| **i).map_or(0, |(k, _)| k);
            cycle.rotate_left(min_at);
            return cycle;
        }
        path.push(next);
        at = next;
    }
}

/// Steps in an order where each comes after its `needs`; among ready steps, file order
/// wins. Steps caught in a cycle (impossible in a loaded plan) come last.
pub fn topological(steps: &[PlanStep]) -> Vec<&PlanStep> {
    let index: HashMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut done = vec![false; steps.len()];
    let mut order = Vec::with_capacity(steps.len());
    while order.len() < steps.len() {
        let ready = (0..steps.len())
            .find(|&i| !done[i] && steps[i].needs.iter().all(|n| index.get(n.as_str()).is_none_or(|&d| done[d])));
        let Some(next) = ready.or_else(|| done.iter().position(|d| !d)) else {
            break;
        };
        done[next] = true;
        order.push(&steps[next]);
    }
    order
}
