// A Run's own credential (docs/adr/0009-run-credentials.md), checked against the cluster on every request: the
// Secret the operator made for the Run must still exist and hold exactly this token, belong to the Run, the Run must
// not have ended, and the expiry must not have passed. What it may do is what the Run's snapshot of its Pipeline
// declares (status.pipelineSpec.permissions), never the Pipeline as it is now.
import type { z } from "zod";
import { LABEL_PROFILE, LABEL_TENANT } from "../../crds/app-names.ts";
import { RUN } from "../../crds/kinds.ts";
import type { Permissions } from "../../crds/pipeline.ts";
import {
  ANNOTATION_CREDENTIAL_EXPIRES,
  RUN_CREDENTIAL_KEY,
  runCredentialSecretName,
  runOfCredential,
  sameCredential,
} from "../../crds/run-credential.ts";
import { KubeApiError, type KubeClient } from "../../kube/kube-client.ts";
import { NAMESPACE, SECRET } from "../../kube/resources.ts";
import { controllerOf } from "../../kube/types.ts";
import { ApiError } from "../errors.ts";
import type { Principal, RunScope } from "./principal.ts";

const refused = (why: string) => new ApiError("Unauthenticated", why);

type Condition = { type: string; status: string };

/** A read the API is not allowed to make (another namespace) counts as absent; other failures stay failures. */
async function readable<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) return undefined;
    throw error;
  }
}

export async function authenticateRunCredential(
  kube: KubeClient | undefined,
  token: string,
  now: Date,
): Promise<Principal> {
  const where = runOfCredential(token);
  if (!where || !kube) {
    throw refused("The Run credential is not valid: it is malformed, or this server does not accept Run credentials.");
  }
  const { namespace, run } = where;
  const ended = `The Run credential no longer works: Run ${run} has ended (a Run's credential is deleted when it ends).`;
  // The token names the namespace, so it is looked at only when it is a tenant's: nothing else is ever read for it.
  const labels = (await readable(() => kube.find(NAMESPACE, undefined, namespace)))?.metadata.labels ?? {};
  const tenant = labels[LABEL_TENANT];
  const profile = labels[LABEL_PROFILE];
  if (!tenant || !profile) throw refused(ended);
  const secret = await readable(() => kube.find(SECRET, namespace, runCredentialSecretName(run)));
  const stored = (secret?.data as Record<string, string> | undefined)?.[RUN_CREDENTIAL_KEY];
  if (!secret || !stored || !sameCredential(token, Buffer.from(stored, "base64").toString("utf8"))) {
    throw refused(ended);
  }
  const object = await readable(() => kube.find(RUN, namespace, run));
  if (!object || controllerOf(secret)?.uid !== object.metadata.uid) throw refused(ended);
  const status = (object.status ?? {}) as {
    conditions?: Condition[];
    pipelineSpec?: { permissions?: z.infer<typeof Permissions> };
  };
  const succeeded = status.conditions?.find((c) => c.type === "Succeeded");
  if (succeeded && succeeded.status !== "Unknown") throw refused(ended);
  const expiresAt = secret.metadata.annotations?.[ANNOTATION_CREDENTIAL_EXPIRES];
  if (!expiresAt || !(Date.parse(expiresAt) > now.getTime())) {
    throw refused(`The Run credential expired at ${expiresAt ?? "an unknown time"}; start a new Run.`);
  }
  const scope: RunScope = {
    namespace,
    name: run,
    tenant,
    profile,
    pipeline: (object.spec as { pipelineRef?: { name: string } }).pipelineRef?.name,
    deploy: (status.pipelineSpec?.permissions?.deploy ?? []).map((d) => ({
      app: d.app,
      profile: d.profile ?? profile,
    })),
  };
  return { via: "run", subject: `run:${namespace}/${run}`, groups: [], platformAdmin: false, run: scope };
}
