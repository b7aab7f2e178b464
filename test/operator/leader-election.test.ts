// Two operator replicas: one leads and writes, the other waits with warm caches and writes nothing; killing the
// leader hands over within the lease time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { LEASE } from "../../kube/resources.ts";
import { deleteFleet, type Fleet, fleetApp, prepareFleet } from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";
import { metricSum, type OperatorProcess, spawnOperator } from "../support/operator-process.ts";

let client: KubeClient;
let fleet: Fleet;
const replicas: OperatorProcess[] = [];
const LEASE_SECONDS = 6;

beforeAll(async () => {
  client = await KubeClient.create(testKubeConfig());
  fleet = await prepareFleet(client, { shard: newShard(), shardLabel: SHARD_LABEL, apps: 0, namespaces: 1 });
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill()));
  await deleteFleet(client, fleet).catch(() => {});
  client.close();
});

const leaseArgs = () => [
  "--leader-elect",
  "--leader-election-namespace",
  fleet.namespaces[0] as string,
  "--lease-duration",
  `${LEASE_SECONDS}s`,
  "--renew-deadline",
  "4s",
  "--retry-period",
  "1s",
];

const isLeader = async (replica: OperatorProcess) =>
  metricSum(await replica.metrics().catch(() => ""), "leader_election_master_status") === 1;
const writesOf = async (replica: OperatorProcess) =>
  metricSum(await replica.metrics(), "rest_client_requests_total", (labels) =>
    /method="(POST|PUT|PATCH|DELETE)"/.test(labels),
  );

async function appReady(name: string): Promise<void> {
  const namespace = fleet.namespaces[0] as string;
  await eventually(`${name} Ready`, async () => {
    const app = await client.find(APP, namespace, name);
    const ready = (
      (app?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
    ).find((c) => c.type === "Ready");
    return ready?.status === "True" ? true : undefined;
  });
}

describe("two operator replicas", () => {
  it("elect one leader that alone writes, and hand over when it is killed", async () => {
    replicas.push(await spawnOperator(fleet.shard, leaseArgs()));
    await eventually("the first replica to lead", async () => ((await isLeader(replicas[0]!)) ? true : undefined));
    replicas.push(await spawnOperator(fleet.shard, leaseArgs()));
    await eventually("the second replica to serve metrics", async () =>
      (await replicas[1]!.metrics().catch(() => "")).includes("leader_election_master_status") ? true : undefined,
    );
    const [leader, standby] = replicas as [OperatorProcess, OperatorProcess];

    await client.apply(APP, fleetApp(fleet, SHARD_LABEL, fleet.namespaces[0] as string, "before"), "loco-test");
    await appReady("before");
    expect(await isLeader(standby)).toBe(false);
    expect(await writesOf(leader)).toBeGreaterThan(0);
    expect(await writesOf(standby)).toBe(0);
    const lease = await client.get(LEASE, fleet.namespaces[0], "loco-operator");
    const holder = (lease.spec as { holderIdentity?: string }).holderIdentity;

    const killedAt = Date.now();
    await leader.kill("SIGKILL");
    await eventually("the standby to take over", async () => ((await isLeader(standby)) ? true : undefined), {
      timeoutMs: (LEASE_SECONDS + 10) * 1000,
    });
    const handoverMs = Date.now() - killedAt;
    process.stderr.write(`[leader-election] handover took ${handoverMs} ms (lease ${LEASE_SECONDS}s)\n`);
    // Expiry is judged on the standby's clock: lease time plus a retry period, with slack for a loaded machine.
    expect(handoverMs).toBeLessThan(LEASE_SECONDS * 2 * 1000);
    const taken = await client.get(LEASE, fleet.namespaces[0], "loco-operator");
    expect((taken.spec as { holderIdentity?: string }).holderIdentity).not.toBe(holder);
    expect((taken.spec as { leaseTransitions?: number }).leaseTransitions).toBe(1);

    await client.apply(APP, fleetApp(fleet, SHARD_LABEL, fleet.namespaces[0] as string, "after"), "loco-test");
    await appReady("after");
    expect(await writesOf(standby)).toBeGreaterThan(0);
  }, 120_000);

  it("releases the lease on SIGTERM so a standby takes over at once", async () => {
    const leader = replicas[1]!;
    replicas.push(await spawnOperator(fleet.shard, leaseArgs()));
    const standby = replicas[2]!;
    await eventually("the new replica to serve metrics", async () =>
      (await standby.metrics().catch(() => "")).includes("leader_election_master_status") ? true : undefined,
    );
    const stoppedAt = Date.now();
    await leader.kill("SIGTERM");
    expect(leader.child.exitCode).toBe(0);
    await eventually("the standby to take over", async () => ((await isLeader(standby)) ? true : undefined), {
      timeoutMs: 15_000,
    });
    // Released, not expired: well under the lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_SECONDS * 1000);
  });
});
