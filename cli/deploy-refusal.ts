// A deploy the API refuses because of a route's hostname (taken by another App: 409; outside the tenant's grants or
// reserved to another App: 403) is a failed deploy the user must fix, like an App that can never become Ready: exit 4
// with the API's reason, not the exit of a conflict or a missing role. Pure.
import { CliError } from "./cli-error.ts";
import { ApiRequestError } from "./client/api-client.ts";

/** The CliError for a deploy refused over a hostname, or undefined for any other failure. */
export function hostnameRefusal(error: unknown, what: string): CliError | undefined {
  if (!(error instanceof ApiRequestError) || !error.problem) return undefined;
  const { status, errors = [], detail } = error.problem;
  if (status !== 409 && status !== 403) return undefined;
  const routes = errors.filter((e) => e.field.startsWith("spec.routes."));
  if (routes.length === 0) return undefined;
  return new CliError({
    code: "deployFailed",
    what,
    why: `${detail ?? routes.map((e) => e.message).join("; ")} (${routes.map((e) => e.field).join(", ")})`,
    fix:
      status === 409
        ? "Choose another hostname in loco.toml ([routes]), or free it from the App that holds it."
        : "Use the App's default hostname or one inside a domain granted to your tenant (ask a platform admin: Profile spec.domainGrants).",
    cause: error,
  });
}
