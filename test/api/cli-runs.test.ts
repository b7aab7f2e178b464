// The CLI's pipeline and run commands as a user runs them: `node cli/main.ts` as a child process with a temp HOME,
// logged in with a loco_ API token through `--token-stdin`, against the real API, operator, control plane (kwok
// plays the pods: hack/kwok/loco-stages.yaml), Postgres and OIDC provider. `loco run start ci --watch` exits 0 when
// the Run succeeds, and with the documented run-failed code naming the failing task when it fails.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { Loco, type LocoResult, locoEnv, shown } from "../support/e2e-cli.ts";

let world: ApiWorld;
let loco: Loco;
let home: string;
let repo: string;
let logs: CannedLogs;

const resources = { cpu: "10m", memory: "16Mi" };
const CI_YAML = `apiVersion: loco.dev/v1alpha1
kind: Pipeline
metadata:
  name: ci
spec:
  parameters:
    - name: version
      default: "1.0"
  tasks:
    - name: build
      image: registry.example.com/ci/build:1
      resources: { cpu: 10m, memory: 16Mi }
    - name: unit
      image: registry.example.com/ci/test:1
      resources: { cpu: 10m, memory: 16Mi }
      dependsOn: { build: Success }
`;
const broken = {
  tasks: [
    { name: "build", image: "registry.example.com/ci/build:1", resources },
    {
      name: "unit",
      image: "registry.example.com/ci/test:1",
      resources,
      dependsOn: { build: "Success" },
      podAnnotations: { "loco.dev/test-exit-code": "3" },
    },
    { name: "publish", image: "registry.example.com/ci/publish:1", resources, dependsOn: { unit: "Success" } },
  ],
};

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home,
    cwd: repo,
    env: { LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
    timeoutMs: 180_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
}

const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);

beforeAll(async () => {
  world = await startApiWorld("clr");
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-cli-runs-home-"));
  repo = mkdtempSync(join(tmpdir(), "loco-cli-runs-repo-"));
  logs = await cannedLogs({
    namespace: `${world.tenants[0].name}-${world.profile}`,
    containers: {
      build: [{ time: "2026-11-23T10:00:00.100Z", line: "compiled 42 files" }],
      unit: [{ time: "2026-11-23T10:00:00.200Z", line: "FAIL parser.test: expected 3, got 4" }],
    },
  });
  const minted = await world.api.call("POST", `/v1/tenants/${world.tenants[0].name}/tokens`, {
    token: await world.token(world.tenants[0].members.developer),
    body: { name: "cli-runs", role: "developer" },
  });
  const { secret } = (await minted.json()) as { secret: string };
  expectExit(await user(["login", world.api.url, "--token-stdin"], secret), 0);
}, 240_000);

afterAll(async () => {
  await logs?.remove();
  await world?.stop();
});

describe("loco pipeline and loco run", () => {
  it("applies a pipeline from YAML, then finds nothing to change in it", async () => {
    writeFileSync(join(repo, "ci.yaml"), CI_YAML);
    const applied = await user(["pipeline", "apply", "ci.yaml"]);
    expectExit(applied, 0);
    expect(applied.stdout).toContain(`Applied pipeline ci (${world.profile})`);
    const diff = await user(["pipeline", "diff", "ci.yaml"]);
    expectExit(diff, 0);
    expect(diff.stdout).toContain("No changes");
    writeFileSync(join(repo, "broken.json"), JSON.stringify({ spec: broken }));
    expectExit(await user(["pipeline", "apply", "broken.json", "--name", "ci-broken"]), 0);
    const list = await user(["pipeline", "ls", "-o", "json"]);
    expectExit(list, 0);
    expect((JSON.parse(list.stdout) as { items: { name: string }[] }).items.map((p) => p.name).sort()).toEqual([
      "ci",
      "ci-broken",
    ]);
  });

  it("`loco run start ci --watch` exits 0 when the Run succeeds", async () => {
    const result = await user(["run", "start", "ci", "--watch", "--param", "version=2.0"]);
    expectExit(result, 0);
    const lines = result.stdout.trim().split("\n");
    expect(
      lines.filter((l) => /^task (build|unit) Succeeded in \d+s$/.test(l)),
      shown(result),
    ).toHaveLength(2);
    expect(lines.at(-1), shown(result)).toMatch(/^✓ Run ci-[a-z0-9]{8} of pipeline ci \(.+\) succeeded in \d+s$/);
  });

  it("`loco run start ci-broken --watch` exits with the run-failed code and names the failing task", async () => {
    const result = await user(["run", "start", "ci-broken", "--watch"]);
    expectExit(result, EXIT_CODES.runFailed.code);
    const last = result.stdout.trim().split("\n").at(-1) ?? "";
    expect(last, shown(result)).toMatch(
      /^✗ Run ci-broken-[a-z0-9]{8} of pipeline ci-broken \(.+\) failed after \d+s: task unit failed \(AbnormalExit, exit code 3\)/,
    );
    expect(result.stdout).toContain("task publish Skipped, DependencyFailed");
  });

  it("reports the same outcome as ndjson with -o json, and lists, logs and times the Runs", async () => {
    const result = await user(["run", "start", "ci-broken", "-w", "-o", "json"]);
    expectExit(result, EXIT_CODES.runFailed.code);
    const records = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; run: string; phase: string; failedTask?: string | null });
    expect(records.at(-1)).toMatchObject({ type: "result", phase: "Failed", failedTask: "unit" });
    expect(records.slice(0, -1).every((r) => r.type === "progress")).toBe(true);
    const run = records.at(-1)!.run;

    const failed = await user(["run", "ls", "--pipeline", "ci-broken", "--phase", "Failed", "-o", "json"]);
    expectExit(failed, 0);
    expect((JSON.parse(failed.stdout) as { items: { name: string }[] }).items.map((r) => r.name)).toContain(run);

    const logged = await user(["run", "logs", run]);
    expectExit(logged, 0);
    expect(logged.stdout).toContain("build | compiled 42 files");
    expect(logged.stdout).toContain("unit | FAIL parser.test: expected 3, got 4");

    const timeline = await user(["run", "timeline", run]);
    expectExit(timeline, 0);
    expect(timeline.stdout).toMatch(/Task unit failed \(exit code 3\)/);

    const missing = await user(["run", "watch", "never-there"]);
    expectExit(missing, EXIT_CODES.notFound.code);
    expect(missing.stderr).toContain('Run "never-there" was not found');
    expect(missing.stderr).toMatch(/Request id:\s+\S+/);
  });

  it("draws the live task tree on a terminal and exits 0 when the Run succeeds", async () => {
    // `script` gives the CLI a real pseudo-terminal, so it takes the Ink path.
    const command = [process.execPath, loco.main, "run", "start", "ci", "--watch"].map((a) => `'${a}'`).join(" ");
    // Asynchronously: the API under test runs in this process.
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: repo,
      env: locoEnv({
        home,
        env: { TERM: "xterm-256color", LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
      }),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 180_000,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const screen = stripVTControlCharacters(output);
    expect(status, screen).toBe(0);
    expect(screen).toMatch(/✓ build {2}Succeeded/);
    expect(screen).toMatch(/✓ unit {2}Succeeded {2}\d+s {2}\(after build\)/);
    expect(screen).toMatch(/✓ Run ci-[a-z0-9]{8} of pipeline ci \(.+\) succeeded in \d+s/);
  });
});
