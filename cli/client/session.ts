// From a command's context to an API client: which server (--context, else the current context), which
// credential (LOCO_TOKEN, else the stored one, an OIDC login renewed with its refresh token when it has expired),
// which tenant (--tenant, else the context's); and the one place API failures become CliErrors.

import { CliError } from "../cli-error.ts";
import type { CommandContext, ContextWith } from "../context.ts";
import { ApiClient, ApiRequestError, type TokenSource } from "./api-client.ts";
import { ConfigStore, type Context, type Credential, configDir, normaliseServer } from "./config-store.ts";

export const storeFor = (context: Pick<CommandContext, "env">) => new ConfigStore(configDir(context.env));

export interface Session {
  context: Context;
  client: ApiClient;
}

export function session(command: ContextWith<{ context: string | undefined }>): Session {
  const env = command.env;
  // CI without a config file: LOCO_SERVER + LOCO_TOKEN.
  if (env.LOCO_SERVER && env.LOCO_TOKEN && !command.flags.context) {
    const server = normaliseServer(env.LOCO_SERVER);
    return {
      context: { name: "env", server, tenant: env.LOCO_TENANT ?? null },
      client: new ApiClient({ server, token: env.LOCO_TOKEN, log: command.log }),
    };
  }
  const store = storeFor(command);
  const context = store.resolve(command.flags.context);
  if (!context) {
    throw new CliError({
      code: "auth",
      what: "Not logged in",
      why: "There is no current context (API server) in your config.",
      fix: "Run `loco login <server>` (or set LOCO_SERVER and LOCO_TOKEN).",
    });
  }
  const credential = store.credential(context.name);
  if (!env.LOCO_TOKEN && credential?.kind === "oidc") {
    if (expired(credential) && !credential.refreshToken) throw loginExpired(context, credential, "no-refresh");
    return {
      context,
      client: new ApiClient({
        server: context.server,
        tokenSource: renewingToken(command, store, context, credential),
        log: command.log,
      }),
    };
  }
  const token = env.LOCO_TOKEN || credential?.token;
  if (!token) {
    throw new CliError({
      code: "auth",
      what: `Not logged in to ${context.name}`,
      why: "There is no credential stored for this context.",
      fix: `Run \`loco login ${context.server}\`.`,
    });
  }
  return { context, client: new ApiClient({ server: context.server, token, log: command.log }) };
}

/** Renew a few seconds early, so the token does not run out on its way to the server. */
const EXPIRY_MARGIN_MS = 5_000;
const expired = (credential: Credential) =>
  credential.expiresAt !== undefined && Date.parse(credential.expiresAt) - EXPIRY_MARGIN_MS <= Date.now();

function loginExpired(context: Context, credential: Credential, why: "no-refresh" | "refused"): CliError {
  const when = credential.expiresAt ? ` at ${credential.expiresAt}` : "";
  return new CliError({
    code: "auth",
    what: `Your login to ${context.name} has expired`,
    why:
      why === "no-refresh"
        ? `The access token expired${when} and the login has no refresh token to renew it with.`
        : `The access token expired${when} and the identity provider refused to renew it (the login was revoked or has ended).`,
    fix: `Run \`loco login ${context.server}\` again.`,
  });
}

/**
 * An OIDC login's access token, renewed at most once per command with the refresh token (before a request when
 * it has expired, or after a 401), the renewed credential written back to the config directory.
 */
