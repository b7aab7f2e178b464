// Where a `loco run …` or `loco pipeline …` command acts: the session's client, the tenant and the profile.

import { CliError } from "./cli-error.ts";
import type { ApiClient } from "./client/api-client.ts";
import { call, session, tenantOf } from "./client/session.ts";
import type { ContextWith } from "./context.ts";
import { profileFor, readProject } from "./project/project.ts";

export async function runTarget(
  command: ContextWith<{
    profile: string | undefined;
    file?: string;
    tenant: string | undefined;
    context: string | undefined;
  }>,
): Promise<{ client: ApiClient; tenant: string; profile: string }> {
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  return { client, tenant: tenantOf(command, context), profile };
}

/** `call` for pipeline and run commands: a 404's advice points at `loco run ls` and `loco pipeline ls`. */
export async function callRuns<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await call(what, operation);
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== "notFound") throw error;
    throw new CliError({
      code: error.code,
      what: error.what,
      why: error.why,
      fix: "Check the name, --tenant and --profile: `loco run ls` lists runs, `loco pipeline ls` pipelines.",
      ...(error.requestId ? { requestId: error.requestId } : {}),
      cause: error.cause,
    });
  }
}
