// One run: its status, a timeline of its steps with their durations, inputs, outputs and
// logs, its waiting approvals; refreshed while it is active.

import { api, seg, ws } from './api.js';
import { ACTIVE, announce, busy, duration, fill, h, jsonBlock, ms, runBadge, section, timeEl } from './dom.js';
import { approvalCard } from './approvals.js';
import { decisions } from './decisions.js';
import { may } from './role.js';
import { deleteRunButton } from './rundelete.js';
import { rerunButton, retryButton } from './rerun.js';
import { stepTiming } from './steptiming.js';

export async function runView(main, ctx) {
  const [id] = ctx.params;
  const head = h('div');
  const body = h('div');
  fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'Runs')), head, body);
  let last = '';

  /** Shows the run afresh, unless nothing changed or (when `force` is false) a comment is being typed. */
  async function load(force = true) {
    const [run, owner, editor, approver] = await Promise.all([api('GET', ws(`/runs/${seg(id)}`)),
      may('owner'), may('editor'), may('approver')]);
    if (!ctx.current) return;
    const key = JSON.stringify(run);
    const typing = [...body.querySelectorAll('textarea')].some((t) => t.value || t === document.activeElement);
    if (key === last || (typing && !force)) return;
    last = key;
    // Keep the step details that are open.
    const open = new Set([...body.querySelectorAll('details[open]')].map((d) => d.dataset.step));
    fill(head, header(run, load, { owner, editor }));
    fill(body, content(run, open, load, approver, editor));
  }

  ctx.every(2000, () => {
    const status = main.querySelector('.run-status');
    if (status && ACTIVE.includes(status.dataset.status)) load(false).catch(() => {});
  });
  await load();
}

function header(run, reload, { owner, editor }) {
  const active = ACTIVE.includes(run.status);
  const started = ms(run.started_at) ?? ms(run.created_at);
  const took = run.finished_at ? duration(ms(run.finished_at) - started) : null;
  const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel run');
  cancel.addEventListener('click', () => {
    if (!window.confirm(`Cancel this run of ${run.workflow}? Steps not yet done will not run.`)) return;
    busy(cancel, async () => {
      try {
        await api('POST', ws(`/runs/${seg(run.id)}/cancel`));
        announce('The run was cancelled.');
        reload();
      } catch (e) {
        announce(`Cancelling failed: ${e.message}`, 'error');
      }
    });
  });
  const trigger = run.trigger && typeof run.trigger === 'object'
    ? [run.trigger.kind, run.trigger.by ? ` by ${run.trigger.by}` : ''].join('') : run.trigger;
  // Only what the caller's role may do: a viewer sees no buttons at all.
  const retriable = ['failed', 'cancelled', 'rejected'].includes(run.status);
  const actions = [active && editor ? cancel : null, !active && editor ? rerunButton(run) : null,
    retriable && editor ? retryButton(run) : null, !active && owner ? deleteRunButton(run) : null].filter(Boolean);
  const retryOf = run.retry ? [h('dt', null, 'Retry of'), h('dd', null,
    h('a', { href: `#/runs/${seg(run.retry.of)}` }, h('code', null, run.retry.of)), run.retry.by ? ` by ${run.retry.by}` : '')] : null;
  return [
    h('div', { class: 'page-head' },
      h('h1', { tabindex: -1 }, run.workflow),
      h('span', { class: 'run-status', 'data-status': run.status },
        runBadge(run.status, run.steps.filter((s) => s.status === 'failed').length))),
    h('dl', { class: 'facts' },
      h('dt', null, 'Run'), h('dd', null, h('code', null, run.id)),
      h('dt', null, 'Trigger'), h('dd', null, trigger || '—'),
      retryOf,
      h('dt', null, 'Started'), h('dd', null, timeEl(run.started_at || run.created_at)),
      h('dt', null, 'Finished'), h('dd', null, run.finished_at ? timeEl(run.finished_at) : 'not yet'),
      h('dt', null, 'Took'), h('dd', null, took || (active ? duration(Date.now() - started) + ' so far' : '—'))),
    run.error ? h('p', { class: 'callout error' }, h('strong', null, 'Error: '), run.error) : null,
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  ];
}

