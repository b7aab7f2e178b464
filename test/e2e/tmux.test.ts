// A real terminal: `loco deploy --wait --debug` typed into a shell in a tmux pane (a real pty, fixed at 160×30),
// the pane captured as the user sees it while the rollout runs. The live Ink view must draw (the header, the
// spinner line, the pending pod and why, the conditions) and finish cleanly: the final line with the deployment
// id and URL, the debug log's path, the shell prompt back, exit status 0, and nothing of the live frames left
// behind (no repeated headers, spinners or escape debris).
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import { buildCli } from "../support/e2e-cli.ts";
import { type E2eWorld, startE2eWorld } from "../support/e2e-world.ts";
import { eventually } from "../support/kube.ts";

const POD: ResourceType = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };

const run = promisify(execFile);
const WIDTH = 160;
const HEIGHT = 30;
const PROMPT = "e2e$ ";
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let world: E2eWorld;
let socket: string;
let repo: string;
let tenant: string;
let tmuxMissing = false;

const tmux = (...args: string[]) => run("tmux", ["-L", socket, ...args], { timeout: 10_000 });
const capture = async () => (await tmux("capture-pane", "-p", "-t", "e2e")).stdout;

beforeAll(async () => {
  try {
    await run("tmux", ["-V"]);
  } catch {
    tmuxMissing = true;
  }
  const [built, started] = await Promise.all([
    buildCli(),
    startE2eWorld({
      prefix: "e2etmux",
      users: [],
      // The placeholder below fills most of the shared node on purpose, and other files' pods take what they take;
      // the pre-flight would refuse the deploy this test needs to see pending.
      capacityMultiple: 0,
    }),
  ]);
  world = started;
  socket = `loco-e2e-${world.shard}`;
  tenant = `tty${world.shard}`;
  const admin = await world.adminToken();
  const created = await world.api.call("POST", "/v1/tenants", { token: admin, body: { name: tenant } });
  if (created.status !== 201) throw new Error(`Creating tenant ${tenant} failed: ${await created.text()}`);

  // The user's machine: `loco` on PATH (the built binary), a repository with its loco.toml.
  const bin = world.tempDir("bin");
  writeFileSync(join(bin, "loco"), `#!/bin/sh\nexec "${process.execPath}" "${built.main}" "$@"\n`);
  chmodSync(join(bin, "loco"), 0o755);
  repo = world.tempDir("repo");
  mkdirSync(repo, { recursive: true });
  writeFileSync(
    join(repo, "loco.toml"),
    `name = "web"\nimage = "registry.example.com/acme/web:2.0.0"\ndefaultProfile = "${world.profile}"\n[[ports]]\nname = "http"\nport = 8080\n[resources]\ncpu = "10"\nmemory = "64Mi"\n`,
  );
  if (tmuxMissing) return;
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: world.tempDir("home"),
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    LOCO_SERVER: world.api.url,
    LOCO_TOKEN: admin,
    LOCO_TENANT: tenant,
  };
  await run(
    "tmux",
    [
      "-L",
      socket,
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      "e2e",
      "-x",
      String(WIDTH),
      "-y",
      String(HEIGHT),
      "-c",
      repo,
      // Through env(1), so the shell sees exactly this environment whatever the tmux server's global one holds.
      `env -i ${Object.entries(env)
        .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\''")}'`)
        .join(" ")} bash --norc --noprofile`,
    ],
    { env: { ...process.env, TMUX: "" } },
  );
}, 300_000);

afterAll(async () => {
  if (socket && !tmuxMissing) await tmux("kill-server").catch(() => {});
  await world?.stop();
});

describe("loco deploy --wait in a real terminal", () => {
  it("draws the live view while the rollout runs, then ends with the id and URL and gives the prompt back", async () => {
    expect(tmuxMissing, "tmux is installed (hack/lib.sh ensure_system_tools installs it)").toBe(false);
    // A known prompt first, so that what follows is the command's output.
    await tmux("send-keys", "-t", "e2e", `PS1='${PROMPT}'`, "Enter");
    const ready = Date.now();
    while (!(await capture()).includes(PROMPT)) {
      if (Date.now() - ready > 10_000) throw new Error(`No shell prompt in the pane:\n${await capture()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // kwok rolls a pod out in well under a second; to see the live view at work, the App's one pod (10 CPU) waits
    // for room on the node (32 CPU) that a placeholder pod (24 CPU) holds until the view has shown the pending pod.
    const placeholder = await world.api.kube.create<KubeObject>(
      POD,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "placeholder", namespace: world.gatewayNamespace },
        spec: {
          containers: [{ name: "hold", image: "registry.example.com/hold:1", resources: { requests: { cpu: "24" } } }],
        },
      },
      "loco-test",
    );
    await eventually("the placeholder pod on the node", async () => {
      const pod = await world.api.kube.get<KubeObject & { spec?: { nodeName?: string } }>(
        POD,
        world.gatewayNamespace,
        placeholder.metadata.name!,
      );
      return pod.spec?.nodeName ? true : undefined;
    });
    // --debug too: its log goes to a file, so the live view must stay intact, and its path is printed at the end.
    await tmux("send-keys", "-t", "e2e", "clear; loco deploy --wait --timeout 3m --debug; echo exit=$?", "Enter");

    const frames: string[] = [];
    const started = Date.now();
    let screen = "";
    let released = false;
    while (Date.now() - started < 200_000) {
      screen = await capture();
      if (frames.at(-1) !== screen) frames.push(screen);
      if (!released && /Pods\n\s+○ web-\S+\s+\S+/.test(screen)) {
        released = true;
        await world.api.kube.delete(POD, world.gatewayNamespace, placeholder.metadata.name!);
      }
      if (/exit=\d+/.test(screen) && screen.trimEnd().endsWith(PROMPT.trimEnd())) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const elapsed = Date.now() - started;
    const all = frames.join("\n----\n");
    process.stderr.write(`[e2e tmux] ${frames.length} distinct frames in ${elapsed} ms\n`);

    // The live view: while running, a spinner line and the conditions section were on screen.
    const live = frames.filter((f) => f.includes("Deploying web to") && !f.includes("✓ Deployed"));
    expect(live.length, `no live frame before the end:\n${all}`).toBeGreaterThan(0);
    expect(
      live.some((f) => SPINNER.test(f)),
      `no spinner in a live frame:\n${all}`,
    ).toBe(true);
    expect(
      frames.some((f) => /Conditions\n(\s+\S+ (Unknown|True|False).*\n)*\s+Ready (Unknown|True|False)/.test(f)),
      all,
    ).toBe(true);
    // The pods coming up: a live frame lists the App's pod under Pods, with its state.
    expect(
      live.some((f) => /Pods\n\s+[●○] web-[a-z0-9]+-[a-z0-9]+\s+\S+/.test(f)),
      `no pod in a live frame:\n${all}`,
    ).toBe(true);

    // The end: exit status 0, the final line with the deployment id and URL, the prompt back.
    expect(screen, all).toContain("exit=0");
    const debugLog = /^Debug log: (\S+)$/m.exec(screen)?.[1];
    expect(debugLog, screen).toBeDefined();
    expect(readFileSync(debugLog!, "utf8")).toContain("Received deployment progress");
    const lines = screen.split("\n").map((l) => l.trimEnd());
    const final = lines.find((l) => l.startsWith("✓ Deployed web"));
    expect(final, screen).toMatch(
      new RegExp(`^✓ Deployed web \\(${world.profile}\\) [0-9A-HJKMNP-TV-Z]{26} in \\d+s → http://web-${tenant}\\.`),
    );
    expect(lines.filter((l) => l.length).at(-1)).toBe(PROMPT.trimEnd());
    // Cleanly: one header (frames overwritten, not stacked), no spinner left, no escape debris, nothing wider
    // than the pane.
    expect(
      lines.filter((l) => l.startsWith("Deploying web to")),
      screen,
    ).toHaveLength(1);
    expect(SPINNER.test(screen), screen).toBe(false);
    expect(screen.includes("\u001b"), screen).toBe(false);
    expect(screen, screen).not.toMatch(/\[\d*[ABCDGHJK]|\[\?25[hl]/);
    expect(screen).not.toMatch(/Pending|Progressing \(/);
  });
});
