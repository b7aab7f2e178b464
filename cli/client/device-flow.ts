// OAuth 2.0 Device Authorization Grant (RFC 8628) against the API's OpenID Provider: discovery, the device
// code, then polling the token endpoint at the provider's interval (slowing down when asked) until the user
// approves, denies or the code expires. The prompt is the caller's (onPrompt); nothing here writes to a terminal.
// refreshTokens renews an expired access token with the login's refresh token (cli/client/session.ts).

import { isSecureOrLoopback } from "../../crds/secure-url.ts";
import { CliError } from "../cli-error.ts";
import type { DebugLog } from "../debug-log.ts";
import { send } from "./http.ts";

export interface DevicePrompt {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresInSeconds: number;
}

export interface DeviceTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresAt?: string;
}

export interface DeviceFlowOptions {
  issuer: string;
  clientId: string;
  scope?: string;
  log: DebugLog;
  onPrompt(prompt: DevicePrompt): void;
  /** The shortest wait between polls; RFC 8628 says 5 s when the provider does not say. */
  minIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const loginFailed = (why: string, fix = "Run `loco login` again.") =>
  new CliError({ code: "auth", what: "Could not log in", why, fix });

async function json(
  url: URL,
  method: "GET" | "POST",
  form?: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  let response: Awaited<ReturnType<typeof send>>;
  try {
    response = await send(url, {
      method,
      headers: { accept: "application/json", ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(body ? { body } : {}),
      timeoutMs: 30_000,
    });
  } catch (error) {
    throw new CliError({
      code: "unavailable",
      what: "Could not log in",
      why: `The identity provider at ${url.origin} did not answer (${error instanceof Error ? error.message : String(error)}).`,
      fix: "Check your network and retry.",
      cause: error,
    });
  }
  try {
    return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown> };
  } catch (error) {
    throw new CliError({
      code: "unavailable",
      what: "Could not log in",
      why: `${url.href} answered ${response.status} with a body that is not JSON.`,
      fix: "Ask whoever runs the API to check its --oidc-issuer: it must be the issuer URL of an OpenID Provider.",
      cause: error,
    });
  }
}

/** A URL the CLI sends codes or tokens to: https, or http only to this machine. */
function credentialUrl(value: string, role: string, what: string): URL {
  if (isSecureOrLoopback(value)) return new URL(value);
  throw new CliError({
    code: "auth",
    what,
    why: `The identity provider's ${role} ${value} is not https, so codes and tokens sent to it could be read on the network (plain http:// is accepted only for localhost, 127.0.0.0/8 or ::1).`,
    fix: "Ask the platform admin to serve the identity provider over https, or log in with an API token: `loco login <server> --token-stdin`.",
  });
}

const discover = (issuer: string, what: string) =>
  json(credentialUrl(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, "issuer", what), "GET");

/** The tokens of a successful token endpoint answer. */
function tokensOf(body: Record<string, unknown>, now: number): DeviceTokens {
  const expiresInSeconds = Number(body.expires_in);
  return {
    accessToken: String(body.access_token),
    ...(typeof body.refresh_token === "string" ? { refreshToken: body.refresh_token } : {}),
    ...(typeof body.id_token === "string" ? { idToken: body.id_token } : {}),
    ...(Number.isFinite(expiresInSeconds) ? { expiresAt: new Date(now + expiresInSeconds * 1000).toISOString() } : {}),
  };
}

export interface RefreshOptions {
  issuer: string;
  clientId: string;
  refreshToken: string;
  log: DebugLog;
  now?: () => number;
}

/**
 * Renews an access token with the refresh token of an earlier login (RFC 6749 §6). Resolves to undefined when
 * the provider refuses it (expired, revoked, or the session ended), so the caller can ask for a new login;
 * throws when the provider cannot be reached.
 */
export async function refreshTokens(options: RefreshOptions): Promise<DeviceTokens | undefined> {
  const now = options.now ?? Date.now;
  const what = "Could not renew the login";
  const discovery = await discover(options.issuer, what);
  const tokenEndpoint = discovery.body.token_endpoint;
  if (typeof tokenEndpoint !== "string") return undefined;
  const answer = await json(credentialUrl(tokenEndpoint, "token endpoint", what), "POST", {
    grant_type: "refresh_token",
    refresh_token: options.refreshToken,
    client_id: options.clientId,
  });
  if (answer.status === 200 && typeof answer.body.access_token === "string") {
    options.log.write("Refreshed the access token", {
      expiresIn: answer.body.expires_in,
      rotated: typeof answer.body.refresh_token === "string",
    });
    return tokensOf(answer.body, now());
  }
  options.log.write("Refresh refused", {
    status: answer.status,
    error: answer.body.error,
    description: answer.body.error_description,
  });
  return undefined;
}

export async function deviceFlow(options: DeviceFlowOptions): Promise<DeviceTokens> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const discovery = await discover(options.issuer, "Could not log in");
  const deviceEndpoint = discovery.body.device_authorization_endpoint;
  const tokenEndpoint = discovery.body.token_endpoint;
  if (typeof deviceEndpoint !== "string" || typeof tokenEndpoint !== "string") {
    throw loginFailed(
      `The identity provider ${options.issuer} does not offer the device authorization flow.`,
      "Log in with an API token: `loco login <server> --token-stdin`.",
    );
  }
  const tokenUrl = credentialUrl(tokenEndpoint, "token endpoint", "Could not log in");
  const scope = options.scope ?? "openid profile email offline_access";
  const started = await json(
    credentialUrl(deviceEndpoint, "device authorization endpoint", "Could not log in"),
    "POST",
    {
      client_id: options.clientId,
      scope,
    },
  );
  if (
    started.status !== 200 ||
    typeof started.body.device_code !== "string" ||
    typeof started.body.user_code !== "string"
  ) {
    throw loginFailed(
      `The identity provider refused to start a device login: ${String(started.body.error_description ?? started.body.error ?? started.status)}.`,
      "Check that the API's --oidc-client-id is a public client allowed the device flow.",
    );
  }
  const expiresIn = Number(started.body.expires_in ?? 600);
  options.onPrompt({
    userCode: started.body.user_code,
    verificationUri: String(started.body.verification_uri ?? started.body.verification_url ?? ""),
    ...(typeof started.body.verification_uri_complete === "string"
      ? { verificationUriComplete: started.body.verification_uri_complete }
      : {}),
    expiresInSeconds: expiresIn,
  });
  const minInterval = options.minIntervalMs ?? 5000;
  let interval = Math.max(minInterval, Number(started.body.interval ?? 5) * 1000);
  const deadline = now() + expiresIn * 1000;
  while (now() < deadline) {
    await sleep(interval);
    const answer = await json(tokenUrl, "POST", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: started.body.device_code,
      client_id: options.clientId,
    });
    if (answer.status === 200 && typeof answer.body.access_token === "string") {
      options.log.write("Received device flow tokens", {
        expiresIn: answer.body.expires_in,
        refresh: typeof answer.body.refresh_token === "string",
      });
      return tokensOf(answer.body, now());
    }
    const error = String(answer.body.error ?? answer.status);
    options.log.write("Polled device flow", { error });
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      interval += 5000;
      continue;
    }
    if (error === "access_denied") throw loginFailed("The login was denied in the browser.");
    if (error === "expired_token") break;
    throw loginFailed(
      `The identity provider answered ${error}${answer.body.error_description ? `: ${String(answer.body.error_description)}` : ""}.`,
    );
  }
  throw new CliError({
    code: "timeout",
    what: "Could not log in",
    why: "The code expired before the login was approved in the browser.",
    fix: "Run `loco login` again and approve it within the time shown.",
  });
}
