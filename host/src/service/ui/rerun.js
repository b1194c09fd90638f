// Running an ended run again: the workflow's current revision with the same inputs.

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
