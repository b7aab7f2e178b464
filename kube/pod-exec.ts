// Runs one command in a pod's container through the apiserver's pods/exec (a WebSocket, which the apiserver turns
// into the kubelet's streaming protocol), hands its output over chunk by chunk, and reads its exit code from the
// status the kubelet sends last. Every failure, abort and close ends in the one promise `execInPod` returns.
import { Writable } from "node:stream";
import { Exec, type KubeConfig } from "@kubernetes/client-node";

export interface PodExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface PodExecOutput {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface PodExecResult {
  /** The command's exit code; null when it ended without one (it could not start, or the stream broke off). */
  exitCode: number | null;
  /** Why there is no exit code, or the kubelet's words for a non-zero one. */
  message?: string;
}

export class PodExecError extends Error {
  override name = "PodExecError";
}

/** The last message of an exec stream: a metav1.Status. */
export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * The exit code an exec status reports. A kubelet says NonZeroExitCode with an ExitCode cause; kwok's simulated node
 * wraps the process's error instead, so its status is an InternalError whose message ends in Go's "exit status N":
 * that wording is read too, so the test bed returns the real code of the real command it ran.
 */
export function exitCodeOf(status: ExecStatus): PodExecResult {
  if (status.status === "Success") return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) {
    return { exitCode: Number(cause.message), ...(status.message ? { message: status.message } : {}) };
  }
  const wrapped = /\bexit status (\d+)\b/.exec(status.message ?? "");
  if (wrapped) return { exitCode: Number(wrapped[1]), message: `command terminated with exit status ${wrapped[1]}` };
  return { exitCode: null, message: status.message ?? status.reason ?? "the command ended without an exit code" };
}

/** Resolves when the command has ended (or `signal` aborted, exitCode null); rejects when the exec was refused. */
export async function execInPod(
  config: KubeConfig,
  target: PodExecTarget,
  command: readonly string[],
  output: PodExecOutput,
  signal?: AbortSignal,
): Promise<PodExecResult> {
  const sink = (write: (chunk: Buffer) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        write(chunk);
        done();
      },
    });
  let status: ExecStatus | undefined;
  const exec = new Exec(config);
  const socket = await exec
    .exec(
      target.namespace,
      target.pod,
      target.container,
      [...command],
      sink(output.stdout),
      sink(output.stderr),
      null,
      false,
      (s) => {
        status = s as ExecStatus;
      },
    )
    .catch((error: unknown) => {
      throw new PodExecError(
        `Could not start the command in pod ${target.namespace}/${target.pod}: ${describe(error)}`,
      );
    });
  return new Promise<PodExecResult>((resolve) => {
    const finish = () => {
      signal?.removeEventListener("abort", abort);
      if (status) resolve(exitCodeOf(status));
      else if (signal?.aborted) resolve({ exitCode: null, message: "the caller hung up before the command ended" });
      else resolve({ exitCode: null, message: "the connection to the pod closed before the command ended" });
    };
    const abort = () => socket.close();
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
    socket.addEventListener("close", finish, { once: true });
    socket.addEventListener("error", () => socket.close(), { once: true });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  // ws reports a refused upgrade as an ErrorEvent whose message carries the HTTP status.
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : String(error);
}
