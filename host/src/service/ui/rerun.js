// Running an ended run again: the workflow's current revision with the same inputs, or a
// failed run from its failed steps, carrying over the steps that succeeded.

import { api, seg, ws } from './api.js';
import { announce, busy, h, navigate } from './dom.js';

/** A "Run again" button for a run that has ended. */
export function rerunButton(run) {
  const button = h('button', { type: 'button', class: 'primary' }, 'Run again');
  button.addEventListener('click', () => busy(button, async () => {
    try {
      const started = await api('POST', ws(`/runs/${seg(run.id)}/rerun`));
      navigate(`#/runs/${seg(started.run_id)}`, `Started again as run ${started.run_id}.`);
    } catch (e) {
      announce(`Not started: ${e.message}`, 'error');
    }
  }));
  return button;
}

/** A "Retry from failed step" button for a run that failed, was cancelled or rejected. */
export function retryButton(run) {
  const button = h('button', { type: 'button', class: 'retry' }, 'Retry from failed step');
  button.title = 'Runs this run\'s workflow text again with the same inputs; the steps that succeeded are carried over, not run again.';
  button.addEventListener('click', () => busy(button, async () => {
    try {
      const started = await api('POST', ws(`/runs/${seg(run.id)}/retry`));
      const reused = started.reused.length ? `, carrying over ${started.reused.join(', ')}` : '';
      navigate(`#/runs/${seg(started.run_id)}`, `Retried as run ${started.run_id}${reused}.`);
    } catch (e) {
      announce(`Not retried: ${e.message}`, 'error');
    }
  }));
  return button;
}