function renewingToken(
  command: ContextWith<{ context: string | undefined }>,
  store: ConfigStore,
  context: Context,
  stored: Credential,
): TokenSource {
  let current = stored;
  let renewal: Promise<string | undefined> | undefined;
  const renew = () => {
    renewal ??= (async () => {
      if (!current.refreshToken) return undefined;
      let { issuer, clientId } = current;
      if (!issuer || !clientId) {
        const auth = await call(`Could not renew your login to ${context.name}`, () =>
          new ApiClient({ server: context.server, log: command.log }).authConfig(),
        );
        issuer = auth.issuer ?? undefined;
        clientId = auth.clientId ?? undefined;
        if (!issuer || !clientId) return undefined;
      }
      const { refreshTokens } = await import("./device-flow.ts");
      const tokens = await refreshTokens({ issuer, clientId, refreshToken: current.refreshToken, log: command.log });
      if (!tokens) return undefined;
      const { expiresAt: _old, ...rest } = current;
      current = {
        ...rest,
        issuer,
        clientId,
        token: tokens.accessToken,
        refreshToken: tokens.refreshToken ?? current.refreshToken,
        ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}),
      };
      store.saveCredential(context.name, current);
      command.log.write("Renewed the login", { context: context.name, expiresAt: current.expiresAt });
      return current.token;
    })();
    return renewal;
  };
  return {
    async get() {
      if (!expired(current)) return current.token;
      const renewed = await renew();
      if (!renewed) throw loginExpired(context, current, "refused");
      return renewed;
    },
    renew,
  };
}

export function tenantOf(command: ContextWith<{ tenant?: string | undefined }>, context: Context): string {
  const tenant = command.flags.tenant ?? context.tenant ?? undefined;
  if (!tenant) {
    throw new CliError({
      code: "usage",
      what: "No tenant chosen",
      why: `The context ${context.name} has no default tenant.`,
      fix: "Pass --tenant <name> (or set LOCO_TENANT), or log in again with --tenant.",
    });
  }
  return tenant;
}

/** Maps an API failure to what the user sees; anything else passes through. */
export function fromApiError(error: unknown, what: string): unknown {
  if (!(error instanceof ApiRequestError)) return error;
  const base = { what, requestId: error.requestId, cause: error };
  if (error.failure === "timeout") {
    return new CliError({
      ...base,
      code: "timeout",
      why: `The API did not answer ${error.method} ${error.url} in time.`,
      fix: "Retry; if it keeps happening, check the server's health (/readyz).",
    });
  }
  if (error.failure === "unreachable") {
    return new CliError({
      ...base,
      code: "unavailable",
      why: `Could not reach the API: ${error.message}.`,
      fix: "Check the server URL (`loco context ls`) and your network, then retry.",
    });
  }
  if (error.failure === "invalid-response") {
    return new CliError({
      ...base,
      code: "unavailable",
      why: error.message,
      fix: "Check that the context's server is a loco API (`loco context ls`).",
    });
  }
  const problem = error.problem!;
  const why = problem.detail ?? problem.title ?? `The API answered ${problem.status}.`;
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  const whyFull = fields.length && !problem.detail ? `${why} ${fields.join("; ")}` : why;
  switch (problem.status) {
    case 400:
      return new CliError({ ...base, code: "usage", why: whyFull, fix: "Fix the values named and retry." });
    case 401:
      return new CliError({
        ...base,
        code: "auth",
        why: whyFull,
        fix: "Log in again with `loco login` (or pass a valid token with --token-stdin).",
      });
    case 403:
      return new CliError({
        ...base,
        code: "auth",
        why: whyFull,
        fix: "Ask an admin of the tenant for a role that allows this.",
      });
    case 404:
      return new CliError({
        ...base,
        code: "notFound",
        why: whyFull,
        fix: "Check the name, --tenant and --profile (`loco ls` lists your apps).",
      });
    case 429:
      return new CliError({
        ...base,
        code: "unavailable",
        why: whyFull,
        fix: `Wait ${problem.retryAfterSeconds ?? "a minute"}${problem.retryAfterSeconds ? " s" : ""} and retry.`,
      });
    case 504:
      return new CliError({
        ...base,
        code: "timeout",
        why: whyFull,
        fix: "Retry; the server's log has the cause under the request id.",
      });
    default:
      return new CliError({
        ...base,
        code: "unavailable",
        why: whyFull,
        fix:
          problem.status >= 500
            ? "Retry later; the server's log has the cause under the request id."
            : "Resolve the conflict and retry.",
      });
  }
}

/** Runs an API call, mapping its failure to a CliError that says what was being done. */
export async function call<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw fromApiError(error, what);
  }
}
