// `--debug`: structured lines (time, message, key=value) appended to a file — never to the terminal, where they
// would tear the Ink screen apart. Without --debug every call is a no-op.
// Built-ins through process.getBuiltinModule: an ESM import builds a facade that reads every export (running
// their lazy getters), which costs a noticeable part of a short command's start-up (bench/cli-startup.ts).
const { appendFileSync, mkdirSync } = process.getBuiltinModule("node:fs");
const { tmpdir } = process.getBuiltinModule("node:os");
const { join } = process.getBuiltinModule("node:path");

export interface DebugLog {
  /** The file written to, when --debug is on. */
  readonly path: string | undefined;
  write(message: string, fields?: Record<string, unknown>): void;
}

export const noDebugLog: DebugLog = { path: undefined, write() {} };

function render(value: unknown): string {
  if (value instanceof Error)
    return JSON.stringify(`${value.name}: ${value.message}${value.cause ? ` (cause: ${String(value.cause)})` : ""}`);
  if (typeof value === "string") return /^[\w./:@-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** $XDG_STATE_HOME/loco/logs/debug-<time>-<pid>.log, or the temp dir when there is no home. */
export function debugLogPath(env: Record<string, string | undefined>, now = new Date(), pid = process.pid): string {
  const state = env.XDG_STATE_HOME || (env.HOME ? join(env.HOME, ".local", "state") : tmpdir());
  const stamp = now
    .toISOString()
    .replaceAll(":", "")
    .replace(/\.\d+Z$/, "Z");
  return join(state, "loco", "logs", `debug-${stamp}-${pid}.log`);
}

export function fileDebugLog(path: string): DebugLog {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  return {
    path,
    write(message, fields = {}) {
      const pairs = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${render(v)}`);
      appendFileSync(path, `${new Date().toISOString()} ${message}${pairs.length ? ` ${pairs.join(" ")}` : ""}\n`, {
        mode: 0o600,
      });
    },
  };
}
