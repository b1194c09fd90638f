// The crisis stop on the calendar: a banner while publishing is stopped, and the switch
// that stops or resumes every publish of the workspace.

import { api, ws } from './api.js';
import { announce, busy, field, fill, formatClock, formatDay, h } from './dom.js';

export function stopPanel(editor, onChange) {
  const panel = h('section', { class: 'stop-panel', 'aria-label': 'Crisis stop', 'aria-live': 'polite' });

  async function load() {
    const state = await api('GET', ws('/publishing'));
    fill(panel, state.held ? heldView(state) : goingView());
    return state;
  }

  function heldView(state) {
    const count = state.held_publishes.length;
    const resume = h('button', { type: 'button' }, 'Resume publishing');
    resume.addEventListener('click', () => {
      const what = count ? `${count} held publish${count === 1 ? '' : 'es'} will go out at once.` : 'Nothing is held yet.';
      if (!window.confirm(`Resume publishing? ${what}`)) return;
      busy(resume, async () => {
        try {
          const done = await api('POST', ws('/publishing/resume'));
          announce(`Publishing resumed: ${done.released} released.`);
          await load();
          onChange();
        } catch (e) {
          announce(`Resuming failed: ${e.message}`, 'error');
        }
      });
    });
    const since = new Date(state.since);
    return h('div', { class: 'callout error', role: 'status' },
      h('strong', null, 'Publishing is stopped.'), ' ',
      `Since ${formatDay(since)} ${formatClock(since)}, by ${state.by}`, state.reason ? `: ${state.reason}` : '', '. ',
      count ? `${count} publish${count === 1 ? ' is' : 'es are'} held back; nothing is posted until publishing resumes.`
        : 'Nothing is posted until publishing resumes.',
      editor ? h('div', { class: 'actions' }, resume) : null);
  }

  function goingView() {
    if (!editor) return null;
    const reason = h('input', { type: 'text', maxlength: 500, placeholder: 'e.g. product recall, wait for PR' });
    const stop = h('button', { type: 'submit', class: 'danger' }, 'Stop all publishing');
    const form = h('form', { class: 'inline stop' }, field('Reason', reason), stop);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!window.confirm('Stop every publish of this workspace? Scheduled posts keep their slots but nothing goes out.')) return;
      busy(stop, async () => {
        try {
          await api('POST', ws('/publishing/stop'), { reason: reason.value });
          announce('Publishing stopped.');
          await load();
          onChange();
        } catch (e) {
          announce(`Stopping failed: ${e.message}`, 'error');
        }
      });
    });
    return form;
  }

  return { panel, load };
}
