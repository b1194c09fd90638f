// The owner's install form on the plugins page: a plugin's plugin.toml and .wasm files (or
// an OCI reference) sent to the API; what the plugin asks for is shown and must be
// confirmed before it is installed.

import { api, ws } from './api.js';
import { announce, busy, field, h } from './dom.js';

/** The file's bytes in base64. */
async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** What a `confirmation_required` answer's details say the plugin asks for. */
function asks(d) {
  const lines = (items, none) => (items.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', null, h('code', null, i))))
    : h('span', { class: 'muted' }, none));
  return h('div', { class: 'confirm' },
    h('p', null, h('strong', null, `${d.id} ${d.version}`), ' asks for:'), lines(d.permissions, 'no permissions'),
    d.previous ? h('p', null, `Over ${d.id} ${d.previous} it adds:`) : null,
    d.previous ? lines(d.added, 'nothing') : null,
    d.previous && d.removed.length ? h('p', null, 'and no longer asks for:') : null,
    d.previous && d.removed.length ? lines(d.removed, '') : null);
}

/** The form; `reload` shows the page afresh after an install. */
export function installForm(reload) {
  const manifest = h('input', { type: 'file', name: 'manifest', accept: '.toml' });
  const wasm = h('input', { type: 'file', name: 'component', accept: '.wasm' });
  const reference = h('input', { type: 'text', name: 'reference', placeholder: 'registry.example/plugins/name:1.0.0' });
  const send = h('button', { type: 'submit' }, 'Install');
  const pending = h('div', { class: 'pending', 'aria-live': 'polite' });
  let confirmed = null;
  const body = async () => {
    if (reference.value.trim()) return { reference: reference.value.trim() };
    if (!manifest.files[0] || !wasm.files[0]) throw new Error('choose the plugin.toml and the .wasm file, or give a reference');
    return { manifest: await manifest.files[0].text(), component: await base64(wasm.files[0]) };
  };
  const install = async () => {
    try {
      const request = { ...(await body()), confirm: confirmed !== null };
      const done = await api('POST', ws('/plugins'), request);
      announce(`Installed ${done.id} ${done.version}.`);
      reload();
    } catch (e) {
      if (e.code === 'confirmation_required' && e.details) {
        confirmed = e.details;
        pending.replaceChildren(asks(e.details));
        send.textContent = 'Grant and install';
        return;
      }
      announce(`Not installed: ${e.message}`, 'error');
    }
  };
  const form = h('form', { class: 'install-form' },
    h('h2', null, 'Install a plugin'),
    field('plugin.toml', manifest), field('Component (.wasm)', wasm),
    field('Or a reference', reference, 'An OCI reference, instead of the two files.'),
    pending, h('div', { class: 'actions' }, send));
  form.addEventListener('change', () => {
    confirmed = null;
    pending.replaceChildren();
    send.textContent = 'Install';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(send, install);
  });
  return form;
}
