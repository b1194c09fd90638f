// The approvals inbox: what each waiting step would post, and Approve / Reject with a comment.

import { api, seg, ws } from './api.js';
import { announce, empty, field, fill, h, timeEl } from './dom.js';
import { previewCards } from './preview.js';
import { fieldControls } from './approvalfields.js';
import { clientLinkButton } from './client.js';
import { may } from './role.js';

export async function approvalsView(main, ctx) {
  const list = h('div', { class: 'cards', 'aria-busy': 'true' });
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Approvals')),
    h('p', { class: 'lead' }, 'Steps waiting for a person. Read what will be posted, then approve or reject it.'),
    list);
  const cards = new Map();
  const [decides, links] = await Promise.all([may('approver'), may('editor')]);

  async function load() {
    const waiting = await api('GET', ws('/approvals'));
    if (!ctx.current) return;
    list.removeAttribute('aria-busy');
    const keys = new Set(waiting.map(key));
    // Cards stay as they are (with any comment typed); only new ones appear, decided ones go.
    for (const [k, card] of cards) {
      if (!keys.has(k)) {
        card.remove();
        cards.delete(k);
      }
    }
    for (const approval of waiting) {
      if (cards.has(key(approval))) continue;
      const card = approvalCard(approval, { decides, links, onDecided: () => load() });
      cards.set(key(approval), card);
      list.append(card);
    }
    const none = list.querySelector('.empty');
    if (!waiting.length && !none) list.append(empty('Nothing is waiting for approval.'));
    if (waiting.length && none) none.remove();
  }

  ctx.every(5000, () => load().catch(() => {}));
  await load();
}

const key = (a) => `${a.run_id}/${a.step_id}`;

/** One waiting approval as a card with its preview and, for those who decide, the decision form. */
export function approvalCard(approval, { heading = 'h2', decides = true, links = false, onDecided }) {
  const id = `approval-${approval.run_id}-${approval.step_id}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const comment = h('textarea', { rows: 2, name: 'comment', maxlength: 2000 });
  const approve = h('button', { type: 'submit', class: 'primary', value: 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', class: 'danger', value: 'reject' }, 'Reject');
  const editable = fieldControls(approval.fields);
  const form = h('form', { class: 'decision' },
    editable.nodes.length ? h('fieldset', { class: 'approval-fields' }, h('legend', null, 'Edit before deciding'), editable.nodes) : null,
    field('Comment (optional)', comment),
    h('div', { class: 'actions' }, approve, reject));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const verb = event.submitter && event.submitter.value === 'reject' ? 'reject' : 'approve';
    const body = comment.value.trim() ? { comment: comment.value.trim() } : {};
    const edits = editable.edits();
    if (Object.keys(edits).length) body.fields = edits;
    approve.disabled = reject.disabled = true;
    try {
      await api('POST', ws(`/runs/${seg(approval.run_id)}/approvals/${seg(approval.step_id)}/${verb}`), body);
      announce(`${verb === 'approve' ? 'Approved' : 'Rejected'}: ${approval.workflow || 'run'} › ${approval.step_id}.`);
      window.dispatchEvent(new CustomEvent('roost:approvals'));
      if (onDecided) onDecided(verb);
    } catch (e) {
      announce(`Could not ${verb}: ${e.message}`, 'error');
      approve.disabled = reject.disabled = false;
    }
  });
  const approvers = (approval.approvers || []).join(', ');
  return h('article', { class: 'card approval', 'aria-labelledby': id },
    h(heading, { id, class: 'card-title' }, approval.workflow || 'Run', h('span', { class: 'muted' }, ` › ${approval.step_id}`)),
    h('p', { class: 'message' }, approval.message),
    previewCards(approval.preview),
    h('p', { class: 'meta' },
      'Requested ', timeEl(approval.requested_at, 'relative'),
      approval.expires_at ? [' · expires ', timeEl(approval.expires_at, 'relative')] : null,
      approvers ? ` · by ${approvers}` : null,
      approval.quorum > 1 ? h('span', { class: 'quorum' }, ` · needs ${approval.quorum} people: `,
        (approval.votes || []).length ? `approved so far by ${approval.votes.map((v) => v.by).join(', ')}` : 'none yet') : null,
      ' · ', h('a', { href: `#/runs/${seg(approval.run_id)}` }, 'View run')),
    decides ? form : h('p', { class: 'muted' }, 'Your role cannot decide approvals.'),
    links && decides ? clientLinkButton(approval) : null);
}
