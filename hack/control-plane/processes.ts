import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const supervisor = new URL("./supervise.sh", import.meta.url).pathname;

/**
 * Starts a long-running process under supervise.sh, logging to `<dir>/<name>.log`. It gets its own process group
 * (so it can be stopped as a unit) and exits by itself when `ownerPid` exits (0: never).
 */
export function launchSupervised(dir: string, name: string, ownerPid: number, command: string, args: string[]): number {
  const out = openSync(join(dir, `${name}.log`), "a");
  const child = spawn(supervisor, [String(ownerPid), "--", command, ...args], {
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`Could not start ${name} (${command})`);
  return child.pid;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** Signals each process group, waits up to `graceMs` for all to exit, then kills the stragglers. */
export async function stopProcessGroups(
  pids: number[],
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 10_000,
): Promise<void> {
  for (const pid of pids) signalGroup(pid, signal);
  const deadline = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(processAlive)) signalGroup(pid, "SIGKILL");
}