function content(run, open, reload, approver, editor) {
  const waiting = (run.approvals || []).filter((a) => a.status === 'waiting');
  const logs = run.steps.flatMap((s) => s.logs.map((l) => ({ ...l, step: s.id })));
  logs.sort((a, b) => ms(a.at) - ms(b.at));
  return [
    waiting.length ? section('Waiting for approval', waiting.map((a) => approvalCard({ ...a, workflow: run.workflow }, {
      heading: 'h3', decides: approver, links: editor, onDecided: reload,
    }))) : null,
    decisions(run.approvals),
    section('Steps', timeline(run, open)),
    h('div', { class: 'columns' },
      section('Inputs', jsonBlock(run.inputs, 'Inputs')),
      section('Outputs', outputs(run))),
    section('Logs', logs.length ? h('ol', { class: 'logs' }, logs.map((l) => h('li', { class: `log-${l.level}` },
      timeEl(l.at), ' ', h('span', { class: 'log-step' }, l.step), ' ', h('span', { class: 'log-level' }, l.level), ' ',
      h('span', { class: 'log-message' }, l.message)))) : h('p', { class: 'muted' }, 'No log lines.')),
  ];
}

/** The run's outputs; "none yet" only while it may still produce some. */
function outputs(run) {
  if (run.outputs && Object.keys(run.outputs).length) return jsonBlock(run.outputs, 'Outputs');
  if (ACTIVE.includes(run.status)) return h('p', { class: 'muted' }, 'None yet');
  return h('p', { class: 'muted' }, run.status === 'succeeded' ? 'This workflow declares no outputs.'
    : `None: the run ended ${run.status} before producing outputs.`);
}

/** Steps in start order, each with its attempts placed on the run's own time scale. */
function timeline(run, open) {
  const start = ms(run.started_at) ?? ms(run.created_at);
  const now = Date.now();
  const ends = run.steps.map((s) => ms(s.finished_at) ?? (ACTIVE.includes(s.status) && s.started_at ? now : null));
  const end = Math.max(ms(run.finished_at) ?? now, ...ends.filter((e) => e !== null), start + 1);
  const span = end - start;
  const first = (s) => ms((s.attempts && s.attempts[0] && s.attempts[0].started_at) || s.started_at) ?? Infinity;
  const steps = [...run.steps].sort((a, b) => first(a) - first(b));
  if (!steps.length) return h('p', { class: 'muted' }, 'No steps.');
  return h('ol', { class: 'timeline' }, steps.map((step) => {
    const reused = run.retry && run.retry.reused.includes(step.id);
    const { track, label } = reused ? carriedOver(run.retry.of) : stepTiming(step, start, span, now);
    const plugin = step.plugin_version ? `${step.plugin}@${step.plugin_version}` : step.plugin;
    const details = h('details', { open: open.has(step.id), 'data-step': step.id },
      h('summary', null, 'Input, output and logs'),
      step.error ? h('p', { class: 'callout error' }, h('strong', null, `${step.error_kind || 'error'}: `), step.error) : null,
      h('h4', null, 'Input'), step.input === null ? h('p', { class: 'muted' }, 'Not recorded') : jsonBlock(step.input),
      h('h4', null, 'Output'), step.output === null ? h('p', { class: 'muted' }, 'None') : jsonBlock(step.output),
      step.logs.length ? [h('h4', null, 'Logs'), h('ol', { class: 'logs' }, step.logs.map((l) => h('li', { class: `log-${l.level}` },
        h('span', { class: 'log-level' }, l.level), ' ', h('span', { class: 'log-message' }, l.message))))] : null);
    return h('li', { class: 'step', 'data-step': step.id },
      h('div', { class: 'step-head' },
        runBadge(step.status),
        h('strong', { class: 'step-id' }, step.id),
        h('span', { class: 'muted' }, plugin),
        h('span', { class: 'step-took' }, label)),
      track,
      details);
  }));
}

/** The timing of a step carried over by a retry: it ran in the earlier run, not in this one. */
function carriedOver(of) {
  const track = h('div', { class: 'track', role: 'img', 'aria-label': `carried over from run ${of}, not run again` });
  return { track, label: 'carried over from the earlier run' };
}
