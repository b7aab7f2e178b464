// A real OpenID Provider (the `oidc-provider` package) on loopback, for tests of the API's OIDC authentication.
// Each test identity is a confidential client: it gets real, signed JWT access tokens through the
// client_credentials grant, with `sub` = its client id and a `groups` claim.
// With `deviceClient`, the provider also runs the device authorization grant (RFC 8628) for that public client,
// with refresh tokens (offline_access) and revocation, for the test users in `users`: its own minimal login and
// consent pages under /interaction/:uid, which a test drives over HTTP like a browser (test/support/e2e-device.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

export interface TestIdentity {
  /** Client id, and the `sub` of its tokens. */
  id: string;
  groups?: string[];
  /** Access token lifetime in seconds (default 600). */
  ttlSeconds?: number;
}

/** An end user who logs in through the device flow's pages (`sub` = id). */
export interface TestUser {
  id: string;
  groups?: string[];
  /** Access token lifetime in seconds (default 600). */
  ttlSeconds?: number;
  /** Never issue this user a refresh token (so an expired login cannot be renewed). */
  noRefresh?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  audience: string;
  /** A fresh access token for the identity, for `resource` (default: the API's audience). */
  token(id: string, resource?: string): Promise<string>;
  /** Adds an identity after start. */
  addIdentity(identity: TestIdentity): void;
  /** Public client id of the device flow, when enabled. */
  deviceClient: string | undefined;
  stop(): Promise<void>;
}

const secretOf = (id: string) => `secret-${id}-0123456789abcdef0123456789abcdef`;

export async function startOidcProvider(options: {
  audience: string;
  identities: TestIdentity[];
  /** Other audiences the provider will issue tokens for (to test audience checks). */
  otherAudiences?: string[];
  /** Enables the device flow for this public client id (e.g. the CLI's, "loco-cli"). */
  deviceClient?: string;
  users?: TestUser[];
}): Promise<TestOidcProvider> {
  const identities = new Map(options.identities.map((i) => [i.id, i]));
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `k-${Date.now()}`, use: "sig", alg: "RS256" };
  // Listen first: the issuer URL must carry the port.
  let handler:
    | ((req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void)
    | undefined;
  const server: Server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audiences = new Set([options.audience, ...(options.otherAudiences ?? [])]);
  const clients = () => [
    ...[...identities.values()].map((identity) => ({
      client_id: identity.id,
      client_secret: secretOf(identity.id),
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic" as const,
    })),
    ...(options.deviceClient
      ? [
          {
            client_id: options.deviceClient,
            client_name: "loco CLI",
            application_type: "native" as const,
            grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            redirect_uris: [],
            response_types: [],
            token_endpoint_auth_method: "none" as const,
          },
        ]
      : []),
  ];
  /** The end user a token is being issued to (device code or refresh grant), if any. */
  const userOf = (ctx: { oidc: { account?: { accountId: string } } } | undefined) =>
    ctx?.oidc.account ? users.get(ctx.oidc.account.accountId) : undefined;
  let provider = makeProvider();

  function makeProvider(): Provider {
    const p = new Provider(issuer, {
      clients: clients(),
      jwks: { keys: [jwk as never] },
      scopes: ["openid", "offline_access", "api"],
      claims: { openid: ["sub"], profile: ["name"], email: ["email"] },
      findAccount: (_ctx, sub) =>
        users.has(sub)
          ? { accountId: sub, claims: () => ({ sub, name: sub, email: `${sub}@example.com` }) }
          : undefined,
      issueRefreshToken: async (_ctx, client, code) =>
        client.grantTypeAllowed("refresh_token") &&
        code.scopes.has("offline_access") &&
        !(code.accountId && users.get(code.accountId)?.noRefresh),
      ttl: {
        ClientCredentials: (_ctx, _token, client) => identities.get(client.clientId)?.ttlSeconds ?? 600,
        // The resource server's lifetime (per user or identity, from getResourceServerInfo below).
        AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600,
        DeviceCode: 600,
        Grant: 3600,
        IdToken: 600,
        Interaction: 600,
        RefreshToken: 3600,
        Session: 3600,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        revocation: { enabled: true },
        deviceFlow: {
          enabled: options.deviceClient !== undefined,
          userCodeInputSource: async (ctx, form) => {
            ctx.body = page("Device login", `<h1>Enter the code shown by your device</h1>${form}`);
          },
          userCodeConfirmSource: async (ctx, form, _client, _info, userCode) => {
            ctx.body = page("Confirm", `<h1>Confirm the code ${userCode}</h1>${form}`);
          },
          successSource: async (ctx) => {
            ctx.body = page("Signed in", "<h1>Sign-in complete</h1><p>You can return to your device.</p>");
          },
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (ctx, resource) => {
            if (!audiences.has(resource)) throw new Error(`unknown resource ${resource}`);
            const client = ctx.oidc.client;
            return {
              scope: "api",
              audience: resource,
              accessTokenTTL:
                userOf(ctx)?.ttlSeconds ?? ((client && identities.get(client.clientId)?.ttlSeconds) || 600),
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const accountId = (token as { accountId?: string }).accountId;
        if (accountId) return { groups: users.get(accountId)?.groups ?? [] };
        const clientId = (token as { clientId?: string }).clientId;
        return { groups: (clientId && identities.get(clientId)?.groups) || [] };
      },
    });
    p.proxy = false;
    return p;
  }
  const callback = () => {
    const oidc = provider.callback();
    return (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith("/interaction/")) {
        interaction(provider, users, req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(`Interaction failed: ${error instanceof Error ? error.message : String(error)}`);
        });
        return;
      }
      oidc(req, res);
    };
  };
  handler = callback();

  return {
    issuer,
    audience: options.audience,
    async token(id, resource = options.audience) {
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${id}:${secretOf(id)}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "api", resource }).toString(),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!response.ok || !body.access_token) {
        throw new Error(`The test OpenID Provider refused a token for ${id}: ${body.error} ${body.error_description}`);
      }
      return body.access_token;
    },
    addIdentity(identity) {
      identities.set(identity.id, identity);
      // oidc-provider reads static clients at construction: rebuild it (same issuer and keys).
      provider = makeProvider();
      handler = callback();
    },
    deviceClient: options.deviceClient,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * The provider's login and consent pages: GET /interaction/:uid shows the prompt's form; POST …/login signs in
 * a test user by name (no password: the test provider trusts its users); POST …/confirm grants what the client
 * asked for (scopes, claims, the API's resource scope).
 */
async function interaction(
  provider: Provider,
  users: Map<string, TestUser>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const [, , uid, step] = (req.url ?? "").split("?")[0]!.split("/");
  const send = (status: number, html: string) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  };
  if (req.method === "GET") {
    if (details.prompt.name === "login") {
      send(
        200,
        page(
          "Sign in",
          `<form method="post" action="/interaction/${uid}/login"><input name="login"><button>Sign in</button></form>`,
        ),
      );
    } else {
      send(
        200,
        page(
          "Consent",
          `<p>${escapeHtml(String(details.params.client_id))} asks for ${escapeHtml(String(details.params.scope))}</p><form method="post" action="/interaction/${uid}/confirm"><button>Allow</button></form>`,
        ),
      );
    }
    return;
  }
  if (step === "login") {
    const login = (await formOf(req)).get("login") ?? "";
    if (!users.has(login)) {
      send(400, page("Sign in", `<p>Unknown user ${escapeHtml(login)}.</p>`));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  if (step === "confirm") {
    const accountId = details.session?.accountId;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error(`Grant ${details.grantId} not found`);
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  send(404, page("Not found", "<p>No such step.</p>"));
}
