// The calendar of scheduled publishes, by day: what will be posted when, with Move and Cancel.

import { api, seg, ws } from './api.js';
import { announce, busy, empty, field, fill, formatClock, formatDay, h, localInput, ms, postCard } from './dom.js';
import { stopPanel } from './publishingstop.js';
import { may } from './role.js';

const RANGES = [['all', 'All upcoming'], ['7', 'Next 7 days'], ['30', 'Next 30 days']];

export async function calendarView(main, ctx) {
  const range = h('select', null, RANGES.map(([value, label]) => h('option', { value }, label)));
  const list = h('div', { class: 'agenda', 'aria-busy': 'true' });
  const editor = await may('editor');
  const stop = stopPanel(editor, () => load());
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Calendar'), h('div', { class: 'inline' }, field('Show', range))),
    h('p', { class: 'lead' }, 'Posts that waiting runs will publish, in your local time.'),
    stop.panel,
    list);
  range.addEventListener('change', () => load());

  async function load() {
    const q = new URLSearchParams();
    if (range.value !== 'all') q.set('to', new Date(Date.now() + Number(range.value) * 86400000).toISOString());
    const entries = await api('GET', ws(`/calendar${q.toString() ? `?${q}` : ''}`));
    if (!ctx.current) return;
    list.removeAttribute('aria-busy');
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
    const at = new Date(when.value);
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
      announce('Choose a time in the future.', 'error');
      return when.focus();
    }
    busy(move, async () => {
      try {
        await api('POST', ws(`/calendar/${seg(entry.run_id)}/${seg(entry.step)}/move`), { at: at.toISOString() });
        announce(`Moved ${entry.workflow} to ${formatDay(at)} ${formatClock(at)}.`);
        reload();
      } catch (e) {
        announce(`Moving failed: ${e.message}`, 'error');
      }
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
