// What feeds the Pipeline controller: its Pipelines, the Secret it owns, the Profile and namespace labels that
// decide which pod annotations its tasks may set, and its Runs (counts, last run, history).
import { LABEL_PROFILE } from "../../../crds/app-names.ts";
import { keyOf } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Controller } from "../../runtime/controller.ts";
import type { RunObject } from "../run/objects.ts";

export function watchPipelineInputs(
  controller: Controller,
  caches: Pick<WorldCaches, "pipelines" | "secrets" | "profiles" | "namespaces" | "runs">,
): void {
  controller.watchPrimary(caches.pipelines);
  controller.watchOwned(caches.secrets, "Pipeline");
  // The namespace's Profile decides which pod annotations tasks may set (Ready=False PodAnnotationNotAllowed).
  const pipelinesIn = (namespaces: ReadonlySet<string>) =>
    caches.pipelines
      .list()
      .filter((p) => namespaces.has(p.metadata.namespace ?? ""))
      .map(keyOf);
  controller.watchMapped(caches.profiles, (profile) => {
    const using = caches.namespaces
      .list()
      .filter((n) => n.metadata.labels?.[LABEL_PROFILE] === profile.metadata.name)
      .map((n) => n.metadata.name ?? "");
    return pipelinesIn(new Set(using));
  });
  controller.watchMapped(caches.namespaces, (namespace, previous) =>
    previous?.metadata.labels?.[LABEL_PROFILE] === namespace.metadata.labels?.[LABEL_PROFILE]
      ? []
      : pipelinesIn(new Set([namespace.metadata.name ?? ""])),
  );
  // Run counts, last run and history follow the Runs of the Pipeline.
  controller.watchMapped(caches.runs, (run) => {
    const name = (run as RunObject).spec?.pipelineRef?.name;
    return name ? [`${run.metadata.namespace}/${name}`] : [];
  });
}
