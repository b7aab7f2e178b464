// The signed-in credential: a bearer token (an API token pasted, or an OIDC access token) kept in sessionStorage,
// so it belongs to this tab and is gone when the tab closes. Never localStorage: that outlives the session and is
// shared with every tab of the origin.
export interface Session {
  via: "token" | "oidc";
  token: string;
  /** Epoch milliseconds after which the credential is known to be expired (OIDC); absent for API tokens. */
  expiresAt?: number;
}

const KEY = "loco.session";

export function readSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== "string" || session.token === "") return undefined;
    if (session.expiresAt !== undefined && session.expiresAt <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
