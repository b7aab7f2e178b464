// OpenID Connect sign-in: authorization code flow with PKCE (S256), as a public client, against the issuer and
// client id the API names in GET /v1/auth/config. The verifier and state wait in sessionStorage across the
// redirect; the access token (a JWT for the API's audience) becomes the session's bearer credential.
import type { AuthConfig } from "../../api/contract.ts";

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

interface Pending {
  state: string;
  verifier: string;
  next: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
}

const PENDING_KEY = "loco.oidc.pending";
export const CALLBACK_PATH = "/auth/callback";

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 S256: BASE64URL(SHA-256(ASCII(verifier))). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The identity provider ${issuer} did not describe itself (${response.status}).`);
  return (await response.json()) as Discovery;
}

/** The resource to ask a token for: the API's audience when it is a URL (resource indicators need URIs). */
const resourceOf = (audience: string | null) => (audience && URL.canParse(audience) ? audience : undefined);

/** Sends the browser to the issuer's sign-in page; it comes back to /auth/callback. */
export async function startOidcSignIn(config: AuthConfig, next: string): Promise<void> {
  if (!config.issuer || !config.clientId) throw new Error("This API accepts API tokens only: it names no issuer.");
  const discovery = await discover(config.issuer);
  const pending: Pending = {
    state: randomToken(16),
    verifier: randomToken(48),
    next,
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: `${location.origin}${CALLBACK_PATH}`,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", pending.clientId);
  url.searchParams.set("redirect_uri", pending.redirectUri);
  url.searchParams.set("scope", "openid api");
  url.searchParams.set("state", pending.state);
  url.searchParams.set("code_challenge", await challengeOf(pending.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  const resource = resourceOf(config.audience);
  if (resource) url.searchParams.set("resource", resource);
  location.assign(url.toString());
}

/** Completes the flow on /auth/callback: checks state, trades the code for tokens; returns the page to go back to. */
export async function finishOidcSignIn(
  search: URLSearchParams,
  audience: string | null,
): Promise<{ token: string; expiresAt: number; next: string }> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) throw new Error("This sign-in was not started in this tab (or was already used). Sign in again.");
  const pending = JSON.parse(raw) as Pending;
  const error = search.get("error");
  if (error) throw new Error(`The identity provider refused: ${search.get("error_description") ?? error}.`);
  if (search.get("state") !== pending.state) throw new Error("The sign-in answer does not match this tab's request.");
  const code = search.get("code");
  if (!code) throw new Error("The identity provider sent no authorization code.");
  const discovery = await discover(pending.issuer);
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  const resource = resourceOf(audience);
  if (resource) form.set("resource", resource);
  const response = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new Error(`The identity provider gave no token: ${body.error_description ?? body.error ?? response.status}.`);
  }
  return {
    token: body.access_token,
    expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000,
    next: pending.next,
  };
}
