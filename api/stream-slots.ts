// Concurrent long-lived answers (event streams, log follows) per credential and per tenant. Each holds a connection
// and polls Postgres or the apiserver for up to 30 minutes, so their number is capped where their cost is: a slot is
// taken once the preflight has named the tenant, and given back when the response closes (the stream ended, or the
// client went away). Counts are per API replica, held in memory: a restart frees every slot with its connections.

export interface StreamLimits {
  perCredential: number;
  perTenant: number;
}

export type StreamSlot = { ok: true; release(): void } | { ok: false; full: "credential" | "tenant"; limit: number };

export class StreamSlots {
  private readonly credentials = new Map<string, number>();
  private readonly tenants = new Map<string, number>();

  private readonly limits: StreamLimits;

  constructor(limits: StreamLimits) {
    this.limits = limits;
  }

  /** Takes a slot for one stream of `credential` in `tenant`, or says which limit is full. */
  take(credential: string, tenant: string): StreamSlot {
    const byCredential = this.credentials.get(credential) ?? 0;
    if (byCredential >= this.limits.perCredential)
      return { ok: false, full: "credential", limit: this.limits.perCredential };
    const byTenant = this.tenants.get(tenant) ?? 0;
    if (byTenant >= this.limits.perTenant) return { ok: false, full: "tenant", limit: this.limits.perTenant };
    this.credentials.set(credential, byCredential + 1);
    this.tenants.set(tenant, byTenant + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.credentials, credential);
        decrement(this.tenants, tenant);
      },
    };
  }

  /** Streams open now (for tests and logs). */
  open(): { credentials: number; tenants: Record<string, number> } {
    let credentials = 0;
    for (const count of this.credentials.values()) credentials += count;
    return { credentials, tenants: Object.fromEntries(this.tenants) };
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 0) - 1;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
