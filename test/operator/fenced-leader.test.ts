// Split brain: the leading operator is frozen (SIGSTOP) for longer than its lease while Apps keep changing, a
// standby takes over, and the frozen one is thawed (SIGCONT) with reconciles in hand. The deposed leader must land
// no write at all once it lost the lease — counted in this test's own apiserver's audit log, where each replica's
// identity is in its user agent — and must step down by itself (it exits, as controller-runtime's managers do).
// Two fences stand in its way: its own (it sends nothing after its renew deadline) and the chart's leader fence, a
// ValidatingAdmissionPolicy that refuses at the apiserver any write of the operator's ServiceAccount from a pod not
// named in the Lease — for the write a freeze caught between the replica's own check and its socket. So each
// replica runs here as the chart deploys it: as the chart's ServiceAccount, with a token bound to its own pod and
// POD_NAME set, under the chart's rendered policy.
// Its own kube-apiserver (hack/control-plane) so that the audit policy (writes only, metadata only) costs the rest
// of the suite nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import {
  type ControlPlaneState,
  kubectl,
  startControlPlane,
  stopControlPlane,
} from "../../hack/control-plane/control-plane.ts";
import { KubeApiError, KubeClient } from "../../kube/kube-client.ts";
import { CONFIG_MAP, LEASE } from "../../kube/resources.ts";
import { type Fleet, fleetApp, prepareFleet } from "../support/fleet.ts";
import { chartDir, helm, parseManifest } from "../support/helm.ts";
import { installLocoCrds } from "../support/install-crds.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL } from "../support/operator.ts";
import { metricSum, type OperatorProcess, spawnOperator } from "../support/operator-process.ts";
import { serviceAccountKubeConfig } from "../support/service-account.ts";

// The fence closes at the renew deadline; a standby takes over no sooner than a lease duration after the last renew
// landed. The difference (6 s) is how late a write sent just before the deadline may reach the apiserver and still
// land before the takeover: on a machine loaded to 25 on 2 cores, 2 s was not always enough.
const LEASE_SECONDS = 10;
const RENEW_DEADLINE_SECONDS = 4;
/** Frozen well past the lease, so the standby takes over while the leader sleeps. */
const FROZEN_MS = (LEASE_SECONDS + 8) * 1000;
const APPS = 6;
/** The two replicas' pods. */
const PODS = ["loco-operator-a", "loco-operator-b"] as const;

let dir: string;
let plane: ControlPlaneState;
let client: KubeClient;
let fleet: Fleet;
let auditLog: string;
let serviceAccount: string;
const replicas: OperatorProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loco-fenced-"));
  auditLog = join(dir, "audit.log");
  const policy = join(dir, "audit-policy.yaml");
  // Writes only, and only their metadata (who, what, when): cheap, and all this test counts.
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      "  - level: Metadata",
      "    verbs: [create, update, patch, delete, deletecollection]",
      "  - level: None",
      "",
    ].join("\n"),
  );
  plane = await startControlPlane({
    dir: join(dir, "cluster"),
    ownerPid: process.pid,
    apiserverArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, "--audit-log-maxsize=200"],
  });
  await installLocoCrds(plane.kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  client = await KubeClient.create(config);
  fleet = await prepareFleet(client, { shard: newShard(), shardLabel: SHARD_LABEL, apps: 0, namespaces: 1 });
  await deployAsTheChart();
}, 180_000);

