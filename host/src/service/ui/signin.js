// Signing in with an API token: checked against the API, then kept for this tab only.

import { api, session } from './api.js';
import { announce, busy, field, fill, h } from './dom.js';

export function signInView(main, message, done) {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: -1 }, 'Sign in to Roost'),
    field('API token', token, 'The operator token (the operator-token file of roost serve) or a token a workspace owner made. '
      + 'It stays in this browser tab only.'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = token.value.trim();
    if (!value) return announce('Enter a token to sign in.', 'error');
    await busy(submit, async () => {
      try {
        const workspaces = await api('GET', '/workspaces', undefined, value);
        if (!workspaces.length) throw new Error('this token has no workspace; ask the operator for a workspace token');
        session.signIn(value);
        announce('Signed in.');
        done(workspaces);
      } catch (e) {
        announce(`Sign-in failed: ${e.message}`, 'error');
        token.focus();
      }
    });
  });
  fill(main, form);
  if (message) announce(message, /failed|Signed out:/.test(message) ? 'error' : 'status');
  token.focus();
}
