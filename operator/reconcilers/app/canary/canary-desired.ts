// Pure builders of a canary App's extra children (ADR 0010): the canary Deployment `<app>-canary`, which runs the
// App's pod template under the rollout's deployment id, and the canary Service the routes' second backendRef names.
// Canary pods carry loco.dev/canary-of instead of loco.dev/app, so the stable Deployment and Service never select
// them (Deployment selectors are immutable, so the stable ones cannot be narrowed instead).
import {
  ANNOTATION_DEPLOYED_AT,
  ANNOTATION_DEPLOYMENT_ID,
  ANNOTATION_TEMPLATE_HASH,
  canaryName,
  LABEL_APP,
  LABEL_CANARY_OF,
  previewName,
} from "../../../../crds/app-names.ts";
import type { KubeObject } from "../../../../kube/types.ts";
import { type AppInputs, childLabels, podTemplate, servicePorts, templateHash } from "../desired.ts";

export const canarySelector = (app: string): Record<string, string> => ({ [LABEL_CANARY_OF]: app });

/** The App's labels with loco.dev/app swapped for loco.dev/canary-of. */
function canaryLabels(inputs: AppInputs): Record<string, string> {
  const { [LABEL_APP]: _app, ...rest } = childLabels(inputs);
  return { ...rest, ...canarySelector(inputs.app.name) };
}

function meta(inputs: AppInputs, annotations?: Record<string, string>) {
  return {
    name: canaryName(inputs.app.name),
    namespace: inputs.app.namespace,
    labels: canaryLabels(inputs),
    ...(annotations ? { annotations } : {}),
    ownerReferences: [inputs.owner],
  };
}

export interface CanaryRun {
  deploymentId: string;
  deployedAt: string;
  replicas: number;
}

export function desiredCanaryDeployment(inputs: AppInputs, canary: CanaryRun): KubeObject {
  const template = podTemplate(inputs, canary.deploymentId);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(inputs, {
      // The stable form's hash: promotion recognises the same template on the stable Deployment.
      [ANNOTATION_TEMPLATE_HASH]: templateHash(inputs),
      [ANNOTATION_DEPLOYMENT_ID]: canary.deploymentId,
      [ANNOTATION_DEPLOYED_AT]: canary.deployedAt,
    }),
    spec: {
      replicas: canary.replicas,
      selector: { matchLabels: canarySelector(inputs.app.name) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 600,
      template: { ...template, metadata: { ...template.metadata, labels: canaryLabels(inputs) } },
    },
  };
}

/** The canary Service: the stable Service's ports, selecting the canary's pods. */
export function desiredCanaryService(inputs: AppInputs): KubeObject | undefined {
  if ((inputs.spec.ports ?? []).length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(inputs),
    spec: { type: "ClusterIP", selector: canarySelector(inputs.app.name), ports: servicePorts(inputs.spec) },
  };
}

/**
 * Blue-green's preview route (ADR 0012): the App's main route of that kind (`main`, as built for it) under the name
 * `<app>-preview`, serving only the preview hostname and sending everything to the new version's Service.
 */
export function desiredPreviewRoute(main: KubeObject | undefined, app: string, host: string): KubeObject | undefined {
  if (!main) return undefined;
  const spec = main.spec as { rules: { backendRefs: { port?: number }[] }[] } & Record<string, unknown>;
  const [rule] = spec.rules;
  if (!rule) return undefined;
  const port = rule.backendRefs[0]?.port;
  return {
    ...main,
    metadata: { ...main.metadata, name: previewName(app) },
    spec: {
      ...spec,
      hostnames: [host],
      rules: [{ ...rule, backendRefs: [{ group: "", kind: "Service", name: canaryName(app), port, weight: 1 }] }],
    },
  };
}
