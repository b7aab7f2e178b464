// `npm start` after `npm run cluster:down` finds every object the user made; `cluster:status` names a component that
// is down; `cluster:reset` is the one way to wipe. Runs a local loco of its own in a temp folder (owned by this test
// process, so it dies with it) through the functions hack/control-plane/cli.ts uses — never the suite's cluster.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { kubectl, readState, stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { startLocalLoco } from "../../hack/control-plane/local-loco.ts";
import { processAlive } from "../../hack/control-plane/processes.ts";
import { componentStatuses } from "../../hack/control-plane/status.ts";
import { eventually } from "../support/kube.ts";

// Several local platforms run at once in the suite: none may take the well-known ports 8800/8801.
process.env.LOCO_LOCAL_ANY_PORTS = "1";
const execFileAsync = promisify(execFile);
const cli = new URL("../../hack/control-plane/cli.ts", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "loco-test-restart-"));
const dir = join(root, "cluster");
const ns = "restart-dev";

afterAll(async () => {
  await stopControlPlane(dir);
  rmSync(root, { recursive: true, force: true });
});

/** Runs `node hack/control-plane/cli.ts …` on this test's folder, without a terminal; never throws on exit codes. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cli, ...args], {
      // A HOME of its own: `up` configures the CLI of whoever runs it.
      env: { ...process.env, LOCO_CLUSTER_DIR: dir, HOME: join(root, "home"), XDG_CONFIG_HOME: join(root, "home") },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const app = {
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "web", namespace: ns },
  spec: { profile: "dev", image: "registry.example.com/acme/web:1", ports: [{ name: "http", port: 8080 }] },
};
const namespace = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: ns, labels: { "loco.dev/tenant": "restart", "loco.dev/profile": "dev" } },
};

describe("the local loco (npm start, cluster:down, cluster:status, cluster:reset)", () => {
  // Two starts of a whole local platform: minutes on a loaded 2-core machine.
  it("restarts on the state cluster:down left, keeps every object and what was deleted stays deleted", {
    timeout: 480_000,
  }, async () => {
    const first = await startLocalLoco({ dir, ownerPid: process.pid });
    expect(first.restarted).toBe(false);
    expect(first.locoObjects).toBe(2); // the example Profiles dev and prod
    const apply = (object: object) =>
      kubectl(first.state, ["apply", "--server-side", "--field-manager=loco-test", "-f", "-"], JSON.stringify(object));
    await apply(namespace);
    await apply(app);
    const uidBefore = await kubectl(first.state, [
      "get",
      "apps.loco.dev",
      "-n",
      ns,
      "web",
      "-o",
      "jsonpath={.metadata.uid}",
    ]);
    expect(uidBefore).not.toBe("");
    await kubectl(first.state, ["delete", "profiles.loco.dev", "prod"]);

    const stopped = await runCli(["down"]);
    expect(stopped.code).toBe(0);
    expect(Object.values(first.state.pids).filter(processAlive)).toEqual([]);

    const second = await startLocalLoco({ dir, ownerPid: process.pid });
    expect(second.restarted).toBe(true);
    expect(second.locoObjects).toBe(2); // Profile dev and App web: prod stays deleted, nothing was re-seeded
    const uidAfter = await kubectl(second.state, [
      "get",
      "apps.loco.dev",
      "-n",
      ns,
      "web",
      "-o",
      "jsonpath={.metadata.uid}",
    ]);
    expect(uidAfter).toBe(uidBefore);
    const profiles = await kubectl(second.state, ["get", "profiles.loco.dev", "-o", "name"]);
    expect(profiles.trim()).toBe("profile.loco.dev/dev");
    // The restarted operator reconciles the kept App: its Deployment appears.
    await eventually(
      "the App's Deployment",
      async () =>
        (await kubectl(second.state, ["get", "deployment", "-n", ns, "web", "-o", "name"]).catch(() => "")).trim() ||
        undefined,
    );
  });

  it("names the platform's components when its process dies, and npm start brings it back on the same data", async () => {
    const state = readState(dir);
    if (!state) throw new Error(`No local loco in ${dir}; the restart test must run first`);
    const platform = state.pids.locoPlatform ?? 0;
    process.kill(-platform, "SIGKILL");
    await eventually("the platform to exit", async () => (processAlive(platform) ? undefined : true), {
      timeoutMs: 15_000,
    });
    const status = await runCli(["status"]);
    expect(status.code).toBe(1);
    for (const name of ["loco-operator", "loco-api", "database"]) {
      expect(status.stdout).toContain(`${name} (process ${platform} has exited)`);
    }

    const up = await runCli(["up"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("restarted loco-platform on the same state");
    const revived = readState(dir);
    expect(revived?.pids.etcd).toBe(state.pids.etcd); // the control plane was left running
    expect((await componentStatuses(revived!)).filter((s) => !s.healthy)).toEqual([]);
    // The tenant the first start made is still there (the platform's database survived its process).
    const api = `http://127.0.0.1:${revived?.ports.locoApi}`;
    const token = JSON.parse(readFileSync(join(root, "platform", "cli-token.json"), "utf8")) as { token: string };
    const whoami = await fetch(`${api}/v1/whoami`, { headers: { authorization: `Bearer ${token.token}` } });
    expect(whoami.status).toBe(200);
  });

  it("reports every component healthy, then names the one whose process was killed and exits non-zero", async () => {
    const state = readState(dir);
    if (!state) throw new Error(`No local loco in ${dir}; the restart test must run first`);
    const healthy = await componentStatuses(state);
    expect(healthy.map((s) => [s.name, s.health])).toEqual(
      [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kwok",
        "oidc-provider",
        "loco-operator",
        "loco-api",
        "database",
      ].map((name) => [name, "healthy"]),
    );
    expect((await runCli(["status"])).code).toBe(0);

    const kwok = state.pids.kwok ?? 0;
    process.kill(-kwok, "SIGTERM"); // its process group: supervise.sh and kwok itself
    await eventually("kwok to exit", async () => (processAlive(kwok) ? undefined : true), { timeoutMs: 15_000 });

    const after = await componentStatuses(state);
    expect(after.filter((s) => !s.healthy).map((s) => [s.name, s.health])).toEqual([
      ["kwok", `process ${kwok} has exited`],
    ]);
    const status = await runCli(["status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`Down: kwok (process ${kwok} has exited)`);
  });

  it("cluster:reset refuses without a terminal or --yes, and with --yes stops everything and deletes the folder", async () => {
    const state = readState(dir);
    if (!state) throw new Error(`No local loco in ${dir}`);
    const refused = await runCli(["reset"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `Refused to delete ${dir} without confirmation: there is no terminal to ask on. Run \`npm run cluster:reset -- --yes\`.`,
    );
    expect(existsSync(join(dir, "etcd-data"))).toBe(true);
    expect(processAlive(state.pids.etcd ?? 0)).toBe(true);

    const reset = await runCli(["reset", "--yes"]);
    expect(reset.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(root, "platform"))).toBe(false);
    expect(Object.values(state.pids).filter(processAlive)).toEqual([]);
  });
});
