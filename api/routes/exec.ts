// `loco exec`: one command in a running replica of an App, through the apiserver's pods/exec, with the caller's
// tenant authorisation (a developer's right: it runs anything the App's container can) and an audit record naming
// the pod and the program (never the arguments, which may carry secrets). POST streams the command's output as
// ndjson and ends with its exit code; GET with a WebSocket upgrade (`loco exec -it`) is a two-way session — stdin,
// a TTY and its resizes (crds/terminal-protocol.ts) — audited the same way, never its keystrokes.
import { z } from "zod";
import { CONTAINER_NAME } from "../../crds/app-names.ts";
import { TERMINAL_PROTOCOL } from "../../crds/terminal-protocol.ts";
import { PodExecError } from "../../kube/exec-protocol.ts";
import { execInPod } from "../../kube/pod-exec.ts";
import { openPodTerminal } from "../../kube/pod-terminal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appReplicas } from "../app-replicas.ts";
import { ApiError } from "../errors.ts";
import { openRecordStream, STREAM_LIFETIME_MS } from "../event-stream.ts";
import { defineRoute, type RouteContext, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { relayTerminal } from "../terminal-relay.ts";
import { acceptWebSocket, isWebSocketRequest, offersProtocol } from "../websocket-upgrade.ts";
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

const Word = z.string().max(4096);
const TerminalQuery = ProfileQuery.extend({
  command: z
    .union([Word, z.array(Word).min(1).max(64)])
    .transform((words) => (typeof words === "string" ? [words] : words))
    .describe("The program and its arguments, one `command=` per word, run as is (no shell unless you name one)."),
  pod: ExecBody.shape.pod,
  tty: z
    .enum(["true", "false"])
    .default("true")
    .describe("Run the command in a terminal (a pty): what a shell or an editor needs."),
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
  /** The App's namespace and pods (404 when the tenant has no such App in the profile). */
  const appPods = (params: z.output<typeof ItemParams>, profile: string, objectFound: () => void) =>
    appReplicas<PodView>(services, { tenant: params.tenant, profile, app: params.app }, objectFound);

  /** The replica to run in (404 naming what to do when there is none), once exec is possible from this server. */
  function replica(pods: readonly PodView[], app: string, profile: string, wanted: string | undefined) {
    if (!services.kubeConfig) throw new ApiError("Unavailable", "exec is not available from this server.");
    const pod = pickPod(pods, wanted);
    if (!pod) {
      throw new ApiError(
        "NotFound",
        wanted === undefined
          ? `App "${app}" has no running replica in profile ${profile} to run the command in. Check \`loco status\`; deploy or scale it up first.`
          : `App "${app}" has no running replica named "${wanted}" in profile ${profile}. Leave out --pod, or pick one from \`loco status\`.`,
      );
    }
    return { pod, kubeConfig: services.kubeConfig };
  }

  /** GET …/exec: the WebSocket session, once the caller may have it. */
  async function openSession({
    authorize,
    params,
    query,
    request,
    reply,
    objectFound,
    auditTarget,
  }: RouteContext<z.output<typeof ItemParams>, z.output<typeof TerminalQuery>, unknown>) {
    await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
    const { namespace, pods } = await appPods(params, query.profile, objectFound);
    if (!isWebSocketRequest(request) || !offersProtocol(request, TERMINAL_PROTOCOL)) {
      throw new ApiError(
        "InvalidRequest",
        `GET ${request.url.split("?")[0]} is a WebSocket session: open it with \`Upgrade: websocket\` and the subprotocol ${TERMINAL_PROTOCOL} (\`loco exec -it\` does), or POST the command to run it without a terminal.`,
      );
    }
    const { pod, kubeConfig } = replica(pods, params.app, query.profile, query.pod);
    const tty = query.tty === "true";
    auditTarget(`${namespace}/${params.app}`, { pod, program: query.command[0], interactive: true, tty });
    const client = await acceptWebSocket(request, reply, TERMINAL_PROTOCOL);
    const target = { namespace, pod, container: CONTAINER_NAME };
    void relayTerminal(client, (output) => openPodTerminal(kubeConfig, target, query.command, { tty }, output), {
      pod,
      signal: AbortSignal.timeout(STREAM_LIFETIME_MS),
      onOpenFailed: (error) => request.log.info({ pod, err: String(error) }, "Failed to open an exec session in a pod"),
    });
    return { status: 101 };
  }

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
        const { namespace, pods } = await appPods(params, query.profile, objectFound);
        const { pod, kubeConfig } = replica(pods, params.app, query.profile, body.pod);
        auditTarget(`${namespace}/${params.app}`, { pod, program: body.command[0] });
        const out = openRecordStream(reply, "ndjson");
        const lifetime = AbortSignal.any([out.signal, AbortSignal.timeout(STREAM_LIFETIME_MS)]);
        const chunk = (stream: "stdout" | "stderr") => (data: Buffer) => out.write({ stream, data: data.toString() });
        execInPod(
          kubeConfig,
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
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/exec",
      operationId: "execInAppInteractive",
      summary:
        "Open a two-way session (WebSocket) with a command in a running replica of an App: stdin, a TTY and its resizes.",
      tag: "apps",
      auth: "required",
      stream: true,
      audit: "apps.exec",
      params: ItemParams,
      query: TerminalQuery,
      responses: {
        101: {
          description: `Switching to a WebSocket with the subprotocol ${TERMINAL_PROTOCOL}: binary messages whose first byte is a channel (0 stdin, 4 resize {cols, rows} and 255 [0] "stdin closed" from the client; 1 stdout and 2 stderr from the server, then 3 the result { exitCode: number|null, pod, message? } before it closes).`,
        },
        404: { description: "No such App, or no running replica (of that name)." },
        429: { description: "Too many streams open with this credential or in this tenant; retry after Retry-After." },
      },
      handler: openSession,
    }),
  ];
}