/** The chart's operator ServiceAccount and leader fence, rendered for this namespace as the release's. */
async function deployAsTheChart(): Promise<void> {
  const { stdout } = await helm([
    "template",
    "loco",
    chartDir,
    "--namespace",
    namespace(),
    "--show-only",
    "templates/operator-serviceaccount.yaml",
    "--show-only",
    "templates/operator-leader-fence.yaml",
  ]);
  const rendered = parseManifest(stdout);
  const account = rendered.find((o) => o.kind === "ServiceAccount");
  expect(rendered.map((o) => o.kind).sort()).toEqual([
    "ServiceAccount",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
  ]);
  serviceAccount = account?.metadata.name as string;
  // What the ServiceAccount may do is proven in test/chart/operator-rbac.test.ts; here it may do anything, so that
  // every refusal this test sees is the fence's.
  const extra = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `fenced-leader-${namespace()}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: namespace() }],
    },
    ...PODS.map((name) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: namespace() },
      // Never scheduled (no node here): it exists so that a token can be bound to it, as kubelet's is.
      spec: { serviceAccountName: serviceAccount, containers: [{ name: "operator", image: "loco" }] },
    })),
  ];
  await kubectl(
    { kubeconfig: plane.kubeconfig },
    ["apply", "--server-side", "--field-manager=loco-test", "-f", "-"],
    [stdout, ...extra.map((o) => JSON.stringify(o))].join("\n---\n"),
  );
}

/** A kubeconfig file acting as the chart's ServiceAccount with a token bound to `pod` (what kubelet mounts). */
async function podKubeconfig(pod: string): Promise<string> {
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfig);
  const core = admin.makeApiClient(CoreV1Api);
  const { metadata } = await core.readNamespacedPod({ name: pod, namespace: namespace() });
  const config = await serviceAccountKubeConfig(core, namespace(), serviceAccount, {
    cluster: admin,
    pod: { name: pod, uid: metadata?.uid },
  });
  const file = join(dir, `${pod}.kubeconfig`);
  writeFileSync(file, config.exportConfig());
  return file;
}

/** A replica as the chart runs it: its pod's token, POD_NAME, leader election with this test's timings. */
async function spawnReplica(pod: string): Promise<OperatorProcess> {
  const replica = await spawnOperator(fleet.shard, leaseArgs(), {
    kubeconfig: await podKubeconfig(pod),
    env: { POD_NAME: pod },
  });
  replicas.push(replica);
  return replica;
}

afterAll(async () => {
  for (const replica of replicas) replica.child.kill("SIGCONT");
  await Promise.all(replicas.map((r) => r.kill()));
  client?.close();
  if (plane) await stopControlPlane(plane.dir);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const namespace = () => fleet.namespaces[0] as string;
const leaseArgs = () => [
  "--leader-elect",
  "--leader-election-namespace",
  namespace(),
  "--lease-duration",
  `${LEASE_SECONDS}s`,
  "--renew-deadline",
  `${RENEW_DEADLINE_SECONDS}s`,
  "--retry-period",
  "1s",
];
const isLeader = async (replica: OperatorProcess) =>
  metricSum(await replica.metrics().catch(() => ""), "leader_election_master_status") === 1;
const holder = async () =>
  ((await client.get(LEASE, namespace(), "loco-operator")).spec as { holderIdentity?: string }).holderIdentity ?? "";

interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}
const auditEvents = (): AuditEvent[] =>
  existsSync(auditLog)
    ? readFileSync(auditLog, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as AuditEvent)
    : [];
/** The writes the replica with `identity` sent (its controllers' client and its leader-election client). */
const writesBy = (identity: string) => auditEvents().filter((e) => e.userAgent?.includes(`(${identity})`));

const kubeConfigOf = (file: string) => {
  const config = new KubeConfig();
  config.loadFromFile(file);
  return config;
};
const probe = () => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "fence-probe", namespace: namespace() },
  data: { at: new Date().toISOString() },
});

/** Keeps changing the Apps (a new env value each round) until stopped, so a leader always has work in hand. */
function churn(): { stop(): Promise<number> } {
  let running = true;
  let rounds = 0;
  const loop = (async () => {
    while (running) {
      rounds++;
      await Promise.all(
        Array.from({ length: APPS }, (_, i) => {
          const app = fleetApp(fleet, SHARD_LABEL, namespace(), `churn-${i}`);
          (app.spec as Record<string, unknown>).env = [{ name: "ROUND", value: String(rounds) }];
          return client.apply(APP, app, "loco-test").catch(() => undefined);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return rounds;
    },
  };
}

describe("a leader frozen past its lease", () => {
  it("sends no write after a standby took over, and steps down by itself when thawed", async () => {
    const [podA, podB] = PODS;
    const first = await spawnReplica(podA);
    await eventually("the first replica to lead", async () => ((await isLeader(first)) ? true : undefined));
    const second = await spawnReplica(podB);
    await eventually("the second replica to serve metrics", async () =>
      (await second.metrics().catch(() => "")).includes("leader_election_master_status") ? true : undefined,
    );
    const deposed = await holder();
    expect(deposed.startsWith(`${podA}_`), `the leader's identity ${deposed} names its pod`).toBe(true);

    // The apiserver's fence is up: a write as the standby's pod is refused while the first leads (the policy is
    // compiled in the background after it is created, hence eventually).
    const asStandby = await KubeClient.create(await kubeConfigOf(await podKubeconfig(podB)));
    try {
      const refusal = await eventually("the apiserver to refuse the standby's writes", async () => {
        try {
          await asStandby.apply(CONFIG_MAP, probe(), "loco-operator");
          return undefined;
        } catch (error) {
          return error instanceof KubeApiError && error.status === 403 ? error.message : undefined;
        }
      });
      expect(refusal).toContain(`loco-operator pod ${podB} does not hold the leader lease`);
    } finally {
      asStandby.close();
    }

    const changes = churn();
    await eventually("the leader to write children and status", async () =>
      writesBy(deposed).filter((e) => e.objectRef?.resource !== "leases").length > 10 ? true : undefined,
    );

    // Freeze the leader with work in flight, past its lease; the standby takes over meanwhile.
    first.child.kill("SIGSTOP");
    const frozenAt = Date.now();
    await eventually("the standby to take the lease", async () => ((await isLeader(second)) ? true : undefined), {
      timeoutMs: (LEASE_SECONDS + 10) * 1000,
    });
    const successor = await holder();
    expect(successor).not.toBe(deposed);
    // The moment the lease changed hands, by the apiserver's clock: the successor's first write to the lease.
    const takeover = auditEvents().find(
      (e) => e.objectRef?.resource === "leases" && e.userAgent?.includes(`(${successor})`) && e.verb === "update",
    );
    expect(takeover, "the successor's lease update in the audit log").toBeDefined();
    const lostAt = Date.parse(takeover!.requestReceivedTimestamp);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, frozenAt + FROZEN_MS - Date.now())));

    // Thaw it: it wakes with queued reconciles and a lease it no longer holds.
    const exited = new Promise<number | null>((resolve) => first.child.once("exit", (code) => resolve(code)));
    const thawedAt = Date.now();
    first.child.kill("SIGCONT");
    const code = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 30_000))]);
    const rounds = await changes.stop();

    const before = writesBy(deposed).filter((e) => Date.parse(e.requestReceivedTimestamp) < lostAt);
    const after = writesBy(deposed).filter((e) => Date.parse(e.requestReceivedTimestamp) >= lostAt);
    // Refused by the apiserver's fence (403): sent after the lease passed on — delivered late, or caught by the
    // freeze between the replica's own fence and its socket (kube/kube-client.ts, HeldUpWrite).
    const refused = after.filter((e) => e.responseStatus?.code === 403);
    const landed = after.filter((e) => e.responseStatus?.code !== 403);
    const fenced = (first.output().match(/was not sent: /g) ?? []).length;
    const heldUp = (first.output().match(/passed the leader fence and was then held up/g) ?? []).length;
    const late = after.filter((e) => Date.parse(e.requestReceivedTimestamp) < thawedAt).length;
    // The apiserver learns the new holder from its own watch of the Lease: a successor's write in that instant
    // would be refused too (and retried). Counted, so a lag that matters would show.
    const successorRefused = writesBy(successor).filter((e) => e.responseStatus?.code === 403).length;
    process.stderr.write(
      `[fenced-leader] lease ${LEASE_SECONDS}s, frozen ${FROZEN_MS} ms, ${rounds} churn rounds of ${APPS} Apps; ` +
        `deposed leader: ${before.length} writes while leading; after losing the lease ${fenced} kept back by its ` +
        `own fence, ${after.length} sent (${late} received before the thaw, ${heldUp} reported held up between its ` +
        `fence and its socket), ${refused.length} refused by the apiserver's fence, ${landed.length} landed; exit code ${code}; ` +
        `the successor's writes refused: ${successorRefused}\n`,
    );
    expect(before.length).toBeGreaterThan(10);
    const listed = (events: AuditEvent[]) =>
      events
        .map(
          (e) =>
            `${e.requestReceivedTimestamp} ${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name} → ${e.responseStatus?.code}`,
        )
        .join(", ");
    expect(landed.length, `writes that landed after losing the lease: ${listed(landed)}`).toBe(0);
    // Stepped down by itself: it exits with an error status once it sees another holder.
    expect(code).toBe(1);

    // The successor carries on: a new App converges under it.
    await client.apply(APP, fleetApp(fleet, SHARD_LABEL, namespace(), "after"), "loco-test");
    try {
      await eventually(
        "the App created after the handover to be Ready",
        async () => {
          const app = await client.find(APP, namespace(), "after");
          const ready = (
            (app?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
          ).find((c) => c.type === "Ready");
          return ready?.status === "True" ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
    } catch (error) {
      const app = await client.find(APP, namespace(), "after");
      throw new Error(
        `${error}\nApp status: ${JSON.stringify(app?.status)}\nsuccessor leading: ${await isLeader(second)}, exit ${second.child.exitCode}\n${second.output().slice(-4000)}`,
      );
    }
  }, 300_000);
});
