// What the signed-in token may do in the chosen workspace. The API has no "who am I": a
// token may act as the owner (an owner token, or the operator's) when it may list the
// workspace's tokens, which only owners may.

import { api, session, ws } from './api.js';

/** Per token and workspace, the pending or settled answer. */
const known = new Map();

/** Whether the token may do what only owners may; asked once per token and workspace. */
export function isOwner() {
  const key = `${session.workspace}\n${session.token}`;
  if (!known.has(key)) {
    known.set(key, api('GET', ws('/tokens')).then(() => true, (e) => {
      // Only a refusal is an answer; ask again after a failure.
      if (e.status !== 403) known.delete(key);
      return false;
    }));
  }
  return known.get(key);
}
