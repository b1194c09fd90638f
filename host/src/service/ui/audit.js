// The audit log (owners): who did what, each actor shown by kind and token id; a token's
// name is only a label beside them, so a token named "operator" cannot pass for one.

import { api, ws } from './api.js';
import { empty, fill, h, timeEl } from './dom.js';

export async function auditView(main) {
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Audit log'));
  let entries;
  try {
    entries = await api('GET', ws('/audit'));
  } catch (e) {
    if (e.status !== 403) throw e;
    return fill(main, head, h('p', { class: 'muted' }, `Your token cannot see this: ${e.message}.`));
  }
  fill(main, head,
    h('p', { class: 'lead' }, 'The newest 500 changes to this workspace, by who made them.'),
    entries.length ? table(entries) : empty('Nothing has been changed yet.'));
}

function table(entries) {
  const head = ['When', 'Who', 'Action', 'Target', 'Detail'];
  return h('table', { class: 'table audit' },
    h('caption', { class: 'visually-hidden' }, 'Audit log, newest first'),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, entries.map((e) => h('tr', null,
      h('td', { 'data-label': 'When' }, timeEl(e.at, 'relative')),
      h('td', { 'data-label': 'Who' }, actor(e.actor)),
      h('td', { 'data-label': 'Action' }, h('code', null, e.action)),
      h('td', { 'data-label': 'Target' }, e.target),
      h('td', { 'data-label': 'Detail' }, e.detail || '—')))));
}

/** A person by e-mail address; else `operator token 0193…` or `editor token 0193…`, then
 * the name as a quoted label. */
function actor(a) {
  if (a.kind === 'user') return h('span', { class: 'actor actor-user' }, h('strong', null, a.name), ' ', h('span', { class: 'muted' }, '(person)'));
  const kind = { operator: 'operator token', workspace: `${a.role} token`, system: 'Roost' }[a.kind];
  if (!kind) return h('span', { class: 'muted', title: 'recorded before actors had kinds' }, a.name || '—');
  return h('span', { class: `actor actor-${a.kind}` },
    h('strong', null, kind), ' ', h('code', { title: a.id }, a.kind === 'system' ? a.id : a.id.slice(-8)),
    a.name ? h('span', { class: 'muted' }, ` “${a.name}”`) : null);
}
