// Workspace settings: tokens (a new one's value is shown once), secrets (names only; values
// are write-only), variables and the retention of history.

import { api, seg, ws } from './api.js';
import { announce, busy, empty, field, fill, h, section, timeEl } from './dom.js';
import { loadRetention, renderRetention } from './retention.js';
import { may } from './role.js';

const ROLES = ['viewer', 'approver', 'editor', 'owner'];

export async function settingsView(main) {
  const [workspace, editor] = await Promise.all([api('GET', ws('')), may('editor')]);
  const tokens = h('div');
  const secrets = h('div');
  const variables = h('div');
  const retention = h('div');
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Settings')),
    h('dl', { class: 'facts' },
      h('dt', null, 'Workspace'), h('dd', null, workspace.name,
        workspace.name !== workspace.id ? [' ', h('code', null, workspace.id)] : null),
      h('dt', null, 'Quotas'), h('dd', null, quotas(workspace.quotas))),
    section('Tokens', tokens), section('Secrets', secrets), section('Variables', variables),
    section('Retention', retention));
  await Promise.all([tokensPart(tokens), secretsPart(secrets, editor), variablesPart(variables, editor), retentionPart(retention)]);
}

function quotas(q) {
  const entries = Object.entries(q || {});
  return entries.length ? entries.map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join(' · ') : 'none';
}

/** Loads a part; a role too small for it is explained rather than failing the page. */
async function part(el, load, render) {
  try {
    render(await load());
  } catch (e) {
    fill(el, h('p', { class: 'muted' }, e.status === 403 ? `Your token cannot see this: ${e.message}.` : e.message));
  }
}

/** A delete button naming what it deletes, with confirmation. */
function remover(label, what, run) {
  const button = h('button', { type: 'button', class: 'danger small', 'aria-label': `${label} ${what}` }, label);
  button.addEventListener('click', () => {
    if (window.confirm(`${label} ${what}?`)) busy(button, run);
  });
  return button;
}

function table(caption, head, rows) {
  return h('table', { class: 'table' }, h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c, i) => h('td', { 'data-label': head[i] || null }, c))))));
}

async function act(work, done, message) {
  try {
    await work();
    announce(message);
    done();
  } catch (e) {
    announce(e.message, 'error');
  }
}

function tokensPart(el) {
  const reload = () => tokensPart(el);
  return part(el, () => api('GET', ws('/tokens')), (list) => {
    const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
    const role = h('select', null, ROLES.map((r) => h('option', { value: r, selected: r === 'viewer' }, r)));
    const create = h('button', { type: 'submit' }, 'Create token');
    const form = h('form', { class: 'row-form' }, field('Name', name, 'Who or what uses it'), field('Role', role),
      h('div', { class: 'actions' }, create));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(create, async () => {
        try {
          const made = await api('POST', ws('/tokens'), { name: name.value.trim(), role: role.value });
          await tokensPart(el);
          el.prepend(newToken(made));
          el.querySelector('.new-token input').focus();
          announce(`Token ${made.name} created. Copy it now: it is not shown again.`);
        } catch (e) {
          announce(e.message, 'error');
        }
      });
    });
    fill(el, list.length ? table('Tokens', ['Name', 'Role', 'Created', 'Last used', ''], list.map((t) => [
      t.name, t.role, timeEl(t.created_at), t.last_used_at ? timeEl(t.last_used_at, 'relative') : 'never',
      remover('Delete token', t.name, () => act(() => api('DELETE', ws(`/tokens/${seg(t.id)}`)), reload, `Token ${t.name} deleted.`)),
    ])) : empty('No workspace tokens.'), form);
  });
}

function newToken(made) {
  const value = h('input', { type: 'text', readOnly: true, value: made.token, class: 'code', spellcheck: 'false' });
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(made.token);
      announce('Copied.');
    } catch {
      announce('Press Ctrl+C (or Cmd+C) to copy the selected token.');
    }
  });
  return h('div', { class: 'callout ok new-token' },
    h('p', null, h('strong', null, `New ${made.role} token “${made.name}”. `), 'Copy it now: it will not be shown again.'),
    h('div', { class: 'inline' }, field('Token value', value), copy));
}

function secretsPart(el, editor) {
  const reload = () => secretsPart(el, editor);
  return part(el, () => api('GET', ws('/secrets')), (list) => {
    const name = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9_.\\-]{1,64}', autocomplete: 'off' });
    const value = h('input', { type: 'password', required: true, autocomplete: 'new-password' });
    const hosts = h('input', { type: 'text', placeholder: 'https://mastodon.social', autocomplete: 'off' });
    const save = h('button', { type: 'submit' }, 'Set secret');
    const form = h('form', { class: 'row-form' }, field('Name', name), field('Value', value, 'Write-only: never shown again'),
      field('Allowed hosts', hosts, 'The only hosts the value is sent to, separated by spaces or commas; empty: sent nowhere (enough for webhook and signing keys)'),
      h('div', { class: 'actions' }, save));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { value: value.value, hosts: hosts.value.split(/[\s,]+/).filter(Boolean) };
      busy(save, () => act(() => api('PUT', ws(`/secrets/${seg(name.value.trim())}`), body), reload, `Secret ${name.value.trim()} set.`));
    });
    fill(el, list.length ? table('Secrets', ['Name', 'Allowed hosts', 'Updated', ''], list.map((s) => [
      h('code', null, s.name), s.hosts.length ? s.hosts.join(', ') : 'none: sent nowhere', timeEl(s.updated_at),
      editor ? remover('Delete secret', s.name, () => act(() => api('DELETE', ws(`/secrets/${seg(s.name)}`)), reload,
        `Secret ${s.name} deleted.`)) : '',
    ])) : empty('No secrets.'), editor ? form : null);
  });
}

function variablesPart(el, editor) {
  const reload = () => variablesPart(el, editor);
  return part(el, () => api('GET', ws('/variables')), (list) => {
    const name = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9_.\\-]{1,64}', autocomplete: 'off' });
    const value = h('input', { type: 'text', autocomplete: 'off' });
    const save = h('button', { type: 'submit' }, 'Set variable');
    const form = h('form', { class: 'row-form' }, field('Name', name), field('Value', value), h('div', { class: 'actions' }, save));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(save, () => act(() => api('PUT', ws(`/variables/${seg(name.value.trim())}`), { value: value.value }), reload,
        `Variable ${name.value.trim()} set.`));
    });
    const edit = (v) => h('button', { type: 'button', class: 'small', 'aria-label': `Edit variable ${v.name}`, onclick: () => {
      name.value = v.name;
      value.value = v.value;
      value.focus();
    } }, 'Edit');
    fill(el, list.length ? table('Variables', ['Name', 'Value', ''], list.map((v) => [
      h('code', null, v.name), v.value,
      editor ? h('span', { class: 'actions' }, edit(v), remover('Delete variable', v.name,
        () => act(() => api('DELETE', ws(`/variables/${seg(v.name)}`)), reload, `Variable ${v.name} deleted.`))) : '',
    ])) : empty('No variables.'), editor ? form : null);
  });
}

function retentionPart(el) {
  return part(el, loadRetention, (data) => renderRetention(el, data, () => retentionPart(el)));
}
