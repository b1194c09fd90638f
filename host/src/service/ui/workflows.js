// Workflows: the list (triggers, next fire time, last result), one workflow's YAML (read-only,
// or in an editor that validates and saves, showing each problem at its line and column),
// enabling its triggers, a warning for secrets not set, and starting runs from a typed form.

import { api, seg, ws } from './api.js';
import { announce, busy, empty, field, fill, h, runBadge, section, timeEl } from './dom.js';
import { may } from './role.js';
import { startForm } from './startform.js';

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
  const [workflows, schedules, overview, canEdit] = await Promise.all([api('GET', ws('/workflows')),
    api('GET', ws('/schedules')).catch(() => []), api('GET', ws('/workflow-overview')).catch(() => []), may('editor')]);
  const scheduled = new Map(schedules.map((s) => [s.workflow, s.schedules]));
  const facts = new Map(overview.map((o) => [o.workflow, o]));
  const head = ['Name', 'Triggers', 'Next run', 'Last result', 'Updated'];
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Workflows'),
      canEdit ? h('a', { class: 'button primary', href: '#/workflows/new' }, 'New workflow') : null),
    workflows.length ? h('table', { class: 'table workflows' },
      h('caption', { class: 'visually-hidden' }, 'Workflows of this workspace'),
      h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, workflows.map((w) => {
        const times = (scheduled.get(w.name) || []).flatMap((s) => s.next).sort();
        const known = facts.get(w.name);
        const run = known && known.last_run;
        return h('tr', null,
          h('td', { 'data-label': 'Name' }, h('a', { href: `#/workflows/${seg(w.name)}` }, w.name)),
          h('td', { 'data-label': 'Triggers' }, triggerText(w, scheduled.get(w.name) || [], known && known.webhook)),
          h('td', { 'data-label': 'Next run' }, w.enabled && !w.error && times.length ? timeEl(times[0]) : h('span', { class: 'muted' }, '—')),
          h('td', { 'data-label': 'Last result' }, run ? h('a', { href: `#/runs/${seg(run.run_id)}` }, runBadge(run.status, run.failed_steps), ' ',
            timeEl(run.created_at, 'relative')) : h('span', { class: 'muted' }, 'never run')),
          h('td', { 'data-label': 'Updated' }, timeEl(w.updated_at, 'relative')));
      })))
      : empty(canEdit ? 'No workflows yet. Create one, or start roost serve with --workflows DIR.' : 'No workflows yet.'));
}

/** "schedule 0 9 * * 1 · webhook", or "manual only"; a broken or disabled workflow says so. */
function triggerText(w, schedules, webhook = false) {
  if (w.error) return h('span', { class: 'badge s-failed', title: w.error }, 'broken');
  const parts = schedules.map((s) => `schedule ${s.cron}${s.timezone && s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}`);
  if (webhook) parts.push('webhook');
  if (!parts.length) return 'manual only';
  return [parts.join(' · '), w.enabled ? '' : h('span', { class: 'muted' }, ' (disabled)')];
}

export async function workflowView(main, ctx) {
  const [name] = ctx.params;
  if (name === 'new') {
    fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/workflows' }, 'Workflows')),
      h('h1', { tabindex: -1 }, 'New workflow'), editor(TEMPLATE, null));
    return;
  }
  const [w, canEdit] = await Promise.all([api('GET', ws(`/workflows/${seg(name)}`)), may('editor')]);
  const facts = w.error ? null : await api('GET', ws(`/workflows/${seg(name)}/form`));
  const hasTriggers = facts && (facts.schedules.length || facts.webhook);
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
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, w.name),
      canEdit ? h('div', { class: 'actions' }, edit, hasTriggers ? toggle : null) : null),
    facts && facts.description ? h('p', { class: 'lead' }, facts.description) : null,
    h('dl', { class: 'facts' },
      h('dt', null, 'Revision'), h('dd', null, String(w.revision)),
      h('dt', null, 'Updated'), h('dd', null, timeEl(w.updated_at)),
      h('dt', null, 'Triggers'), h('dd', null, facts ? triggerText(w, facts.schedules.map((cron) => ({ cron })), facts.webhook)
        : triggers(w))),
    facts && facts.missing_secrets.length ? h('div', { class: 'callout error secrets-missing' },
      h('strong', null, `This workflow uses ${facts.missing_secrets.length === 1 ? 'a secret' : 'secrets'} not set in this workspace: `),
      facts.missing_secrets.map((n, i) => [i ? ', ' : '', h('code', null, n)]),
      '. Steps that need ', facts.missing_secrets.length === 1 ? 'it' : 'them', ' will fail. ',
      h('a', { href: '#/settings' }, 'Set secrets in Settings.')) : null,
    w.error ? h('div', { class: 'callout error', role: 'alert' },
      h('strong', null, 'This revision no longer loads; its triggers do not fire. Save a corrected revision.'),
      h('pre', null, w.error)) : null,
    section('Definition', view),
    facts && canEdit && facts.manual ? section('Start a run', startForm(name, facts)) : null);
}

/** A broken workflow's triggers never fire. */
function triggers(w) {
  return h('span', { class: 'badge s-failed', title: w.error }, 'broken');
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
