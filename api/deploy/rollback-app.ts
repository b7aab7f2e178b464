// A rollback deploys again the whole spec an earlier deployment ran (restore-app.ts). Only deployments made through
// the API have a recorded spec; one applied with kubectl or GitOps cannot be rolled back to from here.
import { AppSpec } from "../../crds/app.ts";
import { requestedSpec } from "../../db/stores/deployments.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
import type { DeployRequest, DeployResult } from "./deploy-app.ts";
import { restoreApp } from "./restore-app.ts";

export async function rollbackApp(
  services: ApiServices,
  request: Omit<DeployRequest, "spec" | "rollbackOf"> & { deploymentId: string },
): Promise<DeployResult> {
  const { tenant, profile, app, deploymentId } = request;
  const spec = await requestedSpec(services.db, {
    tenant,
    namespace: tenantNamespace(tenant, profile),
    app,
    id: deploymentId,
  });
  if (!spec) {
    throw new ApiError(
      "NotFound",
      `Deployment "${deploymentId}" of this App was not made through the API, or does not exist, so its configuration is not known. Roll back to one the API made: \`loco rollback\` without an id picks the last good one, and GET …/deployments lists them all.`,
    );
  }
  const { deploymentId: _, ...deploy } = request;
  return restoreApp(services, { ...deploy, spec: AppSpec.parse(spec), rollbackOf: deploymentId });
}
