// One poller per key, however many streams follow it. Event streams re-read a Run or a deployment from Postgres
// four times a second; N clients following the same object (a CI fleet watching one deploy, a dashboard in many
// tabs) would make N times the queries. Followers of a key share one read per interval instead: the poller starts
// with the first follower, and stops when the last one leaves. Keys are built by the caller after its preflight,
// and include the tenant, so no answer ever crosses tenants.
import { setTimeout as sleep } from "node:timers/promises";

interface Poller<T> {
  followers: number;
  /** Bumped on every read; a follower waits for one newer than what it saw. */
  generation: number;
  latest: { value: T } | { error: unknown } | undefined;
  waiters: Set<() => void>;
  stop: AbortController;
}

export class SharedPoll {
  private readonly pollers = new Map<string, Poller<unknown>>();
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /**
   * Each new value of `read()` for `key`, read once per interval while anyone follows the key (the first follower's
   * `read` serves them all). Ends when `signal` aborts, or throws what `read` threw.
   */
  async *follow<T>(key: string, read: () => Promise<T>, signal: AbortSignal): AsyncGenerator<T> {
    let poller = this.pollers.get(key) as Poller<T> | undefined;
    if (!poller) {
      poller = { followers: 0, generation: 0, latest: undefined, waiters: new Set(), stop: new AbortController() };
      this.pollers.set(key, poller as Poller<unknown>);
      void this.run(key, poller, read);
    }
    poller.followers++;
    try {
      let seen = 0;
      while (!signal.aborted) {
        if (poller.generation === seen) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              signal.removeEventListener("abort", wake);
              poller!.waiters.delete(wake);
              resolve();
            };
            poller!.waiters.add(wake);
            signal.addEventListener("abort", wake, { once: true });
          });
          continue;
        }
        seen = poller.generation;
        const latest = poller.latest!;
        if ("error" in latest) throw latest.error;
        yield latest.value;
      }
    } finally {
      poller.followers--;
      if (poller.followers === 0) {
        poller.stop.abort();
        if (this.pollers.get(key) === poller) this.pollers.delete(key);
      }
    }
  }

  /** Keys polled now (for tests). */
  keys(): string[] {
    return [...this.pollers.keys()];
  }

  private async run<T>(key: string, poller: Poller<T>, read: () => Promise<T>): Promise<void> {
    while (!poller.stop.signal.aborted) {
      try {
        poller.latest = { value: await read() };
      } catch (error) {
        poller.latest = { error };
      }
      poller.generation++;
      for (const wake of [...poller.waiters]) wake();
      if ("error" in poller.latest) break;
      await sleep(this.intervalMs, undefined, { signal: poller.stop.signal }).catch(() => undefined);
    }
    // A failed read ends this poller; the next follower of the key starts a fresh one.
    if (this.pollers.get(key) === poller) this.pollers.delete(key);
  }
}
