// Relays one interactive session between a client's WebSocket (crds/terminal-protocol.ts) and a command in a pod
// (kube/pod-terminal.ts). The client may only send stdin, resizes and "stdin closed" — anything else ends the
// session — and is told the result last, then the socket closes. Output waits for a slow client instead of piling
// up in the API's memory: reading from the pod pauses while too much is queued. Nothing that passes through is
// logged: keystrokes can be passwords.
import type { WebSocket } from "ws";
import { CHANNEL, frame, parseSize, readFrame, type TerminalResult } from "../crds/terminal-protocol.ts";
import type { PodExecOutput } from "../kube/exec-protocol.ts";
import type { PodTerminal } from "../kube/pod-terminal.ts";

/** Queued output above this pauses reading from the pod until the client catches up. */
const HIGH_WATER = 1024 * 1024;
const DRAIN_CHECK_MS = 25;
/** Close codes (RFC 6455): normal, a message the protocol does not allow, the server could not carry on. */
const NORMAL = 1000;
const POLICY = 1008;
const INTERNAL_ERROR = 1011;
const OPEN = 1;

export interface RelayOptions {
  pod: string;
  /** Ends the session (the result says so) when it aborts: the API's stream lifetime, or shutdown. */
  signal: AbortSignal;
  /** Told why the pod's end could not be opened (for the API's log; the client gets a plain sentence). */
  onOpenFailed?(error: unknown): void;
}

/** Output of the pod, framed for the client, holding the pod back while the client's queue is long. */
function clientOutput(client: WebSocket, terminal: () => PodTerminal | undefined) {
  let waiting: NodeJS.Timeout | undefined;
  const drain = () => {
    if (client.bufferedAmount > HIGH_WATER && client.readyState === OPEN) {
      waiting = setTimeout(drain, DRAIN_CHECK_MS);
      return;
    }
    waiting = undefined;
    terminal()?.resume();
  };
  const send = (channel: number) => (chunk: Buffer) => {
    if (client.readyState !== OPEN) return;
    client.send(frame(channel, chunk));
    if (client.bufferedAmount > HIGH_WATER && !waiting) {
      terminal()?.pause();
      waiting = setTimeout(drain, DRAIN_CHECK_MS);
    }
  };
  return {
    output: { stdout: send(CHANNEL.stdout), stderr: send(CHANNEL.stderr) },
    stop: () => clearTimeout(waiting),
  };
}

/**
 * Wires the two ends together until the command ends or either side leaves; resolves with what the client was told.
 * The client may type (or resize) before the pod's end is open: what it sends meanwhile is kept and handed over in
 * order once it is. When the pod's end cannot be opened, the client is told so and the socket closes.
 */
export async function relayTerminal(
  client: WebSocket,
  open: (output: PodExecOutput) => Promise<PodTerminal>,
  options: RelayOptions,
): Promise<TerminalResult> {
  let terminal: PodTerminal | undefined;
  let refused: string | undefined;
  let left = false;
  const early: Buffer[] = [];
  const out = clientOutput(client, () => terminal);
  const handle = (message: Buffer, to: PodTerminal) => {
    const parsed = readFrame(message);
    if (!parsed) return;
    if (parsed.channel === CHANNEL.stdin) to.write(parsed.data);
    else if (parsed.channel === CHANNEL.resize) {
      const size = parseSize(parsed.data);
      if (size) to.resize(size);
    } else if (parsed.channel === CHANNEL.close && parsed.data[0] === CHANNEL.stdin) to.endInput();
    else if (!refused) {
      refused = `channel ${parsed.channel} is not one a client may send (stdin, resize, close)`;
      to.close();
    }
  };
  client.on("message", (data) => {
    const message = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    if (terminal) handle(message, terminal);
    else early.push(message);
  });
  const leave = () => {
    left = true;
    terminal?.close();
  };
  client.once("close", leave);
  options.signal.addEventListener("abort", leave, { once: true });
  const finish = (result: TerminalResult) => {
    out.stop();
    options.signal.removeEventListener("abort", leave);
    if (client.readyState === OPEN) {
      client.send(frame(CHANNEL.result, JSON.stringify(result)));
      client.close(refused ? POLICY : result.exitCode === null && !terminal ? INTERNAL_ERROR : NORMAL);
    }
    return result;
  };
  try {
    terminal = await open(out.output);
  } catch (error) {
    options.onOpenFailed?.(error);
    return finish({
      exitCode: null,
      pod: options.pod,
      message: "The session could not be started in the replica; check that its container is running, then retry.",
    });
  }
  if (left) terminal.close();
  for (const message of early.splice(0)) handle(message, terminal);
  const ended = await terminal.done;
  return finish(
    refused
      ? { exitCode: null, pod: options.pod, message: `the session was ended: ${refused}` }
      : options.signal.aborted && ended.exitCode === null
        ? { exitCode: null, pod: options.pod, message: "the session reached the API's time limit; open a new one" }
        : { exitCode: ended.exitCode, pod: options.pod, ...(ended.message ? { message: ended.message } : {}) },
  );
}
