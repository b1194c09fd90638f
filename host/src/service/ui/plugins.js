// Installed plugins: their actions (marking those that post or send) and what they may reach.

import { api } from './api.js';
import { empty, fill, h } from './dom.js';

export async function pluginsView(main) {
  const plugins = await api('GET', '/plugins');
  plugins.sort((a, b) => a.id.localeCompare(b.id));
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Plugins')),
    h('p', { class: 'lead' }, 'Each plugin runs sandboxed and can reach only what is listed here.'),
    plugins.length ? h('div', { class: 'cards grid' }, plugins.map(card)) : empty('No plugins are installed.'));
}

function card(p) {
  const id = `plugin-${p.id}-${p.version}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const perms = p.permissions || {};
  const secrets = Object.entries(perms.secrets || {});
  const list = (items, none) => (items.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', null, h('code', null, i))))
    : h('span', { class: 'muted' }, none));
  return h('article', { class: 'card plugin', 'aria-labelledby': id },
    h('h2', { id, class: 'card-title' }, p.id, h('span', { class: 'muted' }, ` ${p.version}`)),
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
