// Accepting an invitation link (`#/invitation/SECRET`): a new person chooses a password,
// someone with an account confirms theirs; either way they are signed in as a member.

import { api, seg, session } from './api.js';
import { announce, busy, field, fill, h } from './dom.js';

export async function invitationView(main, secret, done) {
  document.getElementById('nav').hidden = true;
  const title = h('h1', { tabindex: -1 }, 'Invitation');
  let invitation;
  try {
    invitation = await api('GET', `/invitations/${seg(secret)}`, undefined, '');
  } catch (e) {
    return fill(main, h('div', { class: 'card narrow' }, title, h('p', { class: 'callout error' }, e.message),
      h('p', null, h('a', { href: '#/runs' }, 'Go to sign-in.'))));
  }
  const password = h('input', {
    type: 'password', name: 'password', required: true,
    autocomplete: invitation.has_account ? 'current-password' : 'new-password',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Accept invitation');
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'invitation-title' },
    h('h1', { id: 'invitation-title', tabindex: -1 }, `Join ${invitation.workspace}`),
    h('p', null, 'You are invited as ', h('strong', null, invitation.role), ' to the workspace ',
      h('strong', null, invitation.workspace), ', as ', h('strong', { class: 'invited-email' }, invitation.email), '.'),
    field(invitation.has_account ? 'Your password' : 'Choose a password', password,
      invitation.has_account ? 'This address has an account: its password confirms it is you.'
        : 'At least 10 characters.'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(submit, async () => {
      try {
        const me = await api('POST', `/invitations/${seg(secret)}/accept`, { password: password.value }, '');
        session.person(me.csrf);
        announce(`Welcome to ${invitation.workspace}.`);
        await done(invitation.workspace);
      } catch (e) {
        announce(`Accepting failed: ${e.message}`, 'error');
        password.focus();
      }
    });
  });
  fill(main, form);
  password.focus();
}
