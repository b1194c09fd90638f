// The app shell: signing in and out, the workspace picker, routes (`#/runs/ID`), the
// sections' navigation and their auto-refresh.

import { api, session } from './api.js';
import { announce, clearMessages, fill, h } from './dom.js';
import { signInView } from './signin.js';
import { runsView } from './runs.js';
import { runView } from './run.js';
import { approvalsView } from './approvals.js';
import { calendarView } from './calendar.js';
import { workflowsView, workflowView } from './workflows.js';
import { pluginsView } from './plugins.js';
import { settingsView } from './settings.js';
import { auditView } from './audit.js';
import { membersView } from './members.js';
import { clientView } from './client.js';
import { invitationView } from './invitation.js';
import { workspacesView } from './workspaces.js';
import { forget, isOperator } from './role.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const sessionBox = document.getElementById('session');
const picker = document.getElementById('workspace');

/** `[section, pattern, view]`: the first whose pattern matches the hash path wins. */
const ROUTES = [
  ['runs', /^\/runs\/([^/]+)$/, runView],
  ['runs', /^\/(?:runs)?$/, runsView],
  ['approvals', /^\/approvals$/, approvalsView],
  ['calendar', /^\/calendar$/, calendarView],
  ['workflows', /^\/workflows$/, workflowsView],
  ['workflows', /^\/workflows\/([^/]+)$/, workflowView],
  ['plugins', /^\/plugins$/, pluginsView],
  ['settings', /^\/settings$/, settingsView],
  ['audit', /^\/audit$/, auditView],
  ['people', /^\/people$/, membersView],
  ['workspaces', /^\/workspaces$/, workspacesView],
];

let timers = [];
let generation = 0;

/** What a view gets besides `main`: route parameters, the query, and `every(ms, fn)`. */
function context(params, query, mine) {
  return {
    params,
    query,
    /** Calls `fn` every `ms` while this view is shown and the tab is visible. */
    every(ms, fn) {
      timers.push(setInterval(() => {
        if (!document.hidden && mine === generation) fn();
      }, ms));
    },
    /** False once another view replaced this one (drop late answers). */
    get current() { return mine === generation; },
    refreshCount,
  };
}

