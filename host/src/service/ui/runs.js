// The runs list: filtered by status, refreshed every few seconds, older runs on demand.

import { api, seg, ws } from './api.js';
import { announce, badge, busy, duration, empty, fill, h, ms, timeEl } from './dom.js';

const STATUSES = ['all', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'rejected', 'cancelled', 'skipped'];
const PAGE = 50;

export async function runsView(main, ctx) {
  const chosen = STATUSES.includes(ctx.query.get('status')) ? ctx.query.get('status') : 'all';
  const filters = h('fieldset', { class: 'chips' }, h('legend', null, 'Status'),
    STATUSES.map((status) => h('label', { class: 'chip' },
      h('input', { type: 'radio', name: 'status', value: status, checked: status === chosen }), status)));
  filters.addEventListener('change', (e) => {
    const status = e.target.value;
    history.replaceState(null, '', status === 'all' ? '#/runs' : `#/runs?status=${status}`);
    load();
  });
  const auto = h('input', { type: 'checkbox', checked: true });
  const list = h('div', { class: 'list', 'aria-busy': 'true' });
  const more = h('button', { type: 'button', hidden: true }, 'Show older runs');
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Runs'),
      h('label', { class: 'toggle' }, auto, 'Refresh every 5 s')),
    filters, list, h('div', { class: 'actions' }, more));

  let shown = [];
  let last = '';
  const status = () => filters.querySelector('input:checked').value;
  const query = (before) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (status() !== 'all') q.set('status', status());
    if (before) q.set('before', before);
    return `/runs?${q}`;
  };

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
      return fill(list, empty(status() === 'all' ? 'No runs yet. Start one from a workflow.' : `No ${status()} runs.`));
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
        h('td', { 'data-label': 'Status' }, badge(run.status)),
        h('td', { 'data-label': 'Workflow' }, h('a', { href: `#/runs/${seg(run.id)}` }, run.workflow),
          run.error ? h('small', { class: 'row-error' }, run.error) : null),
        h('td', { 'data-label': 'Run' }, h('code', { title: run.id }, run.id.slice(-8))),
        h('td', { 'data-label': 'Trigger' }, run.trigger || '—'),
        h('td', { 'data-label': 'Started' }, timeEl(run.created_at, 'relative')),
        h('td', { 'data-label': 'Took' }, took || (['running', 'waiting', 'queued'].includes(run.status)
          ? h('span', { class: 'muted' }, 'in progress') : '—')));
    })));
}
