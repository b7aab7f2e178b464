// The wire format of an interactive session (`loco exec -it`) between the CLI and the API, over a WebSocket: every
// message is binary, its first byte a channel, the rest its data. The channel numbers are those of Kubernetes'
// own exec protocol (channel.k8s.io), so the API relays frames with nothing to translate but the end: the client
// may only send stdin, resizes and "stdin closed"; the server sends output and, last, the result as JSON.
// It sits here, beside the other vocabulary two processes share, because the CLI may not load the API's code.

/** The WebSocket subprotocol both ends name; a later, incompatible format gets a new one. */
export const TERMINAL_PROTOCOL = "v1.terminal.loco.dev";

export const CHANNEL = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** Server → client, last: a TerminalResult as JSON. */
  result: 3,
  /** Client → server: a TerminalSize as JSON. */
  resize: 4,
  /** Client → server, with the data [0]: no more stdin (a pipe reached its end). */
  close: 255,
} as const;

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface TerminalResult {
  /** The command's exit code; null when it ended without one (it could not start, or the session broke off). */
  exitCode: number | null;
  pod: string;
  message?: string;
}

/** Largest terminal side accepted: anything beyond is a client bug, not a screen. */
const MAX_SIDE = 10_000;

export function frame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** A received message as channel and data; undefined for an empty one. */
export function readFrame(message: Buffer): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  return { channel: message[0]!, data: message.subarray(1) };
}

/** A resize message's size, or undefined when it is not two whole numbers within reason. */
export function parseSize(data: Buffer): TerminalSize | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
  const { cols, rows } = (value ?? {}) as Record<string, unknown>;
  const side = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_SIDE;
  return side(cols) && side(rows) ? { cols, rows } : undefined;
}

/** The result message's body, or undefined when it is not one. */
export function parseResult(data: Buffer): TerminalResult | undefined {
  try {
    const value = JSON.parse(data.toString("utf8")) as Partial<TerminalResult>;
    if (typeof value.pod !== "string") return undefined;
    if (value.exitCode !== null && !Number.isInteger(value.exitCode)) return undefined;
    return {
      exitCode: value.exitCode ?? null,
      pod: value.pod,
      ...(typeof value.message === "string" ? { message: value.message } : {}),
    };
  } catch {
    return undefined;
  }
}
