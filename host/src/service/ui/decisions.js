// The decisions taken on a run's approvals: approved or rejected, by whom (a person by
// e-mail address, a token by kind and id), when, and with which comment.

import { h, section, timeEl } from './dom.js';

/** A section listing the decided approvals of a run, or null when none is decided. */
export function decisions(approvals) {
  const decided = (approvals || []).filter((a) => a.status !== 'waiting' && a.decided_by);
  if (!decided.length) return null;
  return section('Decisions', h('ul', { class: 'decisions' }, decided.map((a) => h('li', { class: 'decision' },
    h('strong', null, a.status === 'approved' ? 'Approved' : 'Rejected'), ' ',
    h('code', null, a.step_id), ' by ', h('span', { class: 'decided-by' }, a.decided_by),
    a.decided_at ? [' ', timeEl(a.decided_at, 'relative')] : null,
    a.comment ? h('span', { class: 'muted' }, ` “${a.comment}”`) : null))));
}
