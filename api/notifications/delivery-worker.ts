// Drains the webhook delivery queue (webhook_deliveries, migration 0014). Every API replica runs one; they share
// the queue through Postgres: a claim is a lease on the webhook row taken with FOR UPDATE SKIP LOCKED
// (db/notifications/webhook-store.ts), so replicas never send the same delivery at once and a restart loses
// nothing — a delivery is only ever marked by the worker that sent it, and a lease left by a dead worker expires.
// Delivery is at least once: a worker that dies between sending and recording leaves the delivery to be sent again
// with the same event id, which receivers use to drop the duplicate.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import {
  type ClaimedDelivery,
  claimDeliveries,
  pruneDeliveries,
  recordAttempt,
} from "../../db/notifications/webhook-store.ts";
import type { Database } from "../../db/schema.ts";
import type { KeyRing } from "../../db/secret-crypto.ts";
import type { Logger } from "../../kube/logger.ts";
import { deliveryBody } from "./delivery-body.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from "./retry-delay.ts";
import { sendWebhook } from "./send-webhook.ts";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "./verify-webhook.ts";
import type { Resolve } from "./webhook-target.ts";

export interface DeliveryWorkerOptions {
  db: Kysely<Database>;
  /** Opens the sealed signing secrets (the same key-encryption keys the operator has). */
  keyRing: KeyRing;
  log: Logger;
  /** Address classes the platform admin allows as targets (--webhook-allow-addresses). */
  allowed: ReadonlySet<string>;
  retry?: RetryPolicy;
  /** How often to look for due deliveries when the queue was empty (default 1 s). */
  pollMs?: number;
  /** One attempt's limit, connect to last byte (default 10 s). */
  timeoutMs?: number;
  /** How long a claim holds a webhook; far longer than an attempt can take (default 2 min). */
  leaseMs?: number;
  /** Webhooks served at once by this worker (default 8). */
  concurrency?: number;
  /** Delivery log retention: finished deliveries older than this are deleted (default 7 days)… */
  retentionMs?: number;
  /** …and beyond the newest this many per webhook (default 200). */
  keepPerWebhook?: number;
  resolve?: Resolve;
  random?: () => number;
}

export class DeliveryWorker {
  /** Names this worker's leases (unique per process and start). */
  readonly holder = `worker-${randomUUID()}`;
  private readonly options: DeliveryWorkerOptions;
  private readonly retry: RetryPolicy;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastPrune = 0;
  readonly stats = { attempts: 0, delivered: 0, failed: 0, retried: 0 };

  constructor(options: DeliveryWorkerOptions) {
    this.options = options;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops claiming; attempts in flight finish and are recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Claims and sends what is due once; the number of deliveries attempted. */
  async runOnce(): Promise<number> {
    const claims = await claimDeliveries(this.options.db, this.options.keyRing, {
      holder: this.holder,
      leaseMs: this.options.leaseMs ?? 120_000,
      limit: this.options.concurrency ?? 8,
      onSealError: (webhookId, error) =>
        this.options.log.warn(
          { webhook: webhookId, err: error.message },
          "Cannot open a webhook's signing secret: its deliveries wait until loco-api has the key it was sealed with",
        ),
    });
    await Promise.all(claims.map((claim) => this.attempt(claim)));
    await this.pruneNow();
    return claims.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        busy = (await this.runOnce()) > 0;
      } catch (error) {
        this.options.log.warn(
          { err: (error as Error).message },
          "Failed to drain the webhook delivery queue, retrying",
        );
      }
      if (busy || this.stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs ?? 1000);
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async attempt(claim: ClaimedDelivery): Promise<void> {
    const body = deliveryBody(claim.format, claim.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await sendWebhook({
      url: claim.url,
      body,
      headers: {
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(claim.secret, timestamp, body),
        [EVENT_ID_HEADER]: claim.payload.id,
        "loco-webhook-event": claim.eventType,
      },
      allowed: this.options.allowed,
      timeoutMs: this.options.timeoutMs ?? 10_000,
      ...(this.options.resolve ? { resolve: this.options.resolve } : {}),
    });
    this.stats.attempts++;
    const attempt = claim.attempts + 1;
    const responseCode = result.status ?? null;
    const delay =
      result.error && !result.refused
        ? retryDelayMs(attempt, this.retry, (this.options.random ?? Math.random)())
        : undefined;
    const state = !result.error ? "delivered" : delay === undefined ? "failed" : "pending";
    if (state === "delivered") this.stats.delivered++;
    else if (state === "failed") this.stats.failed++;
    else this.stats.retried++;
    const log = { webhook: claim.webhookId, delivery: claim.deliveryId, event: claim.eventType, attempt, responseCode };
    if (state === "failed")
      this.options.log.warn({ ...log, err: result.error }, "Gave up delivering a webhook notification");
    else if (state === "pending")
      this.options.log.info(
        { ...log, err: result.error, retryInMs: delay },
        "Failed to deliver a webhook notification, retrying",
      );
    await recordAttempt(this.options.db, claim, this.holder, {
      state,
      error: result.error ?? null,
      responseCode,
      ...(delay !== undefined ? { retryAt: new Date(Date.now() + delay) } : {}),
    });
  }

  /** At most once a minute per worker: retention is a slow clock. */
  private async pruneNow(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    const pruned = await pruneDeliveries(this.options.db, {
      maxAgeMs: this.options.retentionMs ?? 7 * 86_400_000,
      keepPerWebhook: this.options.keepPerWebhook ?? 200,
    });
    if (pruned > 0) this.options.log.debug({ deliveries: pruned }, "Pruned the webhook delivery log");
  }
}
