// What the signed-in caller may do in the chosen workspace, asked once per token and
// workspace, so pages show only the controls that work for them.

import { api, session, ws } from './api.js';

const RANKS = ['viewer', 'approver', 'editor', 'owner'];

/** Per token and workspace, the pending or settled `{role, operator}`. */
const known = new Map();

/** `{role, operator}` of the caller in the chosen workspace (a viewer when unknown). */
export function standing() {
  const key = `${session.workspace}\n${session.token}`;
  if (!known.has(key)) {
    known.set(key, api('GET', ws('/role')).catch(() => {
      // Ask again next time; meanwhile show the least.
      known.delete(key);
      return { role: 'viewer', operator: false };
    }));
  }
  return known.get(key);
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
