// What a command run in a pod through the apiserver's pods/exec is and how it ends: its target, its output, the
// status the kubelet sends last and the exit code read from it. Shared by the one-shot exec (pod-exec.ts) and the
// two-way session (pod-terminal.ts).

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