async function route() {
  timers.forEach(clearInterval);
  timers = [];
  const mine = ++generation;
  const [path, search] = (location.hash.replace(/^#/, '') || '/runs').split('?');
  const invited = path.match(/^\/invitation\/([^/]+)$/);
  if (invited) return invitationView(main, decodeURIComponent(invited[1]), afterInvitation);
  const client = path.match(/^\/client\/([^/]+)$/);
  if (client) return clientView(main, decodeURIComponent(client[1]));
  if (!session.active) return signedOut();
  const match = ROUTES.map(([section, re, view]) => [section, path.match(re), view]).find(([, m]) => m);
  for (const link of nav.querySelectorAll('a')) {
    if (match && link.dataset.section === match[0]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  fill(main);
  if (!match) {
    document.title = 'Not found · Roost';
    return fill(main, h('h1', { tabindex: -1 }, 'Not found'), h('p', null, 'There is no page at this address. ',
      h('a', { href: '#/runs' }, 'Go to the runs.')));
  }
  const [, params, view] = match;
  try {
    await view(main, context(params.slice(1).map(decodeURIComponent), new URLSearchParams(search), mine));
  } catch (e) {
    if (mine === generation) announce(e.message, 'error');
  }
  if (mine !== generation) return;
  const heading = main.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · Roost`;
    if (routed) heading.focus({ preventScroll: false });
  }
  routed = true;
}

/** Whether a route was shown before: focus moves to the heading only on navigation. */
let routed = false;

function signedOut(message) {
  nav.hidden = true;
  sessionBox.hidden = true;
  document.title = 'Sign in · Roost';
  signInView(main, message, signedIn);
}

/** Fills the workspace picker; the chosen workspace stays unless it is gone. */
function fillPicker(workspaces) {
  fill(picker, workspaces.map((w) => h('option', { value: w.id }, w.name && w.name !== w.id ? `${w.name} (${w.id})` : w.id)));
  if (!workspaces.some((w) => w.id === session.workspace)) session.choose(workspaces[0].id);
  picker.value = session.workspace;
}

// Workspaces were created or deleted: the picker follows.
window.addEventListener('roost:workspaces', async () => {
  forget();
  const workspaces = await api('GET', '/workspaces').catch(() => null);
  if (workspaces && workspaces.length) fillPicker(workspaces);
});

/** After a valid token: fill the workspace picker and show the chosen section. */
function signedIn(workspaces) {
  forget();
  fillPicker(workspaces);
  nav.hidden = false;
  sessionBox.hidden = false;
  refreshCount();
  showOperatorLinks();
  if (!location.hash || location.hash === '#/' || location.hash === '#/signin') location.hash = '#/runs';
  else route();
}

/** Links to what only the operator may do, shown to the operator only. */
async function showOperatorLinks() {
  const operator = await isOperator();
  for (const link of nav.querySelectorAll('[data-operator]')) link.hidden = !operator;
}

/** Answers of earlier counts that arrive late must not overwrite a newer one. */
let countAsked = 0;

/** The number of approvals waiting, next to the section's name. */
async function refreshCount() {
  const count = document.getElementById('approval-count');
  const mine = ++countAsked;
  try {
    const waiting = await api('GET', `/workspaces/${encodeURIComponent(session.workspace)}/approvals`);
    if (mine !== countAsked) return;
    fill(count, waiting.length ? h('span', { class: 'pill' }, String(waiting.length),
      h('span', { class: 'visually-hidden' }, ' waiting')) : null);
  } catch {
    if (mine === countAsked) fill(count);
  }
}

// A decision anywhere (inbox, run page) changes the count at once.
window.addEventListener('roost:approvals', () => refreshCount());

picker.addEventListener('change', () => {
  session.choose(picker.value);
  clearMessages();
  announce(`Workspace ${picker.value}`);
  refreshCount();
  showOperatorLinks();
  if (/^#\/(runs|workflows)\/./.test(location.hash)) location.hash = location.hash.replace(/^(#\/\w+)\/.*$/, '$1');
  else route();
});

/** After accepting an invitation: signed in as the person, to the new workspace. */
async function afterInvitation(workspace) {
  session.choose(workspace);
  location.hash = '#/runs';
  signedIn(await api('GET', '/workspaces'));
}

document.getElementById('signout').addEventListener('click', async () => {
  if (session.csrf) await api('POST', '/auth/signout').catch(() => null);
  session.signOut();
  clearMessages();
  location.hash = '';
  signedOut('Signed out.');
});

window.addEventListener('roost:unauthorized', (e) => {
  session.signOut();
  signedOut(`Signed out: ${e.detail}`);
});

window.addEventListener('hashchange', () => {
  clearMessages();
  route();
  if (session.active) refreshCount();
});

// Approvals arrive from runs started elsewhere: the count is asked again every 5 s.
setInterval(() => { if (session.active && !document.hidden) refreshCount(); }, 5000);
document.addEventListener('visibilitychange', () => { if (session.active && !document.hidden) refreshCount(); });

async function boot() {
  if (/^#\/(invitation|client)\//.test(location.hash)) return route();
  try {
    if (!session.token) {
      // A person's session lives in its cookie: ask who is signed in, if anyone.
      const me = await api('GET', '/auth/session');
      session.person(me.csrf);
    }
    const workspaces = await api('GET', '/workspaces');
    if (!workspaces.length) return signedOut('This token has no workspace.');
    signedIn(workspaces);
  } catch (e) {
    signedOut(e.status === 401 ? undefined : e.message);
  }
}

boot();
