// Workspace administration (the operator): every workspace with its quotas, creating one,
// changing its quotas, and deleting one with everything it holds after typing its id.
// Members and their tokens are kept on each workspace's Settings page.

import { api, seg, session } from './api.js';
import { announce, busy, empty, field, fill, h, section, timeEl } from './dom.js';
import { isOperator } from './role.js';

const QUOTAS = [
  ['concurrent_runs', 'Concurrent runs'],
  ['steps_per_day', 'Steps per day'],
  ['plugin_memory_mb', 'Plugin memory (MB)'],
  ['plugin_timeout_ms', 'Plugin timeout (ms)'],
];

export async function workspacesView(main) {
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Workspaces'));
  if (!(await isOperator())) {
    return fill(main, head, h('p', { class: 'muted' },
      'Only the operator creates, changes and deletes workspaces. Members and tokens of this workspace are in ',
      h('a', { href: '#/settings' }, 'Settings'), '.'));
  }
  const list = await api('GET', '/workspaces');
  const reload = () => workspacesView(main);
  fill(main, head,
    h('p', { class: 'lead' }, 'Each workspace is one client: its own workflows, runs, secrets, members and quotas.'),
    section('All workspaces', list.length ? list.map((w) => workspaceCard(w, reload)) : empty('No workspaces.')),
    section('Create a workspace', createForm(reload)));
}

/** Number fields for each quota, filled from `quotas`. */
function quotaFields(quotas, prefix) {
  const inputs = QUOTAS.map(([key]) => h('input', { type: 'number', min: 0, step: 1, name: key, id: `${prefix}-${key}`,
    value: quotas && quotas[key] !== undefined && quotas[key] !== null ? String(quotas[key]) : '' }));
  const read = () => Object.fromEntries(inputs.filter((i) => i.value.trim() !== '').map((i) => [i.name, Number(i.value)]));
  return { fields: inputs.map((input, i) => field(QUOTAS[i][1], input, 'Empty: no limit')), read };
}

function createForm(done) {
  const id = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}', autocomplete: 'off' });
  const name = h('input', { type: 'text', maxlength: 100, autocomplete: 'off' });
  const quotas = quotaFields({}, 'new');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create workspace');
  const form = h('form', { class: 'row-form' }, field('Id', id, 'Letters, digits, - _ . ; used in addresses'),
    field('Name', name, 'Shown beside the id'), quotas.fields, h('div', { class: 'actions' }, create));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(create, async () => {
      try {
        const body = { id: id.value.trim(), quotas: quotas.read() };
        if (name.value.trim()) body.name = name.value.trim();
        await api('POST', '/workspaces', body);
        window.dispatchEvent(new CustomEvent('roost:workspaces'));
        await done();
        announce(`Workspace ${body.id} created.`);
      } catch (e) {
        announce(`Not created: ${e.message}`, 'error');
      }
    });
  });
  return form;
}

function workspaceCard(w, done) {
  const titleId = `ws-${w.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const quotas = quotaFields(w.quotas, titleId);
  const save = h('button', { type: 'submit' }, 'Save quotas');
  const quotaForm = h('form', { class: 'row-form', 'aria-label': `Quotas of ${w.id}` }, quotas.fields, h('div', { class: 'actions' }, save));
  quotaForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        await api('PATCH', `/workspaces/${seg(w.id)}`, { quotas: quotas.read() });
        announce(`Quotas of ${w.id} saved.`);
      } catch (e) {
        announce(`Not saved: ${e.message}`, 'error');
      }
    });
  });
  return h('article', { class: 'card workspace', 'aria-labelledby': titleId },
    h('h3', { id: titleId, class: 'card-title' }, w.name, w.name !== w.id ? h('span', { class: 'muted' }, ` (${w.id})`) : null),
    h('p', { class: 'meta' }, 'Created ', timeEl(w.created_at, 'relative'),
      w.id === session.workspace ? ' · the workspace you are working in' : null),
    quotaForm, deleteForm(w, done));
}

/** Deleting `w`: enabled only once its id is typed, and refused by the API while runs are active. */
function deleteForm(w, done) {
  const typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', name: 'confirm' });
  const remove = h('button', { type: 'submit', class: 'danger', disabled: true }, `Delete ${w.id}`);
  typed.addEventListener('input', () => { remove.disabled = typed.value !== w.id; });
  const form = h('form', { class: 'row-form danger-zone' },
    field(`Type ${w.id} to delete it`, typed, 'Deletes its runs, workflows, secrets, variables, tokens, members, invitations, data and audit log for good'),
    h('div', { class: 'actions' }, remove));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (typed.value !== w.id) return;
    busy(remove, async () => {
      try {
        const gone = await api('DELETE', `/workspaces/${seg(w.id)}?confirm=${encodeURIComponent(w.id)}`);
        window.dispatchEvent(new CustomEvent('roost:workspaces'));
        await done();
        announce(`Workspace ${w.id} deleted with its ${gone.runs} run${gone.runs === 1 ? '' : 's'}.`);
      } catch (e) {
        announce(`Not deleted: ${e.message}`, 'error');
      }
    });
  });
  return form;
}
