// Assembles the operator: caches, controllers, leader election, health/metrics server, graceful shutdown.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { FIELD_MANAGER, LABEL_TENANT } from "../crds/app-names.ts";
import { APP, PROFILE } from "../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { Mirror } from "../db/mirror.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import { SecretStore } from "../db/secret-store.ts";
import { TaskLogStore } from "../db/task-logs.ts";
import type { KubeAccess } from "../kube/kube-access.ts";
import { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import { OperatorMetrics } from "../kube/metrics.ts";
import { createBatchControllers } from "./batch.ts";
import type { BatchSettings } from "./batch-settings.ts";
import { allInformers, createCaches, type WorldCaches } from "./caches.ts";
import { watchClusterIdentity } from "./cluster-identity.ts";
import { createMirrorCaches, createOperatorMirror, mirrorInformers } from "./mirror-setup.ts";
import { createAppReconciler } from "./reconcilers/app/reconcile.ts";
import { APP_TIMEOUT_REPORT } from "./reconcilers/app/status.ts";
import { addAppIndexes, watchAppInputs } from "./reconcilers/app/wiring.ts";
import { createProfileReconciler } from "./reconcilers/profile/reconcile.ts";
import { PROFILE_TIMEOUT_REPORT } from "./reconcilers/profile/status.ts";
import { addProfileIndexes, watchProfileInputs } from "./reconcilers/profile/wiring.ts";
import { Controller, DEFAULT_RECONCILE_TIMEOUT_MS } from "./runtime/controller.ts";
import { EventRecorder } from "./runtime/events.ts";
import { startHealthServer } from "./runtime/health-server.ts";
import { newUlid } from "./runtime/ids.ts";
import { LeaderElector } from "./runtime/leader-election.ts";
import { reconcileTimeoutReporter, type TimeoutReportTarget } from "./runtime/reconcile-timeout.ts";
import { TaskLogCapture } from "./task-log-capture.ts";

export interface OperatorOptions {
  kubeConfig: KubeAccess;
  log: Logger;
  concurrency?: number;
  resyncMs?: number;
  leaderElection?: {
    namespace: string;
    leaseName?: string;
    identity?: string;
    /** The pod this replica runs in; the identity is `<podName or hostname>_<random>` unless given. */
    podName?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** host:port for /healthz, /readyz and /metrics (port 0 picks a free one); off when undefined. */
  health?: { host: string; port: number };
  metrics?: OperatorMetrics;
  /** Mirror every loco resource to this database (postgres://… or pglite:…); off when undefined. */
  databaseUrl?: string;
  /**
   * Mirror into this already-open database instead (one process sharing one embedded database with the API). It
   * stays the caller's: the operator migrates it but does not close it on stop. Takes precedence over databaseUrl.
   */
  database?: DatabaseHandle;
  /** Key-encryption keys for the secret values the mirror stores; without them secret values are not mirrored. */
  keyRing?: KeyRing;
  /** Secret versions kept per key (the newest); older ones are deleted. Every version is kept when undefined. */
  secretVersionRetention?: number;
  /** Label selector: reconcile only the Apps and Profiles that match (sharding; isolated tests). */
  selector?: string;
  /** Called when leadership is lost; the default entrypoint exits so a fresh process campaigns again. */
  onLostLeadership?: () => void;
  /**
   * Pipeline and Run tuning: timeout bounds, retry backoff, missed-slot tolerance, minimum trigger interval, pod
   * annotations every task may set (defaults in batch-settings.ts).
   */
  batch?: Partial<BatchSettings>;
  /** Longest one reconcile may take before it is abandoned with ReconcileTimeout and backed off (default 60 s). */
  reconcileTimeoutMs?: number;
  /** Capture of Run task logs into the database (with databaseUrl): bytes kept per attempt (default 1 MiB), reads at once. */
  taskLogs?: { limitBytes?: number; concurrency?: number };
  /** Pins the operator's clock and id source (tests). */
  now?: () => Date;
  newDeploymentId?: () => string;
}

export interface RunningOperator {
  client: KubeClient;
  caches: WorldCaches;
  metrics: OperatorMetrics;
  controllers: Controller[];
  mirror: Mirror | undefined;
  /** Captures Run task logs into the database; undefined without one. */
  taskLogs: TaskLogCapture | undefined;
  healthPort: number | undefined;
  isLeader(): boolean;
  /** Resolves once this replica leads and its workers run (immediately without leader election). */
  leading: Promise<void>;
  /** Enqueues every App and Profile (what a periodic resync does). */
  resync(): void;
  /** Waits until every work queue is empty and idle. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const log = options.log;
  const metrics = options.metrics ?? new OperatorMetrics();
  // With leader election the replica's identity is in its user agent, so the apiserver's audit log tells apart
  // the writes of two replicas (test/operator/fenced-leader.test.ts counts a deposed leader's). It begins with the
  // pod's name: the chart's leader fence (charts/loco/templates/operator-leader-fence.yaml) lets through only the
  // writes of the pod named in the Lease.
  const election = options.leaderElection;
  const identity = election
    ? (election.identity ?? `${election.podName ?? hostname()}_${randomBytes(4).toString("hex")}`)
    : undefined;
  const userAgent = identity ? `loco-operator (${identity})` : "loco-operator";
  const client = await KubeClient.create(options.kubeConfig, { metrics, userAgent });
  const caches = createCaches(
    client,
    { log: (level, message, fields) => log[level](fields ?? {}, message) },
    options.selector,
  );
  const mirrorCaches =
    options.database || options.databaseUrl
      ? createMirrorCaches(client, { log: (level, message, fields) => log[level](fields ?? {}, message) })
      : undefined;
  const informers = [...allInformers(caches), ...mirrorInformers(mirrorCaches)];
  const cachesFresh = () => informers.every((informer) => informer.isFresh);
  watchClusterIdentity(caches.namespaces, informers, log);
  const events = new EventRecorder(client, "loco-operator", log, () => metrics.eventsDropped.inc());
  const now = options.now ?? (() => new Date());
  const concurrency = options.concurrency ?? 8;
  const resyncMs = options.resyncMs ?? 10 * 60_000;
  const reconcileTimeoutMs = options.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
  const reportTimeout = (
    resource: typeof APP,
    cache: typeof caches.apps,
    report: Pick<TimeoutReportTarget, "summary" | "status">,
  ) => reconcileTimeoutReporter({ client, resource, cache, fieldManager: FIELD_MANAGER, now, ...report });

  addAppIndexes(caches);
  addProfileIndexes(caches);

  const appController: Controller = new Controller({
    name: "app",
    reconcile: (key) => appReconciler.reconcile(key),
    metrics,
    log: log.child({ controller: "app" }),
    concurrency,
    resyncMs,
    ready: cachesFresh,
    reconcileTimeoutMs,
    onReconcileTimeout: reportTimeout(APP, caches.apps, APP_TIMEOUT_REPORT),
  });
  const appReconciler = createAppReconciler({
    client,
    caches,
    events,
    log: log.child({ controller: "app" }),
    now,
    newDeploymentId: options.newDeploymentId ?? newUlid,
    secretVersions: () => secretVersions,
  });
  watchAppInputs(appController, caches);

  const profileReconciler = createProfileReconciler({ client, caches, now });
  const profileController = new Controller({
    name: "profile",
    reconcile: async (key) => {
      await profileReconciler.reconcile(key);
      return undefined;
    },
    metrics,
    log: log.child({ controller: "profile" }),
    concurrency: 2,
    resyncMs,
    ready: cachesFresh,
    reconcileTimeoutMs,
    onReconcileTimeout: reportTimeout(PROFILE, caches.profiles, PROFILE_TIMEOUT_REPORT),
  });
  watchProfileInputs(profileController, caches);

  // Read by rollbacks' secret restores once the database is open (below); without one, or a key, none can be.
  let secretVersions: SecretStore | undefined;
  // Created once the database is open (below); until then, and without a database, Jobs are deleted at once.
  let taskLogs: TaskLogCapture | undefined;
  const controllers = [
    appController,
    profileController,
    ...createBatchControllers({
      client,
      caches,
      events,
      metrics,
      log,
      now,
      resyncMs,
      concurrency,
      reconcileTimeoutMs,
      settings: options.batch,
      ready: cachesFresh,
      beforeStopJob: (job) => taskLogs?.releaseForDeletion(job) ?? true,
    }),
  ];
  // Spans and OTLP metrics name the tenant: the loco.dev/tenant label of the reconciled object's namespace.
  const tenantOf = (namespace: string) => caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT];
  for (const controller of controllers) controller.tenantOf = tenantOf;
  // Health first: /healthz answers while the caches fill (a slow first list must not get the pod killed), and
  // /readyz says 503 until they are synced.
  const health = options.health
    ? await startHealthServer({
        ...options.health,
        registry: metrics.registry,
        ready: () => informers.every((i) => i.hasSynced),
      })
    : undefined;

  for (const informer of informers) informer.start();
  await Promise.all(informers.map((informer) => informer.waitForSync()));
  log.info({ objects: informers.reduce((n, i) => n + i.size, 0) }, "Synced caches");

  let leader = false;
  let startLeading!: () => void;
  const leading = new Promise<void>((resolve) => {
    startLeading = resolve;
  });
  // The mirror writes from the leader only: one writer, and standbys stay read-only everywhere.
  const owned = !options.database && options.databaseUrl ? await connectDatabase(options.databaseUrl) : undefined;
  const database = options.database ?? owned;
  if (database) await migrateToLatest(database.db);
  const mirror =
    database && mirrorCaches
      ? createOperatorMirror({
          db: database.db,
          client,
          caches,
          mirrorCaches,
          keyRing: options.keyRing,
          secretVersionRetention: options.secretVersionRetention,
          log: log.child({ component: "mirror" }),
        })
      : undefined;
  secretVersions = database && options.keyRing ? new SecretStore(database.db, options.keyRing) : undefined;
  taskLogs = database
    ? new TaskLogCapture({
        client,
        store: new TaskLogStore(database.db),
        jobs: caches.jobs,
        runs: caches.runs,
        pods: caches.pods,
        events,
        log: log.child({ component: "task-logs" }),
        metrics,
        now,
        ...options.taskLogs,
      })
    : undefined;

  const begin = () => {
    leader = true;
    mirror?.start();
    taskLogs?.start();
    for (const controller of controllers) controller.start();
    startLeading();
  };

  let elector: LeaderElector | undefined;
  if (options.leaderElection) {
    const electionClient = await KubeClient.create(options.kubeConfig, {
      userAgent: `loco-operator-leader-election (${identity})`,
      maxSockets: 2,
    });
    const leaseName = options.leaderElection.leaseName ?? "loco-operator";
    const lease = `${options.leaderElection.namespace}/${leaseName}`;
    metrics.leaderElectionMaster.set({ name: leaseName }, 0);
    elector = new LeaderElector({
      client: electionClient,
      namespace: options.leaderElection.namespace,
      name: leaseName,
      identity: identity as string,
      log,
      ...(options.leaderElection.leaseDurationMs ? { leaseDurationMs: options.leaderElection.leaseDurationMs } : {}),
      ...(options.leaderElection.renewDeadlineMs ? { renewDeadlineMs: options.leaderElection.renewDeadlineMs } : {}),
      ...(options.leaderElection.retryPeriodMs ? { retryPeriodMs: options.leaderElection.retryPeriodMs } : {}),
      onStartedLeading: () => {
        metrics.leaderElectionMaster.set({ name: leaseName }, 1);
        begin();
      },
      onStoppedLeading: () => {
        leader = false;
        metrics.leaderElectionMaster.set({ name: leaseName }, 0);
        void Promise.all(controllers.map((c) => c.stop())).then(() => options.onLostLeadership?.());
      },
    });
    // Nothing this replica's client writes reaches the cluster unless it holds a fresh lease (see the elector).
    client.fenceWrites(elector.writeFence, (write) =>
      log.warn(
        { ...write, lease },
        "A write passed the leader fence and was then held up before it was sent (the process paused); it may reach the apiserver after the lease passed to another replica",
      ),
    );
    elector.start();
  } else {
    begin();
  }

  return {
    client,
    caches,
    metrics,
    controllers,
    mirror,
    taskLogs,
    healthPort: health?.port,
    isLeader: () => leader,
    leading,
    resync: () => {
      for (const controller of controllers) controller.resync();
    },
    async idle() {
      for (;;) {
        const busy = controllers.some((c) => c.queue.length > 0 || c.queue.busy);
        if (!busy) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await taskLogs?.stop();
      await mirror?.stop();
      await owned?.close();
      await events.settled();
      await elector?.stop();
      await Promise.all(informers.map((i) => i.stop()));
      await health?.close();
      client.close();
      log.info({}, "Stopped the operator");
    },
  };
}
