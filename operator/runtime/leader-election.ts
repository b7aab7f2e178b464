// Leader election on a coordination.k8s.io Lease, with client-go's semantics: a lease is expired when its record
// has not changed for leaseDuration *as observed on our own clock* (no trust in other machines' clocks); the
// leader renews every retryPeriod and gives up leadership if it cannot renew within renewDeadline; writes use
// resourceVersion preconditions, so two candidates can never both win.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, type KubeClient, resourcePath } from "../../kube/kube-client.ts";
import type { Logger } from "../../kube/logger.ts";
import { LEASE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  /** Called once when leadership is lost; the process should stop acting (controller-runtime exits). */
  onStoppedLeading: () => void;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

export class LeaderElector {
  private readonly o: Required<
    Omit<LeaderElectionOptions, "onStartedLeading" | "onStoppedLeading" | "log" | "client">
  > &
    LeaderElectionOptions;
  private observed: { record: string; at: number } | undefined;
  private current: Lease | undefined;
  private leading = false;
  private stopping = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once instead of after expiry. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop?.catch(() => {});
    if (this.leading) await this.release();
  }

  private async run(): Promise<void> {
    // Campaign until we win.
    while (!this.stopping && !(await this.tryAcquireOrRenew())) await this.pause(this.o.retryPeriodMs);
    if (this.stopping) return;
    this.leading = true;
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, "Acquired leadership");
    this.o.onStartedLeading();
    // Renew until we cannot.
    let lastRenew = Date.now();
    while (!this.stopping) {
      await this.pause(this.o.retryPeriodMs);
      if (this.stopping) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew > this.o.renewDeadlineMs || this.heldByOther()) {
        this.leading = false;
        this.o.log.error({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, "Lost leadership");
        this.o.onStoppedLeading();
        return;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {});
  }

  private heldByOther(): boolean {
    const holder = this.current?.spec?.holderIdentity;
    return holder !== undefined && holder !== "" && holder !== this.o.identity;
  }

  private observe(lease: Lease): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    this.current = lease;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    const now = new Date();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    try {
      const existing = await client.find<Lease>(LEASE, namespace, name);
      if (!existing) {
        const created = await client.request<Lease>("POST", resourcePath(LEASE, namespace), {
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
        });
        this.observe(created);
        return true;
      }
      this.observe(existing);
      const spec = existing.spec ?? {};
      const mine = spec.holderIdentity === identity;
      const vacant = !spec.holderIdentity;
      const expired =
        this.observed !== undefined &&
        this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < Date.now();
      if (!mine && !vacant && !expired) return false;
      const next: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      };
      const updated = await client.request<Lease>("PUT", resourcePath(LEASE, namespace, name), {
        body: { ...existing, spec: next },
      });
      this.observe(updated);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && (error.isConflict || error.isAlreadyExists)) return false;
      this.o.log.warn({ err: String(error) }, "Failed to acquire or renew the leader lease");
      return false;
    }
  }

  private async release(): Promise<void> {
    if (!this.current) return;
    try {
      const released = { ...this.current, spec: { ...this.current.spec, holderIdentity: "", leaseDurationSeconds: 1 } };
      await this.o.client.request("PUT", resourcePath(LEASE, this.o.namespace, this.o.name), { body: released });
      this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}` }, "Released leadership");
    } catch (error) {
      this.o.log.warn(
        { err: String(error) },
        "Failed to release the leader lease; the standby takes over when it expires",
      );
    } finally {
      this.leading = false;
    }
  }
}
