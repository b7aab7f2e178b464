// The Run's own loco API credential (docs/adr/0009-run-credentials.md): a random token in a Secret the Run owns,
// made once when the Run starts — only when its Pipeline declares permissions — and deleted as soon as the Run
// ends. The API checks a presented token against this Secret, the Run's state and the expiry, so a deleted Secret
// or a finished Run is a refused token. Not a builder: the token is random, so the Secret is created once
// (never re-applied), and an existing one is left as it is.

import type { RunStatus } from "../../../crds/run.ts";
import {
  ANNOTATION_CREDENTIAL_EXPIRES,
  mintRunCredential,
  RUN_CREDENTIAL_KEY,
  runCredentialSecretName,
} from "../../../crds/run-credential.ts";
import { LABEL_MANAGED_BY, LABEL_RUN, LABEL_TENANT, labelValue, MANAGED_BY } from "../../../crds/run-names.ts";
import { KubeApiError, type KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { SECRET } from "../../../kube/resources.ts";
import { controllerOf, keyOf } from "../../../kube/types.ts";
import { ownerReferenceTo } from "../../runtime/children.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { RunObject } from "./objects.ts";

export type RunCredential = NonNullable<RunStatus["credential"]>;

/**
 * Makes sure the Run's credential Secret exists; returns what status records. `expiresAt` is used only the first
 * time (status keeps it after that, so an operator restart never extends a credential).
 */
export async function ensureRunCredential(
  deps: { client: KubeClient; log: Logger; fieldManager: string },
  secrets: Informer,
  run: RunObject,
  tenant: string,
  expiresAt: string,
): Promise<RunCredential> {
  const name = run.metadata.name ?? "";
  const namespace = run.metadata.namespace ?? "";
  const recorded = (run.status as RunStatus | undefined)?.credential;
  const credential = { secretName: runCredentialSecretName(name), expiresAt: recorded?.expiresAt ?? expiresAt };
  // The cache, never a GET (the operator may only list and watch Secrets): a Secret it has not seen yet is created,
  // and AlreadyExists below means it is there.
  const existing = secrets.get(`${namespace}/${credential.secretName}`);
  if (existing) {
    if (controllerOf(existing)?.uid !== run.metadata.uid) {
      throw new Error(
        `Secret ${credential.secretName} exists but does not belong to Run ${name}; delete it so the Run can get its credential.`,
      );
    }
    return credential;
  }
  try {
    await deps.client.create(
      SECRET,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: credential.secretName,
          namespace,
          labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_RUN]: labelValue(name), [LABEL_TENANT]: labelValue(tenant) },
          annotations: { [ANNOTATION_CREDENTIAL_EXPIRES]: credential.expiresAt },
          ownerReferences: [ownerReferenceTo(run)],
        },
        type: "Opaque",
        stringData: { [RUN_CREDENTIAL_KEY]: mintRunCredential(namespace, name) },
      },
      deps.fieldManager,
    );
    deps.log.info({ run: keyOf(run), secret: credential.secretName }, "Created Secret (the Run's credential)");
  } catch (error) {
    // Another reconcile of this Run made it first: the one that exists is the credential.
    if (!(error instanceof KubeApiError && error.isAlreadyExists)) throw error;
  }
  return credential;
}

/** Deletes the credential of a Run that ended (if it is still there and the Run's own). */
export async function removeRunCredential(
  deps: { client: KubeClient; log: Logger },
  secrets: Informer,
  run: RunObject,
): Promise<void> {
  const recorded = (run.status as RunStatus | undefined)?.credential;
  if (!recorded) return;
  const namespace = run.metadata.namespace ?? "";
  const cached = secrets.get(`${namespace}/${recorded.secretName}`);
  if (!cached || controllerOf(cached)?.uid !== run.metadata.uid) return;
  await deps.client.delete(SECRET, namespace, recorded.secretName, { uid: cached.metadata.uid });
  deps.log.info(
    { run: keyOf(run), secret: recorded.secretName },
    "Deleted Secret (the Run's credential): the Run ended",
  );
}
