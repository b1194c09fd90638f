// The REST API client: the token (kept in this tab's sessionStorage) or a person's session
// cookie with its CSRF token (kept in memory only), and the chosen workspace.

const TOKEN = 'roost.token';
const WORKSPACE = 'roost.workspace';

/** The CSRF token of a person's session; the cookie itself is out of the scripts' reach. */
let csrf = null;

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  get workspace() { return sessionStorage.getItem(WORKSPACE); },
  get csrf() { return csrf; },
  /** Signed in by a token or as a person. */
  get active() { return Boolean(this.token || csrf); },
  signIn(token) { sessionStorage.setItem(TOKEN, token); },
  /** Signed in as a person: the session cookie is set, changes carry `csrfToken`. */
  person(csrfToken) { csrf = csrfToken; },
  choose(workspace) { sessionStorage.setItem(WORKSPACE, workspace); },
  signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(WORKSPACE);
    csrf = null;
  },
};

/** An answer other than 2xx: `status`, the API's `code`, `message` and `details`. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body && typeof body === 'object' && body.error ? body.error : null;
    super(error ? error.message : `the server answered ${status}${typeof body === 'string' && body ? `: ${body}` : ''}`);
    this.status = status;
    this.code = error ? error.code : 'http';
    this.details = error ? error.details : null;
  }
}

/** `method /api/v1{path}` with the token; JSON in and out; throws ApiError. */
export async function api(method, path, body, token = session.token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'the server cannot be reached; check the connection');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && token === session.token && session.active) {
      window.dispatchEvent(new CustomEvent('roost:unauthorized', { detail: error.message }));
    }
    throw error;
  }
  return data;
}

/** A path under the chosen workspace: `ws('/runs')` is `/workspaces/WS/runs`. */
export function ws(path) {
  return `/workspaces/${encodeURIComponent(session.workspace || '')}${path}`;
}

/** A path segment from data, encoded. */
export const seg = (value) => encodeURIComponent(value);
