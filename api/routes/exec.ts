// `loco exec`: one command in a running replica of an App, through the apiserver's pods/exec, with the caller's
// tenant authorisation (a developer's right: it runs anything the App's container can) and an audit record naming
// the pod and the program (never the arguments, which may carry secrets). The answer streams the command's output
// as ndjson and ends with its exit code.
import { z } from "zod";
import { CONTAINER_NAME, LABEL_APP } from "../../crds/app-names.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { execInPod, PodExecError } from "../../kube/pod-exec.ts";
import { POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError, notFound } from "../errors.ts";
import { openRecordStream, STREAM_LIFETIME_MS } from "../event-stream.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { findTenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";

const ExecBody = z.strictObject({
  command: z
    .array(z.string().max(4096))
    .min(1)
    .max(64)
    .describe("The program and its arguments, run as is (no shell unless you name one)."),
  pod: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe("Name of the replica's pod; defaults to the first running, ready one by name."),
});

type PodView = KubeObject & {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
  metadata: KubeObject["metadata"] & { deletionTimestamp?: string };
};

const isReady = (pod: PodView) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");

/** The replica to run in: the one named (if it is this App's and running), else the first ready one by name. */
export function pickPod(pods: readonly PodView[], wanted: string | undefined): string | undefined {
  const running = pods
    .filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  if (wanted !== undefined) return running.find((p) => p.metadata.name === wanted)?.metadata.name;
  return (running.find(isReady) ?? running[0])?.metadata.name;
}

export function execRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube } = services;
  return [
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/apps/:app/exec",
      operationId: "execInApp",
      summary: "Run a command in a running replica of an App; streams its output and ends with its exit code.",
      tag: "apps",
      auth: "required",
      stream: true,
      audit: "apps.exec",
      params: ItemParams,
      query: ProfileQuery,
      body: ExecBody,
      responses: {
        200: {
          description:
            'ndjson: { stream: "stdout"|"stderr", data } per chunk of output, then { exitCode: number|null, pod, message? }.',
          contentTypes: ["application/x-ndjson"],
        },
        404: { description: "No such App, or no running replica (of that name)." },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: async ({ authorize, params, query, body, request, reply, objectFound, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        const namespace = await findTenantNamespace(kube, params.tenant, query.profile);
        const app = namespace
          ? await getTenantResource(db, { tenant: params.tenant, kind: "App", namespace, name: params.app })
          : undefined;
        if (!namespace || !app) throw notFound("App", params.app);
        objectFound();
        if (!services.kubeConfig) throw new ApiError("Unavailable", "exec is not available from this server.");
        const pods = await kube.list<PodView>(POD, namespace, { labelSelector: `${LABEL_APP}=${params.app}` });
        const pod = pickPod(pods.items, body.pod);
        if (!pod) {
          throw new ApiError(
            "NotFound",
            body.pod === undefined
              ? `App "${params.app}" has no running replica in profile ${query.profile} to run the command in. Check \`loco status\`; deploy or scale it up first.`
              : `App "${params.app}" has no running replica named "${body.pod}" in profile ${query.profile}. Leave out --pod, or pick one from \`loco status\`.`,
          );
        }
        auditTarget(`${namespace}/${params.app}`, { pod, program: body.command[0] });
        const out = openRecordStream(reply, "ndjson");
        const lifetime = AbortSignal.any([out.signal, AbortSignal.timeout(STREAM_LIFETIME_MS)]);
        const chunk = (stream: "stdout" | "stderr") => (data: Buffer) => out.write({ stream, data: data.toString() });
        execInPod(
          services.kubeConfig,
          { namespace, pod, container: CONTAINER_NAME },
          body.command,
          { stdout: chunk("stdout"), stderr: chunk("stderr") },
          lifetime,
        )
          .then((result) => {
            out.write({ exitCode: result.exitCode, pod, ...(result.message ? { message: result.message } : {}) });
            out.end();
          })
          .catch((error: unknown) => {
            request.log.info({ pod, err: String(error) }, "Failed to exec in a pod");
            const message =
              error instanceof PodExecError
                ? "The command could not be started in the replica; check that its container is running, then retry."
                : "The command broke off; retry.";
            out.write({ exitCode: null, pod, message });
            out.end();
          });
        return out.answer();
      },
    }),
  ];
}
