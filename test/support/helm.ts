// Runs the cached helm binary (hack/versions.env, built by hack/build-control-plane.sh) against charts/loco, with
// its own config and cache folders so tests never read or write the user's helm settings.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { binaryPaths } from "../../hack/control-plane/versions.ts";
import type { KubeObject } from "../../kube/types.ts";

const execFileAsync = promisify(execFile);

export const chartDir = join(import.meta.dirname, "..", "..", "charts", "loco");
export const fullValues = join(chartDir, "ci", "full-values.yaml");

const helmHome = mkdtempSync(join(tmpdir(), "loco-helm-"));

export interface HelmResult {
  stdout: string;
  stderr: string;
}

/** Runs helm; rejects with helm's own output when it exits non-zero. */
export async function helm(args: string[], kubeconfig?: string): Promise<HelmResult> {
  try {
    return await execFileAsync(binaryPaths().helm, [...args, ...(kubeconfig ? ["--kubeconfig", kubeconfig] : [])], {
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: helmHome,
        HELM_CONFIG_HOME: join(helmHome, "config"),
        HELM_CACHE_HOME: join(helmHome, "cache"),
        HELM_DATA_HOME: join(helmHome, "data"),
      },
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`helm ${args.join(" ")} failed: ${e.stderr || e.message}\n${e.stdout ?? ""}`);
  }
}

/** The objects of a multi-document manifest, empty documents dropped. */
export function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === "object" && "kind" in object);
}

/** `helm template` of charts/loco as release `release` in `namespace`, parsed. */
export async function renderChart(release: string, namespace: string, extraArgs: string[] = []): Promise<KubeObject[]> {
  const { stdout } = await helm(["template", release, chartDir, "--namespace", namespace, ...extraArgs]);
  return parseManifest(stdout);
}
