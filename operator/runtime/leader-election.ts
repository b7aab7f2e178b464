// Leader election on a coordination.k8s.io Lease, with client-go's semantics: a lease is expired when its record
// has not changed for leaseDuration *as observed on our own clock* (no trust in other machines' clocks); the
// leader renews every retryPeriod and gives up leadership if it cannot renew within renewDeadline; writes use
// resourceVersion preconditions, so two candidates can never both win.
//
// Fencing: a leader frozen past its lease (SIGSTOP, a stalled VM) wakes up still believing it leads, with
// reconciles in hand. `writeFence` lets the operator's client send a write only while the last successful renew
// was *sent* less than renewDeadline ago on our own clock; a standby takes over only after it saw the lease
// unchanged for leaseDuration (> renewDeadline) on its clock, so the two never write in the same period (clock
// rates, not clocks, are assumed to agree — client-go's assumption too). After waking, the first renew finds
// another holder and the replica steps down.
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
  /** When (our clock) the last successful acquire or renew was sent: the lease is ours for renewDeadline after. */
  private renewedAt = 0;
  private stopping = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
    // The lease's own writes are fenced too: a leader that wakes between reading the lease and renewing it must
    // not send the renew once its lease may have passed to another (the apiserver would refuse it on the
    // resourceVersion, but it would still be a write from a deposed leader). It steps down instead.
    options.client.fenceWrites(() =>
      this.leading && Date.now() - this.renewedAt >= this.o.renewDeadlineMs
        ? "this replica's lease is past its renew deadline; it steps down instead of renewing"
        : undefined,
    );
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Why this process may not write to the cluster now, or undefined when it may: it leads, and its last renew
   * was sent less than renewDeadline ago. Pass to KubeClient.fenceWrites.
   */
  readonly writeFence = (): string | undefined => {
    if (!this.leading) return "this replica does not hold the leader lease";
    const age = Date.now() - this.renewedAt;
    if (age >= this.o.renewDeadlineMs) {
      return `the leader lease was last renewed ${age} ms ago, past the renew deadline of ${this.o.renewDeadlineMs} ms; another replica may lead`;
    }
    return undefined;
  };

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
    for (;;) {
      if (this.stopping) return;
      const attempt = Date.now();
      if (await this.tryAcquireOrRenew()) {
        this.renewedAt = attempt;
        break;
      }
      await this.pause(this.o.retryPeriodMs);
    }
    this.leading = true;
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, "Acquired leadership");
    this.o.onStartedLeading();
    // Renew until we cannot.
    let lastRenew = Date.now();
    while (!this.stopping) {
      await this.pause(this.o.retryPeriodMs);
      if (this.stopping) return;
      const attempt = Date.now();
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
        this.renewedAt = attempt;
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
