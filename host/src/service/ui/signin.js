// Signing in: as a person with an e-mail address and a password (a session cookie), through
// the OpenID provider when one is configured, or with an API token (kept for this tab only).

import { api, session } from './api.js';
import { announce, busy, field, fill, h } from './dom.js';

export async function signInView(main, message, done) {
  const providers = await api('GET', '/auth/providers').catch(() => ({ password: true, oidc: null }));
  const title = h('h1', { id: 'signin-title', tabindex: -1 }, 'Sign in to Roost');
  fill(main, h('div', { class: 'card narrow' }, title,
    passwordForm(done),
    providers.oidc ? h('p', { class: 'oidc' },
      h('a', { class: 'button', href: '/auth/oidc/start', id: 'oidc-signin' }, `Sign in with ${providers.oidc}`)) : null,
    h('h2', { class: 'or' }, 'Or with an API token'), tokenForm(done)));
  if (message) announce(message, /failed|Signed out:/.test(message) ? 'error' : 'status');
  main.querySelector('input[name=email]').focus();
}

function passwordForm(done) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin-password', 'aria-label': 'Sign in with e-mail and password' },
    field('E-mail address', email), field('Password', password), h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(submit, async () => {
      try {
        const me = await api('POST', '/auth/signin', { email: email.value.trim(), password: password.value });
        session.person(me.csrf);
        password.value = '';
        const workspaces = await api('GET', '/workspaces');
        if (!workspaces.length) throw new Error('you are not a member of any workspace yet; ask an owner to invite you');
        announce('Signed in.');
        done(workspaces);
      } catch (e) {
        announce(`Sign-in failed: ${e.message}`, 'error');
        password.focus();
      }
    });
  });
  return form;
}

function tokenForm(done) {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
  const submit = h('button', { type: 'submit' }, 'Sign in with token');
  const form = h('form', { class: 'signin-token', 'aria-label': 'Sign in with an API token' },
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
  return form;
}
