// What the signed-in caller may do in the chosen workspace, from who they are
// (`GET /auth/session`, asked once per token or session), so pages show only the controls
// that work for them.

import { api, session } from './api.js';

const RANKS = ['viewer', 'approver', 'editor', 'owner'];

/** Per token or session, the pending or settled answer of `GET /auth/session`. */
const known = new Map();

function whoAmI() {
  const key = session.token || session.csrf;
  if (!known.has(key)) {
    known.set(key, api('GET', '/auth/session').catch(() => {
      // Ask again next time; meanwhile show the least.
      known.delete(key);
      return { workspaces: [], operator: false };
    }));
  }
  return known.get(key);
}

/** Forgets the answers: after signing in, or when workspaces or memberships changed. */
export function forget() {
  known.clear();
}

/** `{role, operator}` of the caller in the chosen workspace (a viewer when unknown). */
export async function standing() {
  const me = await whoAmI();
  const here = me.workspaces.find((w) => w.workspace === session.workspace);
  // The operator is an owner everywhere, also in workspaces made after it asked.
  return { role: me.operator ? 'owner' : here ? here.role : 'viewer', operator: me.operator };
}

/** Whether the caller has at least `role` in the chosen workspace. */
export async function may(role) {
  const { role: mine } = await standing();
  return RANKS.indexOf(mine) >= RANKS.indexOf(role);
}

/** Whether the caller may do what only owners may. */
export const isOwner = () => may('owner');

/** Whether the caller is the instance's operator. */
export async function isOperator() {
  return (await standing()).operator;
}
