// The local OpenID Provider that `npm start` runs next to the API, so that `loco login` goes through the real
// device flow (RFC 8628) on this machine: one local user, one public client (the CLI), JWT access tokens for the
// API's audience with `sub` = the user's id and a `groups` claim, refresh tokens that outlive a restart (state in
// the folder given: keys in jwks.json, sessions and tokens in state.json, all 0600).
// It listens on 127.0.0.1 only and asks for no password: anyone who can reach it is already on this computer.
// Issuer `http://127.0.0.1:<port>` — plain http is what loco accepts for an issuer on loopback, and only there.
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Provider, { type InteractionResults, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "../../kube/logger.ts";
import { LocalProviderError } from "./local-provider-error.ts";
import { FileAdapterStore } from "./oidc-file-adapter.ts";
import { loadOrCreateKeys } from "./oidc-keys.ts";
import {
  type AskingClient,
  CONTENT_SECURITY_POLICY,
  codeConfirmPage,
  codeInputPage,
  consentPage,
  errorPage,
  type LocalUser,
  loginPage,
  successPage,
} from "./oidc-pages.ts";

export type { LocalUser } from "./oidc-pages.ts";

export interface LocalOidcOptions {
  /** Where keys and state live (created 0700 when missing). */
  dir: string;
  /** 0: any free port (the issuer carries the one it got). */
  port: number;
  /** The `aud` of access tokens: the API's --oidc-audience. */
  audience: string;
  user: LocalUser;
  /** The CLI's public client id (the API's --oidc-client-id). */
  clientId: string;
  log: Logger;
}

export interface LocalOidcProvider {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** The one scope of the API as a resource server (the CLI asks for none; a client that asks gets it). */
const API_SCOPE = "api";
const OIDC_SCOPES = ["openid", "offline_access", "profile", "email"];
const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Where the web console's sign-in (authorization code + PKCE) comes back to: the API's origin, known here when the
 * audience is the API's URL (as on the local platform). Undefined for an audience that is a bare id.
 */
export function consoleRedirectUri(audience: string): string | undefined {
  const url = URL.parse(audience);
  return url && (url.protocol === "http:" || url.protocol === "https:") ? `${url.origin}/auth/callback` : undefined;
}

/** Resource indicators must be absolute URIs; an audience that is a bare id gets a URN that stands for it. */
export function resourceIndicatorFor(audience: string): string {
  return URL.parse(audience) ? audience : `urn:loco:audience:${encodeURIComponent(audience)}`;
}

/** Creates the folder (0700) when missing and checks that this process may read and write it. */
export function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "it is a file, not a folder"
        : code === "EACCES" || code === "EPERM"
          ? "this user may not write there"
          : (error as Error).message;
    throw new LocalProviderError(
      "BadDirectory",
      `The provider cannot keep its state in --dir ${dir}: ${why}. Pass a folder this user can write (it is created when missing).`,
      { cause: error },
    );
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new LocalProviderError(
              "PortInUse",
              `The provider cannot listen on 127.0.0.1:${port}: the port is in use (another provider, or another program). Stop it, or pass another --port.`,
              { cause: error },
            )
          : new LocalProviderError(
              "ListenFailed",
              `The provider cannot listen on 127.0.0.1:${port}: ${error.message}. Pass another --port.`,
              { cause: error },
            ),
      );
    };
    server.once("error", failed);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startLocalOidcProvider(options: LocalOidcOptions): Promise<LocalOidcProvider> {
  const { log, user } = options;
  prepareDirectory(options.dir);

  // Listen first: the issuer carries the port, and with --port 0 only the kernel knows it.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let issuer = "";
  const consoleOrigin = URL.parse(consoleRedirectUri(options.audience) ?? "")?.origin;
  const headers = securityHeaders(consoleOrigin);
  const server = createServer((req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (pathOf(req) === "/healthz") {
      res.writeHead(handle ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: handle ? "ok" : "starting", issuer }));
      return;
    }
    if (!handle) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "1" });
      res.end("The local OpenID Provider is starting.\n");
      return;
    }
    handle(req, res);
  });
  // The port before the keys: a start that cannot listen leaves the folder as it found it.
  const port = await listen(server, options.port);
  issuer = `http://127.0.0.1:${port}`;
  let provider: Provider;
  try {
    const keys = await loadOrCreateKeys(options.dir);
    if (keys.created) log.info({ dir: options.dir }, "Created signing and cookie keys");
    const { store, discarded } = FileAdapterStore.open({ file: join(options.dir, "state.json") });
    if (discarded) {
      log.warn({ file: discarded }, "Set aside an unreadable state file; earlier logins must sign in again");
    }
    provider = buildProvider({ ...options, issuer, store, jwks: keys.jwks, cookieKeys: keys.cookieKeys });
  } catch (error) {
    server.close();
    throw error;
  }
  const oidc = provider.callback();
  handle = (req, res) => {
    if (!pathOf(req).startsWith("/interaction/")) {
      oidc(req, res);
      return;
    }
    interaction(provider, options, req, res).catch((error: unknown) => {
      log.error({ err: error, path: pathOf(req) }, "Failed a sign-in step");
      if (!res.headersSent) send(res, 500, errorPage("Sign-in failed", "The provider failed; see its log."));
      else res.end();
    });
  };
  log.info({ issuer, user: user.id, client: options.clientId, audience: options.audience }, "Started provider");
  return {
    issuer,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The pages' headers. The console's sign-in ends in a redirect from the login form to the console's origin, and
 * browsers hold redirects after a form submission to form-action: that origin is named there too.
 */
const securityHeaders = (consoleOrigin: string | undefined): [string, string][] => [
  [
    "content-security-policy",
    consoleOrigin
      ? CONTENT_SECURITY_POLICY.replace("form-action 'self'", `form-action 'self' ${consoleOrigin}`)
      : CONTENT_SECURITY_POLICY,
  ],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
];

const pathOf = (req: IncomingMessage) => (req.url ?? "/").split("?")[0]!;

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

function buildProvider(
  options: LocalOidcOptions & {
    issuer: string;
    store: FileAdapterStore;
    jwks: { keys: unknown[] };
    cookieKeys: string[];
  },
): Provider {
  const { user, log } = options;
  const indicator = resourceIndicatorFor(options.audience);
  const client: AskingClient = { id: options.clientId, name: "loco CLI" };
  // The web console signs in as the same public client, with the authorization code flow and PKCE, coming back to
  // the API's origin; it may call the token endpoint from there (CORS).
  const consoleRedirect = consoleRedirectUri(options.audience);
  const consoleOrigin = consoleRedirect ? new URL(consoleRedirect).origin : undefined;
  const provider = new Provider(options.issuer, {
    adapter: options.store.factory,
    clients: [
      {
        client_id: client.id,
        client_name: client.name,
        application_type: "native",
        grant_types: [DEVICE_CODE_GRANT, "refresh_token", ...(consoleRedirect ? ["authorization_code"] : [])],
        redirect_uris: consoleRedirect ? [consoleRedirect] : [],
        response_types: consoleRedirect ? ["code"] : [],
        token_endpoint_auth_method: "none",
      },
    ],
    jwks: options.jwks as never,
    cookies: { keys: options.cookieKeys },
    scopes: OIDC_SCOPES,
    claims: { openid: ["sub"], profile: ["name"], email: ["email", "email_verified"] },
    findAccount: (_ctx, sub) =>
      sub === user.id
        ? { accountId: sub, claims: () => ({ sub, name: user.name, email: user.email, email_verified: true }) }
        : undefined,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? HOUR,
      DeviceCode: 10 * 60,
      Interaction: 10 * 60,
      IdToken: HOUR,
      Session: DAY,
      // A login lasts a month of use; each refresh rotates the refresh token (the client is public).
      Grant: 30 * DAY,
      RefreshToken: 30 * DAY,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The CLI needs no CORS; the console (on the API's origin) is the one web page that may call the provider.
    clientBasedCORS: (_ctx, origin) => consoleOrigin !== undefined && origin === consoleOrigin,
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage("Sign-in failed", String(out.error_description ?? out.error ?? "unknown error"));
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      revocation: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, error) => {
          ctx.type = "html";
          ctx.body = codeInputPage(
            form,
            error
              ? error.name === "NoCodeError" || (error as { userCode?: unknown }).userCode
                ? "That code is not right (or has expired). Check it against your terminal and try again."
                : "The sign-in could not go on; run `loco login` again."
              : undefined,
          );
        },
        userCodeConfirmSource: (ctx, form, _client, _device, userCode) => {
          ctx.type = "html";
          ctx.body = codeConfirmPage(form, client, userCode);
        },
        successSource: (ctx) => {
          ctx.type = "html";
          ctx.body = successPage(client);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => indicator,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== indicator) throw new Error(`The local provider issues tokens only for ${indicator}`);
          return {
            scope: API_SCOPE,
            audience: options.audience,
            accessTokenTTL: HOUR,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) =>
      (token as { accountId?: string }).accountId === user.id ? { groups: user.groups } : undefined,
  });
  provider.proxy = false;
  provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
    log.info({ client: ctx.oidc.client?.clientId, grantType: ctx.oidc.params?.grant_type }, "Issued tokens");
  });
  provider.on("grant.error", (ctx: KoaContextWithOIDC, error: Error) => {
    // authorization_pending is the device flow's normal answer while the user has not approved yet.
    if ((error as { error?: string }).error === "authorization_pending") return;
    log.warn({ client: ctx.oidc.client?.clientId, error: error.message }, "Refused a token request");
  });
  provider.on("server_error", (_ctx: KoaContextWithOIDC, error: Error) => {
    log.error({ err: error }, "Failed a request");
  });
  return provider;
}

