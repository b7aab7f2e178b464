// `loco exec` as a user runs it: `node cli/main.ts` against the real API, operator, control plane and OIDC provider.
// The App's replica is a pod on kwok's simulated node; kwok answers the apiserver's pods/exec by running the command
// on this machine (a ClusterExec for the test namespace, test/support/canned-exec.ts), so the command is real: its
// output, its working directory and its exit code travel back through the apiserver, the API and the CLI.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CONTAINER_NAME } from "../../crds/app-names.ts";
import { loadKubeAccess } from "../../kube/kube-access.ts";
import { execInPod } from "../../kube/pod-exec.ts";
import { POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type LocalExec, localExec } from "../support/canned-exec.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let loco: Loco;
let home: string;
let exec: LocalExec;
let namespace: string;
let pod: string;

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home,
    cwd: home,
    env: { LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
    timeoutMs: 120_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
}

beforeAll(async () => {
  world = await startApiWorld("exe");
  namespace = `${world.tenants[0].name}-${world.profile}`;
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-exec-home-"));
  exec = await localExec({ namespace, env: { GREETING: "from-the-replica" } });
  writeFileSync(join(exec.workDir, "marker.txt"), "the replica's file\n");
  pod = await eventually("a running replica of the App", async () => {
    const pods = await world.api.kube.list<KubeObject & { status?: { phase?: string } }>(POD, namespace, {
      labelSelector: `loco.dev/app=${world.tenants[0].app}`,
    });
    return pods.items.find((p) => p.status?.phase === "Running")?.metadata.name;
  });
  const developer = await world.token(world.tenants[0].members.developer);
  const minted = await world.api.call("POST", `/v1/tenants/${world.tenants[0].name}/tokens`, {
    token: developer,
    body: { name: "exec", role: "developer" },
  });
  const { secret } = (await minted.json()) as { secret: string };
  const login = await user(["login", world.api.url, "--token-stdin"], secret);
  expect(login.code, shown(login)).toBe(0);
}, 240_000);

afterAll(async () => {
  await exec?.remove();
  await world?.stop();
});

describe("loco exec <app> -- <command…>", () => {
  it("runs a real command in the replica, prints its output and exits with its exit code", async () => {
    const result = await user([
      "exec",
      world.tenants[0].app,
      "--",
      "sh",
      "-c",
      'cat marker.txt; printf "%s\\n" "$GREETING"; echo oops >&2; exit 3',
    ]);
    expect(result.code, shown(result)).toBe(3);
    expect(result.stdout).toBe("the replica's file\nfrom-the-replica\n");
    expect(result.stderr).toContain("oops\n");
  });

  it("exits 0 for a command that succeeds, and reports ndjson with -o json naming the pod", async () => {
    const result = await user(["exec", world.tenants[0].app, "--pod", pod, "-o", "json", "--", "pwd"]);
    expect(result.code, shown(result)).toBe(0);
    const records = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((r) => r.stream === "stdout").map((r) => r.data)).toEqual([`${exec.workDir}\n`]);
    expect(records.at(-1)).toEqual({ exitCode: 0, pod });
  });

  // -i and -it: test/api/exec-interactive.test.ts.
  it("refuses a pod that is not one of the App's replicas, saying what to do", async () => {
    const wrong = await user(["exec", world.tenants[0].app, "--pod", "kube-apiserver", "--", "true"]);
    expect(wrong.code, shown(wrong)).toBe(3);
    expect(wrong.stderr).toContain('no running replica named "kube-apiserver"');
  });

  it("is audited with the pod and the program, never the arguments", async () => {
    const ran = await user(["exec", world.tenants[0].app, "--", "sh", "-c", "echo secret-argument"]);
    expect(ran.code, shown(ran)).toBe(0);
    const audit = await world.api.call("GET", `/v1/tenants/${world.tenants[0].name}/audit?limit=200`, {
      token: await world.token(world.tenants[0].members.owner),
    });
    const text = await audit.text();
    expect(audit.status, text).toBe(200);
    const items = (
      JSON.parse(text) as { items: { action: string; target: string; details: Record<string, unknown> }[] }
    ).items;
    const execs = items.filter((i) => i.action === "apps.exec");
    expect(execs.length).toBeGreaterThanOrEqual(3);
    expect(execs[0]).toMatchObject({
      target: `${namespace}/${world.tenants[0].app}`,
      details: { pod, program: "sh" },
    });
    expect(text).not.toContain("secret-argument");
  });

  it("answers another tenant's member 404 and a viewer 403, running nothing", async () => {
    const path = `/v1/tenants/${world.tenants[0].name}/apps/${world.tenants[0].app}/exec?profile=${world.profile}`;
    const body = { command: ["sh", "-c", "touch intruded"] };
    const foreign = await world.api.call("POST", path, {
      token: await world.token(world.tenants[1].members.owner),
      body,
    });
    expect(foreign.status).toBe(404);
    const viewer = await world.api.call("POST", path, {
      token: await world.token(world.tenants[0].members.viewer),
      body,
    });
    expect(viewer.status).toBe(403);
    const { existsSync } = await import("node:fs");
    expect(existsSync(join(exec.workDir, "intruded"))).toBe(false);
  });
});

describe("execInPod (what the API runs a command with)", () => {
  const target = () => ({ namespace, pod, container: CONTAINER_NAME });

  it("hands over stdout and stderr and the exit code, with the credentials of a plain kubeconfig", async () => {
    const access = await loadKubeAccess(inject("kubeconfig"));
    let out = "";
    let err = "";
    const result = await execInPod(access, target(), ["sh", "-c", "echo out; echo err >&2; exit 4"], {
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: (chunk) => {
        err += chunk.toString();
      },
    });
    expect(result.exitCode).toBe(4);
    expect([out, err]).toEqual(["out\n", "err\n"]);
  });

  it("ends the session when its caller hangs up, and says so instead of an exit code", async () => {
    const access = await loadKubeAccess(inject("kubeconfig"));
    const started = Date.now();
    const noop = { stdout: () => {}, stderr: () => {} };
    const result = await execInPod(access, target(), ["sleep", "30"], noop, AbortSignal.timeout(500));
    expect(result).toEqual({ exitCode: null, message: "the caller hung up before the command ended" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
