// Client links: the page a client opens from a link (`#/client/SECRET`) to see the post as
// it will look and approve, reject or comment without an account; and the button with
// which the team makes such a link for a waiting approval.

import { fieldControls } from './approvalfields.js';
import { api, seg, ws } from './api.js';
import { announce, busy, field, fill, h, timeEl } from './dom.js';
import { previewCards } from './preview.js';

/** The client page of the link whose secret is `secret`. */
export async function clientView(main, secret) {
  document.getElementById('nav').hidden = true;
  let view;
  try {
    view = await api('GET', `/client/${seg(secret)}`, undefined, '');
  } catch (e) {
    return fill(main, h('div', { class: 'card narrow' }, h('h1', { tabindex: -1 }, 'Approval'),
      h('p', { class: 'callout error client-refused' }, e.message)));
  }
  const comment = h('textarea', { rows: 3, name: 'comment', maxlength: 2000 });
  const approve = h('button', { type: 'submit', class: 'primary', value: 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', class: 'danger', value: 'reject' }, 'Reject');
  const note = h('button', { type: 'submit', value: 'comment' }, 'Send comment only');
  const comments = h('ol', { class: 'client-comments', 'aria-label': 'Your comments' }, (view.comments || []).map(said));
  const editable = fieldControls(view.fields);
  const form = h('form', { class: 'decision' },
    editable.nodes.length ? h('fieldset', { class: 'approval-fields' }, h('legend', null, 'Edit before approving'), editable.nodes) : null,
    field('Comment (optional; required to send a comment only)', comment),
    h('div', { class: 'actions' }, approve, reject, note));
  const page = h('article', { class: 'card client', 'aria-labelledby': 'client-title' },
    h('h1', { id: 'client-title', tabindex: -1 }, `${view.workspace || 'Approval'}: ${view.workflow}`),
    h('p', { class: 'message' }, view.message),
    previewCards(view.preview),
    h('p', { class: 'meta' }, 'This link works once and expires ', timeEl(view.expires_at, 'relative'), '.'),
    comments,
    form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const decision = event.submitter ? event.submitter.value : 'approve';
    const body = { decision };
    if (comment.value.trim()) body.comment = comment.value.trim();
    const edits = editable.edits();
    if (decision !== 'comment' && Object.keys(edits).length) body.fields = edits;
    await busy(event.submitter || approve, async () => {
      try {
        const after = await api('POST', `/client/${seg(secret)}`, body, '');
        if (decision === 'comment') {
          fill(comments, (after.comments || []).map(said));
          comment.value = '';
          announce('Your comment was sent. The link stays open for your decision.');
          return;
        }
        fill(main, h('div', { class: 'card narrow' }, h('h1', { tabindex: -1, class: 'client-done' },
          decision === 'approve' ? 'Approved. Thank you.' : 'Rejected. The team has been told.')));
      } catch (e) {
        announce(`Not sent: ${e.message}`, 'error');
      }
    });
  });
  fill(main, page);
}

const said = (c) => h('li', null, timeEl(c.at), ' ', c.text);

/** For editors: makes a client link for `approval` and shows it, ready to copy. */
export function clientLinkButton(approval) {
  const button = h('button', { type: 'button', class: 'client-link' }, 'Client link');
  const out = h('div', { class: 'client-link-out' });
  button.addEventListener('click', () => busy(button, async () => {
    try {
      const made = await api('POST', ws(`/runs/${seg(approval.run_id)}/approvals/${seg(approval.step_id)}/links`), {});
      const url = h('input', { type: 'text', readonly: true, value: `${location.origin}${made.link}`, class: 'mono' });
      fill(out, field('Send this link to the client (works once)', url), h('p', { class: 'meta' },
        'Expires ', timeEl(made.expires_at, 'relative'), '. It is shown only now.'));
      url.select();
      announce('Client link made.');
    } catch (e) {
      announce(`No link: ${e.message}`, 'error');
    }
  }));
  return [button, out];
}
