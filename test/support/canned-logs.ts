// Canned container logs for simulated pods. kwok's kubelet-like server answers the apiserver's pods/log requests
// from files named by ClusterLogs objects; this writes those files (in the CRI log format the kubelet reads) and
// creates one ClusterLogs per test namespace, so `kubectl logs`, the API and the operator read real log streams —
// with real timestamps, tail, since, limitBytes and follow — from pods that run nothing.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { inject } from "vitest";

export interface CannedLine {
  time: Date | string;
  line: string;
  stream?: "stdout" | "stderr";
}

export interface CannedLogsOptions {
  namespace: string;
  /** Lines per container name; the key "*" answers for any container without lines of its own. */
  containers: Record<string, CannedLine[]>;
  /** Keep `follow` requests open and stream what `append` adds (otherwise a follow request ends at the file's end). */
  follow?: boolean;
  /** Defaults to the shared test control plane's kubeconfig. */
  kubeConfig?: KubeConfig;
}

export interface CannedLogs {
  /** Adds lines to a container's log; followers see them at once. */
  append(container: string, lines: CannedLine[]): void;
  remove(): Promise<void>;
}

const ANY_CONTAINER = "*";

/** One line in the CRI logging format: `<RFC 3339 time> <stream> F <message>` ("F" = a full, unsplit line). */
export function criLine({ time, line, stream = "stdout" }: CannedLine): string {
  const iso = typeof time === "string" ? time : time.toISOString();
  return `${iso} ${stream} F ${line}\n`;
}

export async function cannedLogs(options: CannedLogsOptions): Promise<CannedLogs> {
  const config = options.kubeConfig ?? defaultKubeConfig();
  const objects = KubernetesObjectApi.makeApiClient(config);
  const dir = mkdtempSync(join(tmpdir(), `loco-logs-${options.namespace}-`));
  const fileOf = (container: string) => join(dir, `${container === ANY_CONTAINER ? "any" : container}.log`);
  for (const [container, lines] of Object.entries(options.containers)) {
    writeFileSync(fileOf(container), lines.map(criLine).join(""));
  }
  const name = `canned-${options.namespace}`;
  const logs = Object.keys(options.containers).map((container) => ({
    ...(container === ANY_CONTAINER ? {} : { containers: [container] }),
    logsFile: fileOf(container),
    follow: options.follow ?? false,
  }));
  await objects.patch(
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "ClusterLogs",
      metadata: { name },
      spec: { selector: { matchNamespaces: [options.namespace] }, logs },
    } as never,
    undefined,
    undefined,
    "loco-test",
    true,
    PatchStrategy.ServerSideApply,
  );
  return {
    append(container, lines) {
      if (!(container in options.containers)) {
        throw new Error(`cannedLogs: no log file for container ${container}; declare it in \`containers\` first`);
      }
      appendFileSync(fileOf(container), lines.map(criLine).join(""));
    },
    async remove() {
      await objects
        .delete({ apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "ClusterLogs", metadata: { name } } as never)
        .catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return config;
}