/**
 * The login and consent pages under /interaction/:uid. GET shows the prompt; POST …/login signs the local user
 * in and grants what the app asked for (one button: the page has shown the request); POST …/confirm grants what
 * an app asks beyond that.
 */
async function interaction(
  provider: Provider,
  options: LocalOidcOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  req.resume(); // The forms carry no fields; the body is not needed.
  const [, , uid, step] = pathOf(req).split("/");
  // Fails when the interaction cookie is missing or the interaction expired.
  const details = await provider.interactionDetails(req, res).catch(() => undefined);
  if (!details || details.uid !== uid) {
    send(
      res,
      400,
      errorPage(
        "Sign-in expired",
        "This sign-in page has expired or was opened in another browser. Run `loco login` again and open the link it prints.",
      ),
    );
    return;
  }
  const clientId = String(details.params.client_id);
  const asking: AskingClient = {
    id: clientId,
    name: (await provider.Client.find(clientId))?.clientName ?? clientId,
  };
  const scopes = String(details.params.scope ?? "")
    .split(" ")
    .filter(Boolean);
  const view = { uid, user: options.user, client: asking, scopes, audience: options.audience };
  const prompt = details.prompt.name;

  if (req.method === "GET" && step === undefined) {
    send(res, 200, prompt === "login" ? loginPage(view) : consentPage(view));
    return;
  }
  if (
    req.method !== "POST" ||
    !((step === "login" && prompt === "login") || (step === "confirm" && prompt === "consent"))
  ) {
    send(res, 404, errorPage("Not found", "There is no such sign-in step. Run `loco login` again."));
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: options.user.id, clientId });
  if (!grant) throw new Error(`Grant ${details.grantId} of interaction ${uid} not found`);
  let result: InteractionResults;
  if (step === "login") {
    grant.addOIDCScope(scopes.filter((scope) => OIDC_SCOPES.includes(scope)).join(" "));
    if (scopes.includes(API_SCOPE)) grant.addResourceScope(resourceIndicatorFor(options.audience), API_SCOPE);
    result = { login: { accountId: options.user.id }, consent: { grantId: await grant.save() } };
    options.log.info({ user: options.user.id, client: clientId }, "Signed in user");
  } else {
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, granted] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, granted.join(" "));
    }
    result = { consent: { grantId: await grant.save() } };
    options.log.info({ user: options.user.id, client: clientId }, "Allowed client");
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: step !== "login" });
}
