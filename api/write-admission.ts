// Admission for requests that write to the apiserver (deploys, rollbacks, App and Pipeline writes, runs): at most
// `concurrency` run at once, the rest wait in line. A request is answered 503 with Retry-After — and does nothing —
// as soon as its wait in line is expected to exceed `maxWaitMs` (or once it has), instead of joining a queue it
// would only leave at the request timeout as a 504 after the deploy may have half happened. The expectation is the
// line ahead of it over the slots, times how long recent admitted requests held a slot (a moving average), so the
// API sheds early when the apiserver slows down and admits more when it speeds up. Per API replica, in memory.

/** Weight of the newest service time in the moving average. */
const EWMA_WEIGHT = 0.2;
/** The most Retry-After says: a client told to wait longer would rather hear an error. */
export const MAX_RETRY_AFTER_SECONDS = 30;

export interface WriteAdmissionLimits {
  /** Requests admitted at once. */
  concurrency: number;
  /** The longest a request may wait in line before it is refused. */
  maxWaitMs: number;
}

export type Admission = { ok: true; release(): void } | { ok: false; retryAfterSeconds: number; queued: number };

interface Waiter {
  admit(): void;
}

export class WriteAdmission {
  private running = 0;
  private readonly line: Waiter[] = [];
  /** Moving average of how long an admitted request held its slot; undefined until one finished. */
  private serviceMs: number | undefined;
  private shedCount = 0;
  private readonly limits: WriteAdmissionLimits;
  private readonly now: () => number;

  constructor(limits: WriteAdmissionLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /** How long a request arriving now is expected to wait (0 while a slot is free). */
  expectedWaitMs(): number {
    if (this.running < this.limits.concurrency) return 0;
    // It leaves the line when the requests ahead of it and one slot's worth have finished.
    const rounds = (this.line.length + 1) / this.limits.concurrency;
    return rounds * (this.serviceMs ?? 0);
  }

  /** A slot, at once or after a wait within the limit; else a refusal saying when to come back. */
  async admit(signal?: AbortSignal): Promise<Admission> {
    if (this.running < this.limits.concurrency && this.line.length === 0) return { ok: true, release: this.slot() };
    const expected = this.expectedWaitMs();
    if (expected > this.limits.maxWaitMs) return this.refuse(expected);
    const started = this.now();
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", leave);
          resolve({ ok: true, release: this.slot() });
        },
      };
      const leave = () => {
        const at = this.line.indexOf(waiter);
        if (at === -1) return;
        this.line.splice(at, 1);
        clearTimeout(timer);
        signal?.removeEventListener("abort", leave);
        resolve(this.refuse(Math.max(this.expectedWaitMs(), this.now() - started)));
      };
      const timer = setTimeout(leave, this.limits.maxWaitMs);
      signal?.addEventListener("abort", leave, { once: true });
      this.line.push(waiter);
    });
  }

  /** For tests and logs. */
  state(): { running: number; queued: number; shed: number; serviceMs: number | undefined } {
    return { running: this.running, queued: this.line.length, shed: this.shedCount, serviceMs: this.serviceMs };
  }

  private slot(): () => void {
    this.running++;
    const started = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const took = this.now() - started;
      this.serviceMs = this.serviceMs === undefined ? took : this.serviceMs + EWMA_WEIGHT * (took - this.serviceMs);
      this.running--;
      this.line.shift()?.admit();
    };
  }

  private refuse(expectedMs: number): Admission {
    this.shedCount++;
    const seconds = Math.ceil(expectedMs / 1000);
    return {
      ok: false,
      retryAfterSeconds: Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds)),
      queued: this.line.length,
    };
  }
}
