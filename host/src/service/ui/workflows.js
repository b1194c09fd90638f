// Workflows: the list, one workflow's YAML (read-only, or in an editor that validates and
// saves, showing each problem at its line and column), enabling and starting runs.

import { api, seg, ws } from './api.js';
import { announce, busy, empty, field, fill, h, section, timeEl } from './dom.js';

const TEMPLATE = `name: my-workflow
inputs:
  text: { type: string }
steps:
  - id: review
    approval:
      message: "Post this?"
      preview: "\${{ inputs.text }}"
`;

export async function workflowsView(main) {
  const workflows = await api('GET', ws('/workflows'));
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Workflows'),
      h('a', { class: 'button primary', href: '#/workflows/new' }, 'New workflow')),
    workflows.length ? h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, 'Workflows of this workspace'),
      h('thead', null, h('tr', null, ['Name', 'Revision', 'Triggers', 'Updated'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, workflows.map((w) => h('tr', null,
        h('td', { 'data-label': 'Name' }, h('a', { href: `#/workflows/${seg(w.name)}` }, w.name)),
        h('td', { 'data-label': 'Revision' }, String(w.revision)),
        h('td', { 'data-label': 'Triggers' }, triggers(w)),
        h('td', { 'data-label': 'Updated' }, timeEl(w.updated_at, 'relative'))))))
      : empty('No workflows yet. Create one, or start roost serve with --workflows DIR.'));
}

export async function workflowView(main, ctx) {
  const [name] = ctx.params;
  if (name === 'new') {
    fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/workflows' }, 'Workflows')),
      h('h1', { tabindex: -1 }, 'New workflow'), editor(TEMPLATE, null));
    return;
  }
  const w = await api('GET', ws(`/workflows/${seg(name)}`));
  const toggle = h('button', { type: 'button', 'aria-pressed': String(w.enabled) }, w.enabled ? 'Disable triggers' : 'Enable triggers');
  toggle.addEventListener('click', () => busy(toggle, async () => {
    try {
      await api('PATCH', ws(`/workflows/${seg(name)}`), { enabled: !w.enabled });
      announce(`Triggers of ${name} ${w.enabled ? 'disabled' : 'enabled'}.`);
      workflowView(main, ctx);
    } catch (e) {
      announce(e.message, 'error');
    }
  }));
  const edit = h('button', { type: 'button' }, 'Edit');
  const view = h('div', null, source(w.source));
  edit.addEventListener('click', () => {
    fill(view, editor(w.source, () => fill(view, source(w.source))));
    view.querySelector('textarea').focus();
  });
  fill(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/workflows' }, 'Workflows')),
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, w.name), h('div', { class: 'actions' }, edit, toggle)),
    h('dl', { class: 'facts' },
      h('dt', null, 'Revision'), h('dd', null, String(w.revision)),
      h('dt', null, 'Updated'), h('dd', null, timeEl(w.updated_at)),
      h('dt', null, 'Triggers'), h('dd', null, triggers(w))),
    w.error ? h('div', { class: 'callout error', role: 'alert' },
      h('strong', null, 'This revision no longer loads; its triggers do not fire. Save a corrected revision.'),
      h('pre', null, w.error)) : null,
    section('Definition', view),
    section('Start a run', startForm(name)));
}

/** Whether a workflow's triggers fire: a broken workflow's never do. */
function triggers(w) {
  if (w.error) return h('span', { class: 'badge s-failed', title: w.error }, 'broken');
  return w.enabled ? 'enabled' : h('span', { class: 'muted' }, 'disabled');
}

/** The YAML, read-only, with line numbers. */
function source(text) {
  return h('pre', { class: 'code yaml', tabindex: 0, 'aria-label': 'Workflow YAML' },
    h('code', null, text.replace(/\n$/, '').split('\n').map((line) => h('span', { class: 'line' }, line, '\n'))));
}

/** A textarea with Validate and Save; `cancel` (if given) returns to the read-only view. */
function editor(text, cancel) {
  const area = h('textarea', { class: 'code', rows: Math.min(30, Math.max(10, text.split('\n').length + 2)),
    spellcheck: 'false', autocapitalize: 'off', wrap: 'off', value: text });
  const problems = h('div', { class: 'diagnostics' });
  const validate = h('button', { type: 'button' }, 'Validate');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { class: 'editor' }, field('Workflow YAML', area),
    problems, h('div', { class: 'actions' }, save, validate,
      cancel ? h('button', { type: 'button', class: 'quiet', onclick: cancel }, 'Cancel') : null));
  const show = (diagnostics) => fill(problems, diagnostics.length ? [
    h('p', { class: 'callout error' }, `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}:`),
    h('ul', null, diagnostics.map((d) => h('li', null, h('button', { type: 'button', class: 'link', onclick: () => jump(area, d) },
      `${d.line}:${d.column}`), ` ${d.message}`, d.help ? h('span', { class: 'hint' }, ` (${d.help})`) : null)))] : []);
  validate.addEventListener('click', () => busy(validate, async () => {
    try {
      const result = await api('POST', ws('/validate'), { source: area.value });
      show(result.diagnostics);
      if (result.valid) {
        fill(problems, h('p', { class: 'callout ok' }, `Valid: workflow ${result.name}.`));
        announce('The workflow is valid.');
      } else {
        const n = result.diagnostics.length;
        announce(`The workflow has ${n} problem${n === 1 ? '' : 's'}.`, 'error');
      }
    } catch (e) {
      announce(e.message, 'error');
    }
  }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        const saved = await api('POST', ws('/workflows'), { source: area.value });
        announce(saved.changed ? `Saved ${saved.name} as revision ${saved.revision}.` : `No change to ${saved.name}.`);
        location.hash = `#/workflows/${seg(saved.name)}`;
      } catch (e) {
        if (e.code === 'invalid_workflow' && Array.isArray(e.details)) show(e.details);
        announce(`Not saved: ${e.message}`, 'error');
      }
    });
  });
  return form;
}

/** Puts the cursor at a diagnostic's line and column. */
function jump(area, { line, column }) {
  const lines = area.value.split('\n');
  const offset = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset);
}

function startForm(name) {
  const inputs = h('textarea', { class: 'code', rows: 3, spellcheck: 'false', value: '{}' });
  const start = h('button', { type: 'submit' }, 'Start run');
  const form = h('form', null, field('Inputs (JSON object)', inputs), h('div', { class: 'actions' }, start));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(inputs.value || '{}');
    } catch (e) {
      announce(`Inputs are not JSON: ${e.message}`, 'error');
      return inputs.focus();
    }
    busy(start, async () => {
      try {
        const started = await api('POST', ws(`/workflows/${seg(name)}/runs`), { inputs: parsed });
        location.hash = `#/runs/${seg(started.run_id)}`;
      } catch (e) {
        const fields = Array.isArray(e.details) ? e.details.map((d) => `${d.field}: ${d.message}`).join('; ') : '';
        announce(`Not started: ${fields || e.message}`, 'error');
      }
    });
  });
  return form;
}
