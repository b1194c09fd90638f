// The calendar of scheduled publishes: as an agenda by day (with Move and Cancel, and
// always on a phone), or as a week or month grid where posts are dragged to another day.

import { api, seg, ws } from './api.js';
import { grid, gridRange, gridTitle, moveEntry, shift } from './calendargrid.js';
import { announce, busy, empty, field, fill, formatClock, formatDay, h, localInput, ms, postCard } from './dom.js';
import { stopPanel } from './publishingstop.js';
import { may } from './role.js';

const RANGES = [['all', 'All upcoming'], ['7', 'Next 7 days'], ['30', 'Next 30 days']];
const VIEWS = [['agenda', 'Agenda'], ['week', 'Week'], ['month', 'Month']];
const phone = window.matchMedia('(max-width: 640px)');

export async function calendarView(main, ctx) {
  const range = h('select', null, RANGES.map(([value, label]) => h('option', { value }, label)));
  const view = h('select', { name: 'view' }, VIEWS.map(([value, label]) => h('option', { value }, label)));
  if (VIEWS.some(([v]) => v === ctx.query.get('view'))) view.value = ctx.query.get('view');
  const list = h('div', { class: 'agenda', 'aria-busy': 'true' });
  const title = h('h2', { class: 'cal-title', 'aria-live': 'polite' });
  const nav = [['Previous', -1], ['Today', 0], ['Next', 1]].map(([label, step]) =>
    h('button', { type: 'button', onclick: () => { anchor = shift(mode(), anchor, step); load(); } }, label));
  const gridHead = h('div', { class: 'cal-head inline' }, title, nav);
  let anchor = new Date();
  const editor = await may('editor');
  const stop = stopPanel(editor, () => load());
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Calendar'),
      h('div', { class: 'inline' }, field('View', view), field('Show', range))),
    h('p', { class: 'lead' }, 'Posts that waiting runs will publish, in your local time.'),
    stop.panel,
    gridHead,
    list);
  range.addEventListener('change', () => load());
  view.addEventListener('change', () => load());
  phone.addEventListener('change', () => load());

  /** The view shown: the agenda on a phone, whatever was chosen elsewhere. */
  function mode() {
    return phone.matches ? 'agenda' : view.value;
  }

  async function load(focus) {
    const q = new URLSearchParams();
    const shown = mode();
    gridHead.hidden = shown === 'agenda';
    range.closest('.field').hidden = shown !== 'agenda';
    if (shown === 'agenda') {
      if (range.value !== 'all') q.set('to', new Date(Date.now() + Number(range.value) * 86400000).toISOString());
    } else {
      const [first, count] = gridRange(shown, anchor);
      q.set('from', first.toISOString());
      q.set('to', new Date(first.getFullYear(), first.getMonth(), first.getDate() + count).toISOString());
    }
    const entries = await api('GET', ws(`/calendar${q.toString() ? `?${q}` : ''}`));
    if (!ctx.current) return;
    list.removeAttribute('aria-busy');
    if (shown !== 'agenda') {
      title.textContent = gridTitle(shown, anchor);
      fill(list, grid(shown, anchor, entries, editor, load));
      if (focus) list.querySelector(`.cal-chip[data-run="${CSS.escape(focus.run_id)}"]`)?.focus();
      return;
    }
    if (!entries.length) return fill(list, empty('Nothing is scheduled.'));
    const days = new Map();
    for (const entry of entries) {
      const day = formatDay(entry.at);
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(entry);
    }
    fill(list, [...days].map(([day, items], i) => h('section', { 'aria-labelledby': `day-${i}`, class: 'day' },
      h('h2', { id: `day-${i}` }, day),
      h('ol', { class: 'cards' }, items.map((entry) => h('li', null, entryCard(entry, load, editor)))))));
  }

  ctx.every(30000, () => {
    if (!list.contains(document.activeElement) && !stop.panel.contains(document.activeElement)) {
      stop.load().catch(() => {});
      load().catch(() => {});
    }
  });
  await Promise.all([stop.load(), load()]);
}

function entryCard(entry, reload, editor) {
  const id = `cal-${entry.run_id}-${entry.step}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const when = h('input', { type: 'datetime-local', required: true, value: localInput(entry.at), min: localInput(Date.now()) });
  const move = h('button', { type: 'submit' }, 'Move');
  const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel run');
  const form = h('form', { class: 'move' }, field('New time', when), h('div', { class: 'actions' }, move, cancel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(move, async () => {
      if (await moveEntry(entry, new Date(when.value))) reload();
      else when.focus();
    });
  });
  cancel.addEventListener('click', () => {
    if (!window.confirm(`Cancel this run of ${entry.workflow}? Nothing it schedules will be posted.`)) return;
    busy(cancel, async () => {
      try {
        await api('POST', ws(`/calendar/${seg(entry.run_id)}/cancel`));
        announce(`Cancelled the run of ${entry.workflow}.`);
        reload();
      } catch (e) {
        announce(`Cancelling failed: ${e.message}`, 'error');
      }
    });
  });
  const overdue = ms(entry.at) < Date.now();
  return h('article', { class: 'card entry', 'aria-labelledby': id },
    h('h3', { id, class: 'card-title' },
      h('time', { datetime: entry.at, class: 'when' }, formatClock(entry.at)), ' ', entry.workflow,
      entry.held ? h('span', { class: 'badge s-failed' }, 'held') : overdue ? h('span', { class: 'badge s-waiting' }, 'due now') : null),
    h('p', { class: 'meta' }, `Waits at step ${entry.step} (${entry.kind}) · `,
      h('a', { href: `#/runs/${seg(entry.run_id)}` }, 'View run')),
    entry.publish_steps.map((step) => postCard(step.preview, `${step.id}: ${step.plugin}/${step.action}`)),
    editor ? form : null);
}
