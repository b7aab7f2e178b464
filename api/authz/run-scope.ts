// What a Run's own credential may call: the few routes a deploy needs (read the App, deploy it, follow the
// deployment), for the Apps and profiles its Pipeline declares under permissions.deploy, in its own tenant.
// Everything else is refused with 403 before the handler runs — including another tenant, which the credential
// names itself, so refusing it tells the caller nothing about that tenant.
import type { RunScope } from "../auth/principal.ts";
import { ApiError } from "../errors.ts";

/** The routes (operationIds) a deploy step's `loco deploy --app … --image …` calls, and nothing more. */
export const RUN_CREDENTIAL_ROUTES: ReadonlySet<string> = new Set([
  "getApp",
  "deployApp",
  "getDeployment",
  "watchDeployment",
]);

export function checkRunScope(scope: RunScope, operationId: string, params: unknown, query: unknown): void {
  const { tenant, app } = (params ?? {}) as { tenant?: string; app?: string };
  const { profile } = (query ?? {}) as { profile?: string };
  const run = `Run ${scope.name}`;
  if (!RUN_CREDENTIAL_ROUTES.has(operationId)) {
    throw new ApiError(
      "Forbidden",
      `A Run's credential can only deploy the Apps its Pipeline lists in permissions.deploy; ${operationId} is not part of a deploy. Use an API token for anything else.`,
    );
  }
  if (tenant !== scope.tenant) {
    throw new ApiError("Forbidden", `${run}'s credential acts only in its own tenant, ${scope.tenant}.`);
  }
  if (!scope.deploy.some((d) => d.app === app && d.profile === profile)) {
    throw new ApiError(
      "Forbidden",
      `${run}'s credential may not deploy App ${app} (${profile}): its Pipeline's permissions.deploy does not list it. Add { app: ${app}, profile: ${profile} } there for later Runs.`,
    );
  }
}
