// The plugins the workspace sees (built-in, folders, the instance's installs and its own):
// their actions (marking those that post or send), what they may reach, every refused
// plugin, and for owners a form to install one.

import { api, ws } from './api.js';
import { empty, fill, h, section } from './dom.js';
import { installForm } from './plugininstall.js';
import { isOwner } from './role.js';

const SCOPES = { builtin: 'built in', folder: 'plugin folder', instance: 'installed for every workspace', workspace: 'installed in this workspace' };

export async function pluginsView(main) {
  const [{ plugins, refused }, owner] = await Promise.all([api('GET', ws('/plugins')), isOwner()]);
  plugins.sort((a, b) => a.id.localeCompare(b.id) || a.version.localeCompare(b.version));
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Plugins')),
    h('p', { class: 'lead' }, 'Each plugin runs sandboxed and can reach only what is listed here.'),
    refused.length ? section('Refused plugins', h('ul', { class: 'plain refused' }, refused.map((r) =>
      h('li', { class: 'error' }, h('code', null, r.id), ` was refused: ${r.reason} `, h('span', { class: 'muted' }, `(${r.file})`))))) : null,
    plugins.length ? h('div', { class: 'cards grid' }, plugins.map(card)) : empty('No plugins are installed.'),
    owner ? installForm(() => pluginsView(main)) : null);
}

function card(p) {
  const id = `plugin-${p.id}-${p.version}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const perms = p.permissions || {};
  const secrets = Object.entries(perms.secrets || {});
  const list = (items, none) => (items.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', null, h('code', null, i))))
    : h('span', { class: 'muted' }, none));
  return h('article', { class: 'card plugin', 'aria-labelledby': id },
    h('h2', { id, class: 'card-title' }, p.id, h('span', { class: 'muted' }, ` ${p.version}`)),
    h('p', { class: 'muted' }, SCOPES[p.scope] || p.scope, p.reference ? ` from ${p.reference}` : '',
      h('br'), h('code', { class: 'digest' }, `sha256:${p.digest}`)),
    p.description ? h('p', null, p.description) : null,
    h('h3', null, 'Actions'),
    h('ul', { class: 'plain actions-list' }, p.actions.map((a) => h('li', null,
      h('code', null, `${p.id}/${a.id}`),
      a.side_effects ? h('span', { class: 'badge s-side' }, 'posts or sends') : null,
      a.description ? h('div', { class: 'muted' }, a.description) : null))),
    h('h3', null, 'Permissions'),
    h('dl', { class: 'facts' },
      h('dt', null, 'Network'), h('dd', null, list(perms.http || [], 'none')),
      h('dt', null, 'Key-value store'), h('dd', null, perms.kv ? 'yes' : 'no'),
      h('dt', null, 'Secrets'), h('dd', null, secrets.length ? h('ul', { class: 'plain' }, secrets.map(([name, hosts]) =>
        h('li', null, h('code', null, name), ' → ', hosts.length ? hosts.join(', ') : 'any allowed host'))) : h('span', { class: 'muted' }, 'none')),
      h('dt', null, 'Limits'), h('dd', null, limits(p.limits || {}))));
}

function limits(l) {
  const parts = [];
  if (l.memory_mb) parts.push(`${l.memory_mb} MB memory`);
  if (l.timeout_ms) parts.push(`${l.timeout_ms / 1000} s per step`);
  if (l.output_kb) parts.push(`${l.output_kb} KB output`);
  return parts.length ? parts.join(' · ') : 'defaults';
}
