// Concurrency and named locks, decided from the Runs of a namespace (pure). A Run is "admitted" once it has
// started; admitted Runs that have not finished hold their Pipeline's slots and their locks. Nothing else holds
// a lock, so a lock can't leak: a Run that finishes, fails or is deleted stops holding it.

export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace" | "Queue";

export interface RunSummary {
  key: string;
  name: string;
  /** Pipeline name; undefined for a one-off Run. */
  pipeline: string | undefined;
  locks: readonly string[];
  createdAt: string;
  admitted: boolean;
  finished: boolean;
}

export interface Concurrency {
  limit: number;
  policy: ConcurrencyPolicy;
}

export type Admission =
  | { decision: "Admit" }
  | { decision: "Wait"; message: string }
  | { decision: "Refuse"; message: string }
  | { decision: "Replaced"; message: string };

/** Oldest first; the name breaks ties between Runs created in the same second. */
export function byAge(a: RunSummary, b: RunSummary): number {
  return a.createdAt < b.createdAt
    ? -1
    : a.createdAt > b.createdAt
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
}

/**
 * Policy Replace keeps the newest `limit` unfinished Runs of the Pipeline; an older one (admitted or not) gives
 * way. Returns the Run it gives way to, or undefined.
 */
export function replacedBy(run: RunSummary, runs: readonly RunSummary[], concurrency: Concurrency): string | undefined {
  if (concurrency.policy !== "Replace" || run.pipeline === undefined) return undefined;
  const mates = runs.filter((r) => r.pipeline === run.pipeline && !r.finished).sort(byAge);
  const keepers = mates.slice(-concurrency.limit);
  if (keepers.some((r) => r.key === run.key)) return undefined;
  return keepers.at(-1)?.name;
}

/** Whether a not-yet-admitted Run may start now. `runs` are the namespace's Runs (this one included). */
export function admissionFor(
  run: RunSummary,
  runs: readonly RunSummary[],
  concurrency: Concurrency | undefined,
): Admission {
  const live = runs.filter((r) => !r.finished && r.key !== run.key);
  const older = live.filter((r) => !r.admitted && byAge(r, run) < 0);

  if (run.pipeline !== undefined && concurrency) {
    const newer = replacedBy(run, [...live, run], concurrency);
    if (newer) return { decision: "Replaced", message: `Replaced by the newer Run ${newer} before it started.` };
    const mates = live.filter((r) => r.pipeline === run.pipeline);
    const active = mates.filter((r) => r.admitted);
    const ahead = concurrency.policy === "Replace" ? [] : older.filter((r) => r.pipeline === run.pipeline);
    const limit = concurrency.limit;
    if (concurrency.policy === "Forbid" && active.length + ahead.length >= limit) {
      return {
        decision: "Refuse",
        message: `Pipeline ${run.pipeline} allows ${limit} Run(s) at once and ${active.map((r) => r.name).join(", ") || ahead.map((r) => r.name).join(", ")} ${active.length + ahead.length === 1 ? "is" : "are"} in flight (policy Forbid); start it again later.`,
      };
    }
    if (concurrency.policy !== "Allow" && active.length + ahead.length >= limit) {
      return {
        decision: "Wait",
        message:
          concurrency.policy === "Replace"
            ? `Waiting for ${active.map((r) => r.name).join(", ")} to stop (policy Replace).`
            : `Waiting for a slot: Pipeline ${run.pipeline} allows ${limit} Run(s) at once; ${active.length} running, ${ahead.length} queued ahead.`,
      };
    }
  }

  for (const lock of run.locks) {
    const holder = live.find((r) => r.admitted && r.locks.includes(lock));
    if (holder) return { decision: "Wait", message: `Waiting for lock ${lock}, held by Run ${holder.name}.` };
    const queued = older.find((r) => r.locks.includes(lock));
    if (queued)
      return { decision: "Wait", message: `Waiting for lock ${lock}; Run ${queued.name} is queued for it first.` };
  }
  return { decision: "Admit" };
}
