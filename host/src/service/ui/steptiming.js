// A step's timing as it happened: one bar segment per attempt on the run's time scale, the
// waits between retries left as gaps, and a label that says how many attempts over how long.

import { ACTIVE, duration, h, ms } from './dom.js';

/** `{track, label, took}` for `step` on a scale from `start` spanning `span` ms. */
export function stepTiming(step, start, span, now) {
  const attempts = (step.attempts || []).filter((a) => ms(a.started_at) !== null);
  const from = attempts.length ? ms(attempts[0].started_at) : ms(step.started_at);
  const last = attempts.length ? ms(attempts[attempts.length - 1].finished_at) : null;
  const to = last ?? ms(step.finished_at) ?? (ACTIVE.includes(step.status) ? now : from);
  const track = h('div', { class: 'track' });
  /** Sets `el` from time `a` to `b`: by its left margin, or (overlaid) by `left`. */
  const place = (el, a, b, overlaid = false) => {
    el.style[overlaid ? 'left' : 'marginLeft'] = `${Math.min(99, ((a - start) / span) * 100)}%`;
    el.style.width = `${Math.max(0.8, ((b - a) / span) * 100)}%`;
    return el;
  };
  if (from === null) {
    track.setAttribute('role', 'img');
    track.setAttribute('aria-label', 'not started');
    return { track, label: '', took: null };
  }
  const whole = to !== null ? to - from : null;
  let label;
  if (attempts.length > 1) {
    const ran = attempts.reduce((sum, a) => sum + (ms(a.finished_at) - ms(a.started_at)), 0);
    const items = new Set(attempts.map((a) => a.item)).size;
    const what = items > 1 ? `${attempts.length} attempts over ${items} items` : `${attempts.length} attempts`;
    label = `${what} over ${duration(whole)} (${duration(ran)} running, ${duration(Math.max(0, whole - ran))} waiting)`;
    // A faint bar for the whole span, and a solid segment for each attempt.
    track.append(place(h('div', { class: 'bar span' }), from, to, true));
    for (const a of attempts) {
      const bar = h('div', { class: `bar attempt s-${a.status}`, title: `attempt ${a.attempt}: ${a.status}` });
      track.append(place(bar, ms(a.started_at), ms(a.finished_at), true));
    }
  } else {
    // The bar's length, and the plugin's own time when the host's work around it was longer.
    const plugin = step.duration_ms;
    const inside = plugin !== null && plugin !== undefined && whole - plugin > 5 ? ` (${duration(plugin)} in the plugin)` : '';
    label = whole === null ? '' : `${duration(whole)}${inside}`;
    track.append(place(h('div', { class: `bar s-${step.status}` }), from, to ?? from));
  }
  track.setAttribute('role', 'img');
  track.setAttribute('aria-label', `${step.status}, started ${duration(from - start)} after the run, ${label || 'no time yet'}`);
  return { track, label, took: whole };
}
