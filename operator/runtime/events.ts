// Kubernetes Events on loco objects (what `kubectl describe` shows). Only emitted when something happened —
// an Event is a write, and a steady state writes nothing.
import { hostname } from "node:os";
import type { KubeClient } from "../../kube/kube-client.ts";
import { resourcePath } from "../../kube/kube-client.ts";
import type { Logger } from "../../kube/logger.ts";
import { EVENT } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";

export type EventType = "Normal" | "Warning";

export class EventRecorder {
  private readonly instance = hostname();
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly log: Logger;

  private readonly onDropped: (() => void) | undefined;

  constructor(client: KubeClient, component: string, log: Logger, onDropped?: () => void) {
    this.client = client;
    this.component = component;
    this.log = log;
    this.onDropped = onDropped;
  }

  private inFlight = 0;
  /** Events dropped because too many were in flight (the apiserver is slow); counted, not queued without bound. */
  dropped = 0;
  private readonly maxInFlight = 64;

  /**
   * Records an event without making the reconcile wait for it; failures are logged, never thrown (an event must
   * not fail a reconcile). `settled()` waits for those in flight (shutdown, tests).
   */
  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.inFlight >= this.maxInFlight) {
      this.dropped++;
      this.onDropped?.();
      return;
    }
    this.inFlight++;
    const done = this.send(object, type, reason, message).finally(() => {
      this.inFlight--;
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  private readonly pending = new Set<Promise<void>>();

  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async send(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace ?? "default";
    const now = new Date().toISOString();
    try {
      await this.client.request("POST", resourcePath(EVENT, namespace), {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { generateName: `${object.metadata.name}.`, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace: object.metadata.namespace,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          type,
          reason,
          message,
          source: { component: this.component },
          reportingComponent: `loco.dev/${this.component}`,
          reportingInstance: this.instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      this.log.warn({ reason, err: String(error) }, "Failed to record an event");
    }
  }
}
