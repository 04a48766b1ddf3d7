// The console's only door to the server: POST /api/v1/<arm> with the proto3 JSON form of the request.
// The API key lives in sessionStorage for this tab only (never a cookie, never localStorage).

const KEY_ITEM = "promo.console.key";
const ROLE_ITEM = "promo.console.role";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY_ITEM); },
  get role() { return sessionStorage.getItem(ROLE_ITEM); },
  save(key, role) {
    sessionStorage.setItem(KEY_ITEM, key);
    sessionStorage.setItem(ROLE_ITEM, role);
  },
  clear() {
    sessionStorage.removeItem(KEY_ITEM);
    sessionStorage.removeItem(ROLE_ITEM);
  },
  get canEdit() { return this.role === "manager" || this.role === "admin"; },
  get isAdmin() { return this.role === "admin"; },
};

let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(handler) { onUnauthenticated = handler; }

async function post(arm, body, key) {
  let response;
  try {
    response = await fetch(`/api/v1/${arm}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify(body || {}),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, "UNAVAILABLE", `the server did not answer (${error.message})`);
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const code = data && data.code ? data.code : `HTTP_${response.status}`;
    const message = data && data.message ? data.message : response.statusText || "request failed";
    throw new ApiError(response.status, code, message);
  }
  return data || {};
}

/** Calls one RPC arm with the signed-in key. A 401 signs the tab out. */
export async function call(arm, body) {
  const key = session.key;
  if (!key) {
    onUnauthenticated("Sign in with an API key.");
    throw new ApiError(401, "UNAUTHENTICATED", "not signed in");
  }
  try {
    return await post(arm, body, key);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) onUnauthenticated(`The server refused the key: ${error.message}`);
    throw error;
  }
}

/**
 * Checks a key and answers its role, without storing anything: `hello` over HTTP answers the role of the key
 * in the Authorization header. A wrong or revoked key is refused with 401.
 */
export async function hello(key) {
  const answer = await post("hello", {}, key);
  return answer.role || "";
}

/** A fresh idempotency key for one submission of a form. */
export function idempotencyKey(prefix) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
