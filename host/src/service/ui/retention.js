// The workspace's retention of history on the settings page: how many days finished runs
// are kept, the instance default, and for owners a form to change it. The API decides
// what is allowed (an owner may only shorten); its refusal is shown as it words it.

import { api, ws } from './api.js';
import { announce, busy, field, fill, h } from './dom.js';
import { isOwner } from './role.js';

const days = (n) => `${n} day${n === 1 ? '' : 's'}`;

/** The retention in force and whether the token may change it. */
export async function loadRetention() {
  const [retention, owner] = await Promise.all([api('GET', ws('/retention')), isOwner()]);
  return { retention, owner };
}

/** Shows the retention in `el`; `reload` shows it afresh after a change. */
export function renderRetention(el, { retention: r, owner }, reload) {
  const own = r.workspace_days !== null && r.workspace_days !== undefined;
  fill(el,
    h('dl', { class: 'facts' },
      h('dt', null, 'Kept for'), h('dd', { class: 'retention-days' }, days(r.days),
        h('span', { class: 'muted' }, own ? ' (set for this workspace)' : ' (the instance default)')),
      h('dt', null, 'Instance default'), h('dd', null, days(r.default_days))),
    h('p', { class: 'muted' }, 'Finished runs, with their steps, logs and approvals, are deleted once they ended longer ago than this.'),
    owner ? form(r, own, reload) : null);
}

function form(r, own, reload) {
  const input = h('input', { type: 'number', name: 'days', min: 1, step: 1, required: true, value: String(r.days) });
  const save = h('button', { type: 'submit' }, 'Set retention');
  const reset = h('button', { type: 'button', class: 'quiet', hidden: !own }, 'Use the instance default');
  const put = (value, done) => async () => {
    try {
      const now = await api('PUT', ws('/retention'), { days: value });
      announce(done(now));
      reload();
    } catch (e) {
      announce(`Retention not changed: ${e.message}`, 'error');
    }
  };
  const form = h('form', { class: 'row-form' },
    field('Days to keep', input, `An owner may keep history for up to ${days(r.default_days)}; only the operator for longer.`),
    h('div', { class: 'actions' }, save, reset));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, put(Number(input.value), (now) => `Runs are now kept for ${days(now.days)}.`));
  });
  reset.addEventListener('click', () => busy(reset, put(null, (now) => `Runs are kept for the instance default, ${days(now.days)}.`)));
  return form;
}
