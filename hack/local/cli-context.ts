// Configures the user's `loco` CLI for the local platform: a context for the local API with the owner token the
// platform minted on its first start. A context that already works (the user logged in, perhaps through the
// browser) is kept, and another server that is the current context stays current.
import { ConfigStore, configDir, contextName } from "../../cli/client/config-store.ts";
import type { LocalCliToken } from "./platform.ts";

export type CliSetup =
  | { outcome: "configured"; context: string; current: boolean }
  | { outcome: "kept"; context: string; current: boolean };

async function works(server: string, token: string): Promise<boolean> {
  const answer = await fetch(`${server}/v1/whoami`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined);
  return answer?.status === 200;
}

export async function configureCli(handoff: LocalCliToken, env: NodeJS.ProcessEnv): Promise<CliSetup> {
  const store = new ConfigStore(configDir(env));
  const context = contextName(handoff.server);
  const previous = store.config().current;
  const existing = store.credential(context);
  // A browser login renews itself with its refresh token when the access token has expired: keep it too.
  if (
    existing &&
    ((existing.kind === "oidc" && existing.refreshToken) || (await works(handoff.server, existing.token)))
  ) {
    if (previous === null) store.use(context);
    return { outcome: "kept", context, current: (previous ?? context) === context };
  }
  store.login(
    { server: handoff.server, tenant: handoff.tenant },
    { kind: "api-token", token: handoff.token, subject: handoff.subject },
  );
  // Logging in makes the context current; a user working against another server keeps that one.
  if (previous !== null && previous !== context && store.config().contexts.some((c) => c.name === previous)) {
    store.use(previous);
    return { outcome: "configured", context, current: false };
  }
  return { outcome: "configured", context, current: true };
}
