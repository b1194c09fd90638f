// The runs list: filtered by workflow, status, time and text (kept in the address), refreshed
// every few seconds, older runs on demand.

import { api, seg, ws } from './api.js';
import { ACTIVE, announce, busy, duration, empty, field, fill, h, ms, runBadge, timeEl } from './dom.js';

const STATUSES = ['all', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'rejected', 'cancelled', 'skipped'];
const PAGE = 50;
/** The filters the address and the API share, besides `status`. */
const KEYS = ['workflow', 'since', 'until', 'q'];

export async function runsView(main, ctx) {
  const chosen = STATUSES.includes(ctx.query.get('status')) ? ctx.query.get('status') : 'all';
  const statuses = h('fieldset', { class: 'chips' }, h('legend', null, 'Status'),
    STATUSES.map((status) => h('label', { class: 'chip' },
      h('input', { type: 'radio', name: 'status', value: status, checked: status === chosen }), status)));
  const workflows = await api('GET', ws('/workflows')).catch(() => []);
  const controls = {
    workflow: h('select', { name: 'workflow' }, h('option', { value: '' }, 'All workflows'),
      workflows.map((w) => h('option', { value: w.name }, w.name))),
    since: h('input', { type: 'date', name: 'since' }),
    until: h('input', { type: 'date', name: 'until' }),
    q: h('input', { type: 'search', name: 'q', maxlength: 200, autocomplete: 'off' }),
  };
  for (const key of KEYS) controls[key].value = ctx.query.get(key) || '';
  const search = h('button', { type: 'submit' }, 'Search');
  const clear = h('button', { type: 'button', class: 'quiet' }, 'Clear filters');
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    field('Workflow', controls.workflow), field('From', controls.since), field('Until (including)', controls.until),
    field('Search', controls.q, 'Workflow, run id or error text'), h('div', { class: 'actions' }, search, clear), statuses);
  const auto = h('input', { type: 'checkbox', checked: true });
  const list = h('div', { class: 'list', 'aria-busy': 'true' });
  const more = h('button', { type: 'button', hidden: true }, 'Show older runs');
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Runs'),
      h('label', { class: 'toggle' }, auto, 'Refresh every 5 s')),
    form, list, h('div', { class: 'actions' }, more));

  let shown = [];
  let last = '';
  const status = () => statuses.querySelector('input:checked').value;
  /** The filters as the address writes them (dates as the person picked them). */
  const chosenFilters = () => {
    const q = new URLSearchParams();
    if (status() !== 'all') q.set('status', status());
    for (const key of KEYS) if (controls[key].value.trim()) q.set(key, controls[key].value.trim());
    return q;
  };
  const query = (before) => {
    const q = chosenFilters();
    // Dates are local days: from the start of `since` to the end of `until`.
    if (q.has('since')) q.set('since', String(new Date(`${q.get('since')}T00:00`).getTime()));
    if (q.has('until')) q.set('until', String(new Date(`${q.get('until')}T00:00`).getTime() + 86400000));
    q.set('limit', String(PAGE));
    if (before) q.set('before', before);
    return `/runs?${q}`;
  };
  const apply = () => {
    const q = chosenFilters().toString();
    history.replaceState(null, '', q ? `#/runs?${q}` : '#/runs');
    last = '';
    load().catch((e) => announce(e.message, 'error'));
  };
  statuses.addEventListener('change', apply);
  controls.workflow.addEventListener('change', apply);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  clear.addEventListener('click', () => {
    for (const key of KEYS) controls[key].value = '';
    statuses.querySelector('input[value=all]').checked = true;
    apply();
  });

  async function load() {
    const runs = await api('GET', ws(query()));
    if (!ctx.current) return;
    const key = JSON.stringify(runs);
    if (key === last) return;
    last = key;
    shown = runs;
    render();
    more.hidden = runs.length < PAGE;
  }

  function render() {
    list.removeAttribute('aria-busy');
    if (!shown.length) {
      const filtered = chosenFilters().toString() !== '';
      return fill(list, empty(filtered ? 'No runs match these filters.' : 'No runs yet. Start one from a workflow.'));
    }
    fill(list, runsTable(shown));
  }

  more.addEventListener('click', () => busy(more, async () => {
    const older = await api('GET', ws(query(shown[shown.length - 1].id)));
    shown = shown.concat(older);
    render();
    more.hidden = older.length < PAGE;
    announce(`${older.length} older run${older.length === 1 ? '' : 's'} shown.`);
  }));

  ctx.every(5000, () => { if (auto.checked) load().catch(() => {}); });
  await load();
}

/** Runs as a table; on narrow screens each row reads as a card. */
export function runsTable(runs) {
  const head = ['Status', 'Workflow', 'Run', 'Trigger', 'Started', 'Took'];
  return h('table', { class: 'table runs' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, runs.map((run) => {
      const took = run.finished_at ? duration(ms(run.finished_at) - ms(run.created_at)) : null;
      return h('tr', null,
        h('td', { 'data-label': 'Status' }, runBadge(run.status, run.failed_steps)),
        h('td', { 'data-label': 'Workflow' }, h('a', { href: `#/runs/${seg(run.id)}` }, run.workflow),
          run.error ? h('small', { class: 'row-error' }, run.error) : null),
        h('td', { 'data-label': 'Run' }, h('code', { title: run.id }, run.id.slice(-8))),
        h('td', { 'data-label': 'Trigger' }, run.trigger || '—'),
        h('td', { 'data-label': 'Started' }, timeEl(run.created_at, 'relative')),
        h('td', { 'data-label': 'Took' }, took || (ACTIVE.includes(run.status)
          ? h('span', { class: 'muted' }, 'in progress') : '—')));
    })));
}
