// How a long-running process reaches the apiserver: its URL, TLS material and credentials, from a kubeconfig file or
// the pod's service account. @kubernetes/client-node's KubeConfig does this too, but importing it loads the whole
// generated API, undici and every auth plugin: about 80 MB of resident memory for a process that needs a URL, a CA
// and a token (docs/performance.md). The common cases — client certificates, a bearer token or token file, the
// in-cluster service account — are read here; anything else (exec plugins, auth providers, basic auth,
// impersonation, proxies, several KUBECONFIG files) is handed to client-node, loaded only then.
import { readFileSync, statSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { isIPv6 } from "node:net";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

/** What KubeClient needs of a kubeconfig; client-node's KubeConfig has the same shape. */
export interface KubeAccess {
  getCurrentCluster(): { server: string } | null;
  /** Sets TLS material and the Authorization header; called per request, so rotated credentials are picked up. */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
/** A token file is read again at most this often (kubelet rotates projected tokens well before they expire). */
const TOKEN_REREAD_MS = 60_000;

interface Cluster {
  server: string;
  ca?: Buffer;
  insecure: boolean;
  tlsServerName?: string;
}

interface User {
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
}

class PlainKubeAccess implements KubeAccess {
  private readonly cluster: Cluster;
  private readonly user: User;
  private token: { value: string; readAt: number } | undefined;

  constructor(cluster: Cluster, user: User) {
    this.cluster = cluster;
    this.user = user;
  }

  getCurrentCluster(): { server: string } {
    return { server: this.cluster.server };
  }

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    if (this.cluster.insecure) options.rejectUnauthorized = false;
    if (this.cluster.tlsServerName) options.servername = this.cluster.tlsServerName;
    if (this.cluster.ca) options.ca = this.cluster.ca;
    if (this.user.cert) options.cert = this.user.cert;
    if (this.user.key) options.key = this.user.key;
    const token = this.currentToken();
    if (token) options.headers = { ...(options.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  }

  private currentToken(): string | undefined {
    if (this.user.token) return this.user.token;
    const file = this.user.tokenFile;
    if (!file) return undefined;
    if (!this.token || Date.now() - this.token.readAt > TOKEN_REREAD_MS) {
      this.token = { value: readFileSync(file, "utf8").trim(), readAt: Date.now() };
    }
    return this.token.value;
  }
}

type Named<T> = { name?: string } & Record<string, T | undefined>;
type Entry = Record<string, unknown>;

const fileExists = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** A kubeconfig's current cluster and user, or undefined when they need more than this file can do alone. */
export function plainAccessFromKubeconfig(text: string, file: string): KubeAccess | undefined {
  const config = parse(text) as {
    "current-context"?: string;
    contexts?: Named<Entry>[];
    clusters?: Named<Entry>[];
    users?: Named<Entry>[];
  } | null;
  const pick = (list: Named<Entry>[] | undefined, name: unknown, what: string) => {
    const found = list?.find((item) => item.name === name);
    if (!found) throw new Error(`The kubeconfig ${file} names ${what} "${String(name)}", which it does not define.`);
    return found[what] ?? {};
  };
  const contextName = config?.["current-context"];
  if (!contextName) throw new Error(`The kubeconfig ${file} has no current-context; set one or pass another file.`);
  const context = pick(config.contexts, contextName, "context");
  const cluster = pick(config.clusters, context.cluster, "cluster");
  const user = context.user === undefined ? {} : pick(config.users, context.user, "user");
  const handled = new Set([
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "token",
    "tokenFile",
    "token-file",
  ]);
  if (Object.keys(user).some((key) => !handled.has(key))) return undefined;
  const handledCluster = new Set([
    "server",
    "certificate-authority",
    "certificate-authority-data",
    "insecure-skip-tls-verify",
    "tls-server-name",
    "extensions",
  ]);
  if (Object.keys(cluster).some((key) => !handledCluster.has(key))) return undefined;
  if (typeof cluster.server !== "string" || !cluster.server) {
    throw new Error(`The kubeconfig ${file} has no server for cluster "${String(context.cluster)}".`);
  }
  const base = dirname(file);
  const read = (path: unknown, data: unknown): Buffer | undefined => {
    if (typeof path === "string" && path) return readFileSync(isAbsolute(path) ? path : join(base, path));
    if (typeof data === "string" && data) return Buffer.from(data, "base64");
    return undefined;
  };
  const tokenFile = user.tokenFile ?? user["token-file"];
  return new PlainKubeAccess(
    {
      server: cluster.server,
      ca: read(cluster["certificate-authority"], cluster["certificate-authority-data"]),
      insecure: cluster["insecure-skip-tls-verify"] === true,
      ...(typeof cluster["tls-server-name"] === "string" ? { tlsServerName: cluster["tls-server-name"] } : {}),
    },
    {
      cert: read(user["client-certificate"], user["client-certificate-data"]),
      key: read(user["client-key"], user["client-key-data"]),
      ...(typeof user.token === "string" && user.token ? { token: user.token } : {}),
      ...(typeof tokenFile === "string" && tokenFile
        ? { tokenFile: isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile) }
        : {}),
    },
  );
}

/** The pod's service account, as client-node's loadFromCluster reads it. */
export function inClusterAccess(env: NodeJS.ProcessEnv, root = SERVICE_ACCOUNT): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "";
  const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
  return new PlainKubeAccess(
    {
      server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      ca: readFileSync(`${root}/ca.crt`),
      insecure: false,
    },
    { tokenFile: `${root}/token` },
  );
}

/**
 * The kubeconfig at `file`, else what client-node's loadFromDefault would pick: $KUBECONFIG, ~/.kube/config, the
 * pod's service account. Cases this module does not read load client-node and let it decide.
 */
export async function loadKubeAccess(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KubeAccess> {
  const fromKubeconfig = env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [];
  const home = join(homedir(), ".kube", "config");
  const path =
    file ??
    (fromKubeconfig.length === 1
      ? fromKubeconfig[0]
      : fromKubeconfig.length === 0 && fileExists(home)
        ? home
        : undefined);
  if (path) {
    const plain = plainAccessFromKubeconfig(readFileSync(path, "utf8"), path);
    if (plain) return plain;
  } else if (fromKubeconfig.length === 0 && fileExists(`${SERVICE_ACCOUNT}/token`)) {
    return inClusterAccess(env);
  }
  const { KubeConfig } = await import("@kubernetes/client-node");
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  return config;
}
