// A process's resident memory as Linux reports it (VmRSS in /proc/<pid>/status), for benchmarks and soaks.
import { readFileSync } from "node:fs";

/** Resident memory of process `pid` in kB (0 when the status has no VmRSS line); throws when it cannot be read. */
export function residentKB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}
