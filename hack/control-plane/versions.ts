import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Versions pinned in hack/versions.env (the single source for the shell build and this launcher). */
export interface ControlPlaneVersions {
  KUBERNETES_VERSION: string;
  ETCD_VERSION: string;
  KWOK_VERSION: string;
  HELM_VERSION: string;
  GATEWAY_API_VERSION: string;
  ENVOY_GATEWAY_VERSION: string;
}

const versionsFile = new URL("../versions.env", import.meta.url);

export function readVersions(): ControlPlaneVersions {
  const entries = readFileSync(versionsFile, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split("=", 2) as [string, string]);
  return Object.fromEntries(entries) as unknown as ControlPlaneVersions;
}

/** The cache lives outside the clone so that fresh CI clones on the same machine reuse the build. */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return process.env.LOCO_CACHE_DIR ?? join(base, "loco");
}

export interface BinaryPaths {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  helm: string;
  gatewayApiCrds: string;
  envoyGatewayCrds: string;
  kwokStages: string;
  /** CRDs of kwok's canned-logs objects (Logs, ClusterLogs). */
  kwokCrds: string;
}

export function binaryPaths(versions = readVersions(), cache = cacheDir()): BinaryPaths {
  const k8s = join(cache, "bin", `kubernetes-${versions.KUBERNETES_VERSION}`);
  return {
    etcd: join(cache, "bin", `etcd-${versions.ETCD_VERSION}`, "etcd"),
    kubeApiserver: join(k8s, "kube-apiserver"),
    kubeControllerManager: join(k8s, "kube-controller-manager"),
    kubeScheduler: join(k8s, "kube-scheduler"),
    kubectl: join(k8s, "kubectl"),
    kwok: join(cache, "bin", `kwok-${versions.KWOK_VERSION}`, "kwok"),
    helm: join(cache, "bin", `helm-${versions.HELM_VERSION}`, "helm"),
    gatewayApiCrds: join(cache, "crds", `gateway-api-${versions.GATEWAY_API_VERSION}`),
    envoyGatewayCrds: join(cache, "crds", `envoy-gateway-${versions.ENVOY_GATEWAY_VERSION}`),
    kwokStages: join(cache, "crds", `kwok-${versions.KWOK_VERSION}`, "stage"),
    kwokCrds: join(cache, "crds", `kwok-${versions.KWOK_VERSION}`, "crd"),
  };
}
