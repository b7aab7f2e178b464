// A real OpenID Provider (the `oidc-provider` package) on loopback, for tests of the API's OIDC authentication.
// Each test identity is a confidential client: it gets real, signed JWT access tokens through the
// client_credentials grant, with `sub` = its client id and a `groups` claim.
import { createServer, type Server } from "node:http";
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

export interface TestOidcProvider {
  issuer: string;
  audience: string;
  /** A fresh access token for the identity, for `resource` (default: the API's audience). */
  token(id: string, resource?: string): Promise<string>;
  /** Adds an identity after start. */
  addIdentity(identity: TestIdentity): void;
  stop(): Promise<void>;
}

const secretOf = (id: string) => `secret-${id}-0123456789abcdef0123456789abcdef`;

export async function startOidcProvider(options: {
  audience: string;
  identities: TestIdentity[];
  /** Other audiences the provider will issue tokens for (to test audience checks). */
  otherAudiences?: string[];
}): Promise<TestOidcProvider> {
  const identities = new Map(options.identities.map((i) => [i.id, i]));
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
  const clients = () =>
    [...identities.values()].map((identity) => ({
      client_id: identity.id,
      client_secret: secretOf(identity.id),
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic" as const,
    }));
  let provider = makeProvider();

  function makeProvider(): Provider {
    const p = new Provider(issuer, {
      clients: clients(),
      jwks: { keys: [jwk as never] },
      scopes: ["openid", "api"],
      ttl: {
        ClientCredentials: (_ctx, _token, client) => identities.get(client.clientId)?.ttlSeconds ?? 600,
      },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
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
              accessTokenTTL: (client && identities.get(client.clientId)?.ttlSeconds) || 600,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const clientId = (token as { clientId?: string }).clientId;
        return { groups: (clientId && identities.get(clientId)?.groups) || [] };
      },
    });
    p.proxy = false;
    return p;
  }
  handler = provider.callback();

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
      handler = provider.callback();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
