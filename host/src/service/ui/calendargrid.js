// The calendar as a week or month grid of days: each scheduled post a chip on its day,
// moved by dragging it to another day or, from the keyboard, with Alt + arrow keys
// (left/right a day, up/down an hour). Days holding a post's best times (its run's
// `best_slots`) are shaded with those times; a post dropped on such a day takes that
// best time. Editors move; everyone else reads.

import { api, seg, ws } from './api.js';
import { announce, formatClock, formatDay, h, ms } from './dom.js';

const DAY = 86400000;
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dayNumber = new Intl.DateTimeFormat(undefined, { day: 'numeric' });
const monthTitle = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });

/** Moves the waiting step of `entry` to `at` (a Date); true when the server took it. */
export async function moveEntry(entry, at) {
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    announce('Choose a time in the future.', 'error');
    return false;
  }
  try {
    await api('POST', ws(`/calendar/${seg(entry.run_id)}/${seg(entry.step)}/move`), { at: at.toISOString() });
    announce(`Moved ${entry.workflow} to ${formatDay(at)} ${formatClock(at)}.`);
    return true;
  } catch (e) {
    announce(`Moving failed: ${e.message}`, 'error');
    return false;
  }
}

/** Local midnight of the Monday on or before `date`. */
function monday(date) {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

const key = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The days a grid shows for `mode` around `anchor`: [first, count]. */
export function gridRange(mode, anchor) {
  if (mode === 'week') return [monday(anchor), 7];
  const first = monday(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
  return [first, 42];
}

/** `anchor` moved by one week or month (`step` is -1 or 1), or today for 0. */
export function shift(mode, anchor, step) {
  if (step === 0) return new Date();
  if (mode === 'week') return new Date(anchor.getTime() + step * 7 * DAY);
  return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
}

export function gridTitle(mode, anchor) {
  if (mode === 'month') return monthTitle.format(anchor);
  const [first] = gridRange(mode, anchor);
  return `Week of ${formatDay(first)}`;
}

/** The grid of `entries`; `editor` may move them, `reload` runs after a move. */
export function grid(mode, anchor, entries, editor, reload) {
  const [first, count] = gridRange(mode, anchor);
  const byDay = new Map();
  const bestByDay = new Map();
  const add = (map, k, value) => {
    if (!map.has(k)) map.set(k, []);
    map.get(k).push(value);
  };
  for (const entry of entries) {
    add(byDay, key(new Date(ms(entry.at))), entry);
    for (const slot of entry.best_slots || []) add(bestByDay, key(new Date(ms(slot.at))), { ...slot, entry });
  }
  const today = key(new Date());
  const days = [];
  for (let i = 0; i < count; i += 1) {
    const day = new Date(first.getFullYear(), first.getMonth(), first.getDate() + i);
    const k = key(day);
    const outside = mode === 'month' && day.getMonth() !== anchor.getMonth();
    const best = bestByDay.get(k) || [];
    const classes = `cal-day${outside ? ' outside' : ''}${k === today ? ' today' : ''}${best.length ? ' best' : ''}`;
    const cell = h('li', { class: classes, 'data-day': k },
      h('div', { class: 'cal-date' }, h('span', { class: 'cal-weekday' }, weekday.format(day)), ' ', dayNumber.format(day)),
      best.length ? bestTimes(best) : null,
      h('ul', { class: 'cal-chips', 'aria-label': formatDay(day) },
        (byDay.get(k) || []).map((entry) => h('li', null, chip(entry, editor, reload)))));
    if (editor) {
      cell.addEventListener('dragover', (event) => event.preventDefault());
      cell.addEventListener('drop', (event) => {
        event.preventDefault();
        const entry = dragged;
        dragged = null;
        if (!entry) return;
        // On a day with one of the post's best times, it takes that time; elsewhere it keeps its own.
        const slot = best.find((b) => b.entry === entry);
        const to = new Date(slot ? ms(slot.at) : ms(entry.at));
        if (!slot) to.setFullYear(day.getFullYear(), day.getMonth(), day.getDate());
        moveEntry(entry, to).then((moved) => moved && reload());
      });
    }
    days.push(cell);
  }
  return h('ol', { class: `cal-grid ${mode}`, 'aria-label': gridTitle(mode, anchor) }, days);
}

let dragged = null;

/** A day's best times: each with the post it is suggested for and its score. */
function bestTimes(slots) {
  return h('ul', { class: 'cal-best', 'aria-label': 'Best times to post' }, slots.map((slot) => {
    const score = typeof slot.score === 'number' ? `, score ${slot.score.toFixed(2)}` : '';
    const label = `Best time for ${slot.entry.workflow}: ${formatClock(slot.at)}${score}`;
    return h('li', null, h('time', { datetime: slot.at, title: label, 'aria-label': label }, formatClock(slot.at)));
  }));
}

function chip(entry, editor, reload) {
  const label = `${formatClock(entry.at)} ${entry.workflow}${entry.held ? ', held' : ''}`;
  const hint = editor ? '. Alt and the arrow keys move it: left or right a day, up or down an hour.' : '';
  const el = h(editor ? 'button' : 'a', {
    class: `cal-chip${entry.held ? ' held' : ''}`,
    type: editor ? 'button' : null,
    href: editor ? null : `#/runs/${seg(entry.run_id)}`,
    draggable: editor ? 'true' : null,
    'aria-label': label + hint,
    'data-run': entry.run_id,
    title: entry.publish_steps.map((s) => `${s.plugin}/${s.action}`).join(', '),
  }, h('time', { datetime: entry.at }, formatClock(entry.at)), ' ', entry.workflow, entry.held ? ' (held)' : '');
  if (!editor) return el;
  el.addEventListener('dragstart', (event) => {
    dragged = entry;
    event.dataTransfer.setData('text/plain', entry.run_id);
  });
  el.addEventListener('keydown', (event) => {
    const by = { ArrowLeft: -DAY, ArrowRight: DAY, ArrowUp: -3600000, ArrowDown: 3600000 }[event.key];
    if (!event.altKey || !by) return;
    event.preventDefault();
    moveEntry(entry, new Date(ms(entry.at) + by)).then((moved) => moved && reload(entry));
  });
  el.addEventListener('click', () => { window.location.hash = `#/runs/${seg(entry.run_id)}`; });
  return el;
}
