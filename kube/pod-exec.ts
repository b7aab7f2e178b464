// Runs one command in a pod's container through the apiserver's pods/exec and hands its output over chunk by chunk:
// a session of pod-terminal.ts without stdin or a TTY. Every failure, abort and close ends in the one promise
// `execInPod` returns. (Not client-node's Exec: importing client-node costs loco-api about 80 MB of memory;
// kube/kube-access.ts.)

import { PodExecError, type PodExecOutput, type PodExecResult, type PodExecTarget } from "./exec-protocol.ts";
import type { KubeAccess } from "./kube-access.ts";
import { openPodTerminal } from "./pod-terminal.ts";

/** Resolves when the command has ended (or `signal` aborted, exitCode null); rejects when the exec was refused. */
export async function execInPod(
  config: KubeAccess,
  target: PodExecTarget,
  command: readonly string[],
  output: PodExecOutput,
  signal?: AbortSignal,
): Promise<PodExecResult> {
  const session = await openPodTerminal(config, target, command, { tty: false, stdin: false }, output).catch(
    (error: unknown) => {
      const cause = error instanceof PodExecError && error.cause !== undefined ? error.cause : error;
      throw new PodExecError(
        `Could not start the command in pod ${target.namespace}/${target.pod}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    },
  );
  const abort = () => session.close();
  if (signal?.aborted) abort();
  signal?.addEventListener("abort", abort, { once: true });
  const result = await session.done;
  signal?.removeEventListener("abort", abort);
  if (result.exitCode === null && signal?.aborted) {
    return { exitCode: null, message: "the caller hung up before the command ended" };
  }
  return result;
}
