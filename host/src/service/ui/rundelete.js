// Deleting a finished run (owners and the operator): confirmed by name, then back to the
// runs list.

import { api, seg, ws } from './api.js';
import { announce, busy, h, navigate } from './dom.js';

/** A "Delete run" button for a run that has ended. */
export function deleteRunButton(run) {
  const button = h('button', { type: 'button', class: 'danger' }, 'Delete run');
  button.addEventListener('click', () => {
    const what = `run ${run.id} of ${run.workflow}`;
    if (!window.confirm(`Delete ${what}? Its steps, logs, inputs, outputs and approvals are deleted for good.`)) return;
    busy(button, async () => {
      try {
        await api('DELETE', ws(`/runs/${seg(run.id)}`));
        navigate('#/runs', `Deleted ${what}.`);
      } catch (e) {
        announce(`Deleting failed: ${e.message}`, 'error');
      }
    });
  });
  return button;
}
