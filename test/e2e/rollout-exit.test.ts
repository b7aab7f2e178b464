// End to end: `loco deploy --wait` on a canary App whose rollout is aborted exits 4 (deploy failed), saying why — the
// built `loco` binary against the real API, operator and control plane. The App's first release becomes its stable
// version; the next one starts a canary that stops at a pause with no duration (until promoted). While a
// `loco deploy --wait` follows it, the owner runs `loco rollout abort`: the waiting deploy must end with exit 4 and
// a line naming RolloutAborted and the aborted deployment, not wait out its --timeout (exit 5) or report success.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { buildCli, Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { type E2eWorld, startE2eWorld } from "../support/e2e-world.ts";
import { eventually } from "../support/kube.ts";

let world: E2eWorld;
let loco: Loco;
let home: string;
let repo: string;
let tenant: string;
const OWNER = "rita-owner";
const APP = "shop";
const ULID = /[0-9A-HJKMNP-TV-Z]{26}/;
let firstAborted = "";

beforeAll(async () => {
  const [built, started] = await Promise.all([buildCli(), startE2eWorld({ prefix: "e2eroll", users: [] })]);
  loco = new Loco(built.main);
  world = started;
  world.idp.addIdentity({ id: OWNER });
  home = world.tempDir("home");
  repo = world.tempDir("shop");
  tenant = `roll${world.shard}`;
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

/** `loco <args>` in the App's repository as `who` (a platform admin when undefined), its token in LOCO_TOKEN. */
async function as(who: string | undefined, args: string[], timeoutMs = 60_000): Promise<LocoResult> {
  const token = who ? await world.idp.token(who) : await world.adminToken();
  return loco.run(args, {
    home,
    cwd: repo,
    env: { LOCO_SERVER: world.api.url, LOCO_TOKEN: token, LOCO_TENANT: tenant, LOCO_PROFILE: world.profile },
    timeoutMs,
  });
}

const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);

/** loco.toml of a canary App: 20% to the canary, then a pause that only `loco rollout promote` ends. */
function writeLocoToml(tag: string) {
  writeFileSync(
    join(repo, "loco.toml"),
    [
      `name = "${APP}"`,
      `image = "registry.example.com/acme/shop:${tag}"`,
      "replicas = 2",
      "",
      "[[ports]]",
      'name = "http"',
      "port = 8080",
      'protocol = "HTTP"',
      "",
      "[resources]",
      'cpu = "10m"',
      'memory = "16Mi"',
      "",
      "[rollout]",
      'strategy = "canary"',
      "steps = [{ setWeight = 20 }, { pause = {} }, { setWeight = 100 }]",
      "",
    ].join("\n"),
  );
}

type Rollout = { phase: string; step: number; weight: number; deploymentId: string };

/** The App's rollout once it is in flight, paused at step 2 (20% to the canary), as `loco rollout status` shows it. */
async function pausedRollout(): Promise<Rollout> {
  return eventually(
    "the canary paused at step 2",
    async () => {
      const status = await as(OWNER, ["rollout", "status", APP, "-o", "json"]);
      if (status.code !== 0) return undefined;
      const view = JSON.parse(status.stdout) as { inFlight: boolean; rollout: Rollout | null };
      const r = view.rollout;
      return view.inFlight && r?.phase === "Paused" && r.step === 1 ? r : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

describe("loco deploy --wait on a canary App", () => {
  it("exits 4 naming RolloutAborted when the rollout it waits for is aborted", async () => {
    expectExit(await as(undefined, ["tenant", "create", tenant, "--owner", OWNER]), 0);
    writeLocoToml("1");
    // The first release has nothing to be a canary of: it becomes the stable version.
    expectExit(await as(OWNER, ["deploy", "--wait", "--timeout", "3m"], 200_000), 0);

    writeLocoToml("2");
    const waiting = as(OWNER, ["deploy", "--wait", "--timeout", "3m"], 200_000);
    const paused = await pausedRollout();
    firstAborted = paused.deploymentId;
    expect(paused.weight).toBe(20);

    const aborted = await as(OWNER, ["rollout", "abort", APP]);
    expectExit(aborted, 0);
    expect(aborted.stdout).toContain(`Asked to abort deployment ${paused.deploymentId} of ${APP}`);

    const deploy = await waiting;
    expectExit(deploy, EXIT_CODES.deployFailed.code);
    const final = deploy.stdout.trim().split("\n").at(-1) ?? "";
    // The last line says which deployment failed and why: the reason and the operator's message.
    expect(final, shown(deploy)).toContain(`✗ Deployment ${paused.deploymentId} of ${APP} (${world.profile}) failed`);
    expect(final).toContain("RolloutAborted");
    expect(final).toContain(`Aborted the rollout of deployment ${paused.deploymentId} at step 2`);
    expect(paused.deploymentId).toMatch(ULID);

    // The status agrees, and a second abort is refused: nothing is in flight any more.
    const after = JSON.parse((await as(OWNER, ["rollout", "status", APP, "-o", "json"])).stdout) as {
      inFlight: boolean;
      rollout: { phase: string; weight: number };
      condition: { status: string; reason: string };
    };
    expect(after).toMatchObject({
      inFlight: false,
      rollout: { phase: "Aborted", weight: 0 },
      condition: { status: "False", reason: "RolloutAborted" },
    });
    expectExit(await as(OWNER, ["rollout", "abort", APP]), EXIT_CODES.unavailable.code);
  });

  it("exits 4 with -o json too, its result line saying Failed, for the next release's rollout", async () => {
    writeLocoToml("3");
    const waiting = as(OWNER, ["deploy", "--wait", "--timeout", "3m", "-o", "json"], 200_000);
    const paused = await pausedRollout();
    expect(paused.deploymentId).not.toBe(firstAborted);
    expectExit(await as(OWNER, ["rollout", "abort", APP]), 0);
    const deploy = await waiting;
    expectExit(deploy, EXIT_CODES.deployFailed.code);
    const lines = deploy.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      type: "result",
      app: APP,
      deploymentId: paused.deploymentId,
      outcome: "Failed",
    });
    const last = lines.filter((l) => l.type === "progress").at(-1) as {
      conditions: { type: string; reason: string }[];
    };
    expect(last.conditions.find((c) => c.type === "Ready")).toMatchObject({ reason: "RolloutAborted" });
  });
});
