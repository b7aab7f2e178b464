// A two-way session with one command in a pod's container through the apiserver's pods/exec: stdin (and a TTY
// when asked) go in, output comes out, terminal resizes reach the pty, and the exit code arrives at the end. This is
// what `kubectl exec -it` speaks (the channel.k8s.io WebSocket protocol, v5 when the apiserver offers it, so that a
// piped stdin can be closed); client-node's Exec would read stdin from a stream and close the socket at its end,
// where a relay needs to push chunks as they come. Without stdin and a TTY it is also the one-shot exec
// (pod-exec.ts).
import WebSocket, { type ClientOptions, type RawData } from "ws";
import {
  type ExecStatus,
  exitCodeOf,
  PodExecError,
  type PodExecOutput,
  type PodExecResult,
  type PodExecTarget,
} from "./exec-protocol.ts";
import type { KubeAccess } from "./kube-access.ts";

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface PodTerminal {
  /** Sends a chunk to the command's stdin. */
  write(chunk: Buffer): void;
  /** Tells the pty its new size (ignored without a TTY). */
  resize(size: { cols: number; rows: number }): void;
  /** No more stdin; the command sees end-of-file (only over v5; older apiservers keep stdin open). */
  endInput(): void;
  /** How much sent data waits in memory for the apiserver: the relay's back-pressure signal. */
  readonly buffered: number;
  /** Stops reading the command's output until resume() (back-pressure toward the pod). */
  pause(): void;
  resume(): void;
  /** Ends the session at once; `done` then resolves without an exit code. */
  close(): void;
  /** Resolves when the command has ended or the session closed; never rejects. */
  readonly done: Promise<PodExecResult>;
}

/** Opens the session; rejects with PodExecError when the apiserver refuses it (no such pod, container not running). */
export async function openPodTerminal(
  config: KubeAccess,
  target: PodExecTarget,
  command: readonly string[],
  options: { tty: boolean; stdin?: boolean },
  output: PodExecOutput,
): Promise<PodTerminal> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new PodExecError("The kubeconfig names no current cluster to reach pods/exec through.");
  const query = new URLSearchParams({
    container: target.container,
    stdin: String(options.stdin ?? true),
    stdout: "true",
    // With a TTY the pty merges stderr into stdout; the apiserver refuses both at once.
    stderr: String(!options.tty),
    tty: String(options.tty),
  });
  for (const word of command) query.append("command", word);
  const base = cluster.server.replace(/^http/, "ws").replace(/\/+$/, "");
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`;
  const tls: ClientOptions = {};
  await config.applyToHTTPSOptions(tls as never);
  const socket = new WebSocket(`${base}${path}?${query}`, PROTOCOLS, tls);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", (error) =>
      reject(
        new PodExecError(`Could not open a session in pod ${target.namespace}/${target.pod}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
  });

  let status: ExecStatus | undefined;
  socket.on("message", (data: RawData) => {
    const message = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const channel = message[0];
    const body = message.subarray(1);
    if (channel === STDOUT && body.length > 0) output.stdout(body);
    else if (channel === STDERR && body.length > 0) output.stderr(body);
    else if (channel === STATUS) {
      try {
        status = JSON.parse(body.toString("utf8")) as ExecStatus;
      } catch {
        status = { status: "Failure", message: "the pod's status message was not JSON" };
      }
    }
  });
  const done = new Promise<PodExecResult>((resolve) => {
    socket.once("close", () =>
      resolve(
        status
          ? exitCodeOf(status)
          : { exitCode: null, message: "the session with the pod closed before the command ended" },
      ),
    );
  });
  // After the handshake an error always ends in "close", which settles `done`.
  socket.on("error", () => socket.terminate());

  const send = (channel: number, data: Buffer) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    const out = Buffer.allocUnsafe(data.length + 1);
    out[0] = channel;
    data.copy(out, 1);
    socket.send(out);
  };
  return {
    write: (chunk) => send(STDIN, chunk),
    resize: ({ cols, rows }) => send(RESIZE, Buffer.from(JSON.stringify({ Width: cols, Height: rows }))),
    endInput: () => {
      if (socket.protocol === "v5.channel.k8s.io") send(CLOSE, Buffer.from([STDIN]));
    },
    get buffered() {
      return socket.bufferedAmount;
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.close(),
    done,
  };
}
