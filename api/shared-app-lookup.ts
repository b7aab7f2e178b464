// appReplicas shared between the followers of one App's logs. Each follow opens with the tenant's namespace, the App
// in the mirror and the App's pods from the apiserver; 500 followers opening at once (a fleet of dashboards, every
// `loco logs -f` reconnecting after an API restart) made 500 of each, and some overran the request timeout. Here the
// followers of one App share one lookup in flight, and its answer serves those that come within `ttlMs` after it (a
// pod list a second old is what a follower would have got had it opened a second earlier). A failed lookup — the
// App is missing, the apiserver refused — is not kept. The key names the tenant (after its preflight), so no
// follower is ever answered from another tenant's lookup.
import type { KubeObject } from "../kube/types.ts";
import { appReplicas } from "./app-replicas.ts";
import type { ApiServices } from "./server.ts";

export const APP_LOOKUP_TTL_MS = 1000;

type Replicas<Pod> = { namespace: string; pods: Pod[] };

export class SharedAppLookup<Pod extends KubeObject = KubeObject> {
  private readonly lookups = new Map<string, { at: number; answer: Promise<Replicas<Pod>> }>();
  private readonly services: Pick<ApiServices, "db" | "kube">;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(services: Pick<ApiServices, "db" | "kube">, ttlMs = APP_LOOKUP_TTL_MS, now: () => number = Date.now) {
    this.services = services;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** The App's namespace and pods, as appReplicas answers them; objectFound is called once the App is known. */
  async replicas(
    target: { tenant: string; profile: string; app: string },
    objectFound: () => void,
  ): Promise<Replicas<Pod>> {
    const key = `${target.tenant}\u0000${target.profile}\u0000${target.app}`;
    const last = this.lookups.get(key);
    if (last && this.now() - last.at < this.ttlMs) {
      const answer = await last.answer;
      objectFound();
      return answer;
    }
    const answer = appReplicas<Pod>(this.services, target, () => {});
    // Shared while in flight however long it takes (a loaded apiserver may take seconds), then for ttlMs from when
    // it answered; a failed lookup is not kept. The map holds only the Apps followed in the last second.
    const entry = { at: Number.POSITIVE_INFINITY, answer };
    this.lookups.set(key, entry);
    const forget = () => {
      if (this.lookups.get(key) === entry) this.lookups.delete(key);
    };
    answer.then(() => {
      entry.at = this.now();
      setTimeout(forget, this.ttlMs).unref();
    }, forget);
    const replicas = await answer;
    objectFound();
    return replicas;
  }

  /** Lookups held now (for tests). */
  size(): number {
    return this.lookups.size;
  }
}
