// Streams one container's log from the apiserver (pods/log). client-node's `Log` pipes the response body into the
// caller's stream without an error listener, so aborting a follow (a client hanging up) raises an uncaught
// AbortError that takes the whole process down; here every failure and every abort ends up in one place.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { PassThrough, type Readable } from "node:stream";
import type { KubeAccess } from "./kube-access.ts";

export interface PodLogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export interface PodLogTarget {
  namespace: string;
  pod: string;
  container: string;
}

export class PodLogError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = "PodLogError";
    this.status = status;
  }
}

/**
 * Opens the log stream. Resolves once the apiserver answered 200 — like a kubelet, kwok answers a follow with the first
 * line it sends, so don't await a follow from the end of a quiet log before doing anything else — (rejects with a PodLogError otherwise); the stream
 * ends when the log does (when following: when the container stops or `signal` aborts); it never emits an error.
 */
export async function openPodLog(
  config: KubeAccess,
  target: PodLogTarget,
  options: PodLogOptions = {},
  signal?: AbortSignal,
): Promise<Readable> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new PodLogError("The kubeconfig has no current cluster", 500);
  const url = new URL(
    `${cluster.server}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`,
  );
  url.searchParams.set("container", target.container);
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && value !== false) url.searchParams.set(key, String(value));
  }
  // Plain node:http(s) with the kubeconfig's certificates and credentials: client-node's undici dispatcher only
  // works with the exact undici instance it came from, which a bundler or test runner may not hand us.
  const requestOptions: RequestOptions = { method: "GET", headers: {} };
  await config.applyToHTTPSOptions(requestOptions);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      { ...requestOptions, signal },
      resolve,
    );
    request.on("error", reject);
    request.end();
  }).catch((error: unknown) => {
    throw new PodLogError(`Could not reach the apiserver for ${describe(target)}: ${String(error)}`, 503);
  });
  if (response.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of response.on("error", () => {})) chunks.push(chunk as Buffer);
    const status = response.statusCode ?? 500;
    throw new PodLogError(
      `Reading ${describe(target)} failed (${status}): ${statusMessage(Buffer.concat(chunks).toString("utf8"))}`,
      status,
    );
  }
  const out = new PassThrough();
  // An abort (the caller hanging up) or the server closing mid-stream is how a followed log normally ends: the
  // returned stream simply ends, it never errors.
  const finish = () => {
    if (!out.writableEnded) out.end();
  };
  response.on("error", finish);
  response.on("close", finish);
  response.pipe(out);
  out.on("close", () => response.destroy());
  return out;
}

/** Reads a whole (non-followed) log as text. */
export async function readPodLog(
  config: KubeAccess,
  target: PodLogTarget,
  options: PodLogOptions = {},
): Promise<string> {
  const stream = await openPodLog(config, target, { ...options, follow: false });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function describe(target: PodLogTarget): string {
  return `the log of container ${target.container} in pod ${target.namespace}/${target.pod}`;
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body.slice(0, 300);
  }
}
