// The people of a workspace (owners): members with their roles, pending invitations, and
// the form that invites someone by e-mail address and shows the link to send them.

import { api, seg, ws } from './api.js';
import { announce, busy, empty, field, fill, h, section, timeEl } from './dom.js';

const ROLES = ['viewer', 'approver', 'editor', 'owner'];

export async function membersView(main) {
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'People'));
  let members;
  let invitations;
  try {
    [members, invitations] = await Promise.all([api('GET', ws('/members')), api('GET', ws('/invitations'))]);
  } catch (e) {
    if (e.status !== 403) throw e;
    return fill(main, head, h('p', { class: 'muted' }, `Only owners see this: ${e.message}.`));
  }
  const reload = () => membersView(main);
  const pending = h('div', { class: 'pending' });
  showInvitations(pending, invitations, reload);
  const refresh = async () => showInvitations(pending, await api('GET', ws('/invitations')), reload);
  fill(main, head,
    section('Members', members.length ? table('Members', ['E-mail', 'Role', 'Since', ''], members.map((m) => [
      m.email, m.role, timeEl(m.created_at, 'relative'),
      remover('Remove', m.email, () => api('DELETE', ws(`/members/${seg(m.user_id)}`)), reload),
    ])) : empty('No people yet: invite someone below.')),
    section('Invitations', pending),
    section('Invite someone', inviteForm(refresh)));
}

function showInvitations(el, invitations, reload) {
  fill(el, invitations.length ? table('Pending invitations', ['E-mail', 'Role', 'Expires', ''],
    invitations.map((i) => [i.email, i.role, timeEl(i.expires_at, 'relative'),
      remover('Withdraw', i.email, () => api('DELETE', ws(`/invitations/${seg(i.id)}`)), reload)]))
    : empty('No pending invitations.'));
}

/** The invite form; `made` refreshes the pending list while the new link stays shown. */
function inviteForm(made) {
  const email = h('input', { type: 'email', name: 'invite-email', required: true, autocomplete: 'off' });
  const role = h('select', { name: 'invite-role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'approver' }, r)));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create invitation');
  const result = h('div', { class: 'invite-result' });
  const form = h('form', { class: 'invite' }, field('E-mail address', email), field('Role', role),
    h('div', { class: 'actions' }, submit), result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(submit, async () => {
      try {
        const created = await api('POST', ws('/invitations'), { email: email.value.trim(), role: role.value });
        const link = h('input', { type: 'text', name: 'invite-link', readOnly: true, value: `${location.origin}${created.link}` });
        fill(result, field('Send this link to the person (it works once, for 7 days)', link));
        announce(`Invitation for ${created.invitation.email} created.`);
        link.focus();
        link.select();
        await made();
      } catch (e) {
        announce(`Inviting failed: ${e.message}`, 'error');
      }
    });
  });
  return form;
}

function table(caption, head, rows) {
  return h('table', { class: 'table' }, h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c, i) => h('td', { 'data-label': head[i] || null }, c))))));
}

function remover(label, what, work, reload) {
  const button = h('button', { type: 'button', class: 'danger small', 'aria-label': `${label} ${what}` }, label);
  button.addEventListener('click', () => {
    if (!window.confirm(`${label} ${what}?`)) return;
    busy(button, async () => {
      try {
        await work();
        announce(`${what}: done.`);
        reload();
      } catch (e) {
        announce(e.message, 'error');
      }
    });
  });
  return button;
}
