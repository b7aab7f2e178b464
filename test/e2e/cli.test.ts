// End to end: the built `loco` binary, as a user runs it in a shell with a temp HOME, against the real API, the
// real operator, the control plane (kwok nodes), Postgres and a real OpenID Provider. The user logs in with the
// device flow (the test plays the browser: it reads the code the CLI prints and approves it on the provider's
// pages), creates a tenant, writes loco.toml with `loco init`, deploys to dev and waits for Ready, reads and
// follows the logs, scales to 3, sets a variable and a secret, rolls back and destroys — then the failure paths
// users hit, each with its documented exit code and a message that says what, why and what to do.
// Covers issue #7's end-to-end item and issue #6's (login, tenant, deploy, id, Ready, logs, scale, env, rollback).
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../cli/client/api-client.ts";
import { COMMANDS } from "../../cli/commands.ts";
import { commandName } from "../../cli/definition.ts";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { DEPLOYMENT, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { buildCli, Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { approveDeviceLogin } from "../support/e2e-device.ts";
import { type E2eWorld, startE2eWorld } from "../support/e2e-world.ts";
import { eventually } from "../support/kube.ts";

const USER = "alice";
/** Logs in with tokens that expire after a few seconds and a refresh token. */
const BRIEF = "brief-bob";
/** Logs in with tokens that expire after a few seconds and no refresh token. */
const NO_REFRESH = "carol-no-refresh";

let world: E2eWorld;
let loco: Loco;
let home: string;
let repo: string;
let tenant: string;
let logs: CannedLogs | undefined;
const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/;
const timings: Record<string, number> = {};

type Deployment = KubeObject & {
  spec: { replicas?: number; template: { spec: { containers: { name: string; env?: EnvVar[] }[] } } };
  status?: { readyReplicas?: number; replicas?: number; updatedReplicas?: number };
};
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

beforeAll(async () => {
  const [built, started] = await Promise.all([
    buildCli(),
    startE2eWorld({
      prefix: "e2ecli",
      profile: "dev",
      users: [
        { id: USER, groups: ["loco-admins"] },
        { id: BRIEF, ttlSeconds: 4 },
        { id: NO_REFRESH, ttlSeconds: 2, noRefresh: true },
      ],
    }),
  ]);
  timings.buildMs = built.buildMs;
  loco = new Loco(built.main);
  world = started;
  home = world.tempDir("home");
  repo = world.tempDir("web");
  tenant = `acme${world.shard}`;
}, 300_000);

afterAll(async () => {
  await logs?.remove();
  await world?.stop();
  process.stderr.write(`[e2e cli] timings (ms): ${JSON.stringify(timings)}\n`);
});

/** `loco <args>` in the user's repository with the user's HOME. */
async function user(args: string[], options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}) {
  const result = await loco.run(args, {
    home,
    cwd: options.cwd ?? repo,
    env: { LOCO_TENANT: tenant, ...options.env },
    timeoutMs: 150_000,
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
  });
  timings[args.filter((a) => !a.startsWith("/")).join(" ")] = Math.round(result.ms);
  return result;
}

const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);

/**
 * `loco login <server>` in `homeDir`, approved in "the browser" as `subject`: waits for the URL and code on
 * stderr, approves them through the provider's pages, then for the CLI to finish.
 */
async function deviceLogin(homeDir: string, subject: string): Promise<LocoResult & { prompt: string }> {
  const started = performance.now();
  const child = loco.spawn(["login", world.api.url], { home: homeDir });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  const prompt = await new Promise<{ url: string; code: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No device code within 30 s; stderr: ${stderr}`)), 30_000);
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      const match = /open (\S+)\n(?:and check|and enter) the code (\S+) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, code: match[2]! });
      }
    });
    child.on("close", () => reject(new Error(`loco login ended before printing a code: ${stdout}${stderr}`)));
  });
  await approveDeviceLogin({ url: prompt.url, userCode: prompt.code, user: subject });
  const code = await new Promise<number | null>((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`loco login did not finish within 60 s of the approval:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on("close", (exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
  return { code, stdout, stderr, ms: performance.now() - started, prompt: stderr };
}

const credentialsOf = (homeDir: string) =>
  JSON.parse(readFileSync(join(homeDir, ".config/loco/credentials.json"), "utf8")) as Record<
    string,
    { kind: string; token: string; refreshToken?: string; expiresAt?: string; subject?: string }
  >;

const namespace = () => `${tenant}-${world.profile}`;
const deploymentOf = (app: string) => world.api.kube.get<Deployment>(DEPLOYMENT, namespace(), app);
const appEnv = async (app: string) => (await deploymentOf(app)).spec.template.spec.containers[0]!.env ?? [];

describe("loco, end to end", () => {
  it("logs in with the device flow, approved on the provider's pages", async () => {
    const login = await deviceLogin(home, USER);
    timings.login = Math.round(login.ms);
    expectExit(login, 0);
    expect(login.prompt).toMatch(new RegExp(`To log in, open ${world.idp.issuer}/device`));
    expect(login.stdout).toContain(`Logged in to ${world.api.url} as ${USER}`);
    const stored = credentialsOf(home);
    const credential = Object.values(stored)[0]!;
    expect(credential).toMatchObject({ kind: "oidc", subject: USER });
    expect(credential.refreshToken, "offline_access gives the CLI a refresh token").toBeTruthy();
    expect(statSync(join(home, ".config/loco/credentials.json")).mode & 0o777).toBe(0o600);
    const whoami = await user(["whoami", "-o", "json"]);
    expectExit(whoami, 0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ subject: USER, via: "oidc", platformAdmin: true });
  });

  it("creates a tenant as that user, through the API with the CLI's credential", async () => {
    const token = Object.values(credentialsOf(home))[0]!.token;
    const client = new ApiClient({ server: world.api.url, token });
    const created = await client.request<{ name: string; role: string; namespaces: { namespace: string }[] }>(
      "POST",
      "/v1/tenants",
      { body: { name: tenant, owner: USER } },
    );
    expect(created).toMatchObject({ name: tenant, role: "owner" });
    expect(created.namespaces.map((n) => n.namespace)).toContain(namespace());
  });

  it("writes loco.toml with init", async () => {
    const init = await user(["init", "--name", "web", "--image", "registry.example.com/acme/web:1.0.0"]);
    expectExit(init, 0);
    expect(init.stdout).toContain("Wrote loco.toml for app web");
    expect(readFileSync(join(repo, "loco.toml"), "utf8")).toMatch(/name = "web"[\s\S]*\[profile\.dev\]/);
  });

  let firstDeployment = "";
  let variableDeployment = "";
  it("deploys to dev and waits: exit 0 with the deployment id and the URL", async () => {
    const deploy = await user(["deploy", "--profile", "dev", "--wait", "--timeout", "3m"]);
    expectExit(deploy, 0);
    const final = deploy.stdout.trim().split("\n").at(-1)!;
    expect(final).toMatch(new RegExp(`^✓ Deployed web \\(dev\\) ${ULID.source} in \\d+s → https?://\\S+$`));
    firstDeployment = ULID.exec(final)![0];
    // The rollout as it went, one line per change: the pod and the conditions.
    expect(deploy.stdout).toMatch(/^pod web-[a-z0-9]+-[a-z0-9]+ {2}Ready$/m);
    expect(deploy.stdout).toMatch(/^condition Ready True — Available/m);
    const status = await user(["status", "-o", "json"]);
    expectExit(status, 0);
    const app = JSON.parse(status.stdout);
    expect(app).toMatchObject({ name: "web", tenant, profile: "dev", ready: "True", deploymentId: firstDeployment });
    expect(final).toContain(`→ ${app.url}`);
    expect(app.url).toContain(world.baseDomain);
    // The operator's record of the rollout: the Deployment runs the deployment the CLI printed.
    const deployment = await deploymentOf("web");
    expect(deployment.status?.readyReplicas).toBe(1);
    expect(JSON.stringify(deployment.spec.template)).toContain(firstDeployment);
  });

  it("shows the last 5 log lines as ndjson, and follows new ones", async () => {
    const base = Date.now() - 60_000;
    const lines = Array.from({ length: 8 }, (_, i) => ({
      time: new Date(base + i * 1000),
      line: `request ${i + 1} served`,
    }));
    logs = await cannedLogs({ namespace: namespace(), containers: { app: lines }, follow: true });
    const tail = await eventually(
      "the canned log lines through loco logs",
      async () => {
        const result = await user(["logs", "--tail", "5", "-o", "json"]);
        return result.code === 0 && result.stdout.includes("request 8") ? result : undefined;
      },
      { intervalMs: 1000 },
    );
    const records = tail.stdout
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as { pod: string; container: string; time: string; line: string });
    expect(records.map((r) => r.line)).toEqual(lines.slice(3).map((l) => l.line));
    for (const record of records) {
      expect(record.pod).toMatch(/^web-/);
      expect(record.container).toBe("app");
      expect(Date.parse(record.time)).toBeGreaterThan(base - 1);
    }

    // -f: a line written after the command started arrives while it runs.
    const follow = loco.spawn(["logs", "-f", "--tail", "1", "-o", "json"], {
      home,
      cwd: repo,
      env: { LOCO_TENANT: tenant },
    });
    follow.stdin.end();
    let out = "";
    follow.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    try {
      await eventually("the last old line", async () => (out.includes("request 8") ? true : undefined));
      logs.append("app", [{ time: new Date(), line: "request 9 served, after loco logs -f started" }]);
      await eventually("the appended line through loco logs -f", async () =>
        out.includes("request 9 served") ? true : undefined,
      );
      expect(follow.exitCode, "logs -f keeps running").toBeNull();
    } finally {
      follow.kill("SIGINT");
    }
  });

  it("scales to 3 replicas, all of them ready", async () => {
    const scale = await user(["scale", "--replicas", "3", "-o", "json"]);
    expectExit(scale, 0);
    expect(JSON.parse(scale.stdout).spec.replicas).toBe(3);
    const deployment = await eventually("3 ready replicas", async () => {
      const d = await deploymentOf("web");
      return d.spec.replicas === 3 && d.status?.readyReplicas === 3 ? d : undefined;
    });
    expect(deployment.status?.replicas).toBe(3);
  });

  it("sets a plain variable and a secret from stdin (never echoed); both reach the pods", async () => {
    const plain = await user(["env", "set", "LOG_LEVEL=debug"]);
    expectExit(plain, 0);
    // The variable's rollout finishes first, so that it is a good deployment to return to.
    variableDeployment = await eventually(
      "the variable's deployment Ready",
      async () => {
        const app = JSON.parse((await user(["status", "-o", "json"])).stdout);
        return app.ready === "True" && app.deploymentId !== firstDeployment ? (app.deploymentId as string) : undefined;
      },
      { intervalMs: 1000 },
    );
    const secretValue = `s3cret-${world.shard}`;
    const secret = await user(["env", "set", "--secret", "DB_PASSWORD"], { stdin: `${secretValue}\n` });
    expectExit(secret, 0);
    expect(secret.stdout + secret.stderr).not.toContain(secretValue);
    const listed = await user(["env", "ls", "-o", "json"]);
    expectExit(listed, 0);
    const env = JSON.parse(listed.stdout);
    expect(env.env).toContainEqual({ name: "LOG_LEVEL", value: "debug" });
    expect(env.secrets).toContainEqual({ name: "DB_PASSWORD" });
    expect(listed.stdout).not.toContain(secretValue);
    const podEnv = await eventually("both variables in the pod template", async () => {
      const vars = await appEnv("web");
      return vars.some((v) => v.name === "LOG_LEVEL" && v.value === "debug") &&
        vars.some((v) => v.name === "DB_PASSWORD" && v.valueFrom?.secretKeyRef)
        ? vars
        : undefined;
    });
    const ref = podEnv.find((v) => v.name === "DB_PASSWORD")!.valueFrom!.secretKeyRef!;
    const stored = await world.api.kube.get<KubeObject & { data?: Record<string, string> }>(
      SECRET,
      namespace(),
      ref.name,
    );
    expect(Buffer.from(stored.data?.[ref.key] ?? "", "base64").toString()).toBe(secretValue);
    await eventually("the rollout with the new variables", async () => {
      const d = await deploymentOf("web");
      return d.status?.readyReplicas === 3 && d.status.updatedReplicas === 3 ? true : undefined;
    });
  });

  it("rolls back to the last good deployment before the current one", async () => {
    const before = JSON.parse((await user(["status", "-o", "json"])).stdout).deploymentId as string;
    const rollback = await user(["rollback", "--wait", "--timeout", "3m"]);
    expectExit(rollback, 0);
    // The last good deployment before the secret's: the one that set LOG_LEVEL.
    const target = /Rolling back web \(dev\) to deployment ([0-9A-Z]{26})\./.exec(rollback.stderr)?.[1];
    expect(target, shown(rollback)).toBe(variableDeployment);
    const final = rollback.stdout.trim().split("\n").at(-1)!;
    expect(final).toMatch(new RegExp(`^✓ Deployed web \\(dev\\) ${ULID.source} in \\d+s → http://`));
    const after = JSON.parse((await user(["status", "-o", "json"])).stdout);
    expect(after).toMatchObject({ ready: "True", deploymentId: ULID.exec(final)![0] });
    expect(after.deploymentId).not.toBe(before);
    // That deployment's configuration again: LOG_LEVEL=debug, and no secret variable.
    const vars = await appEnv("web");
    expect(vars.filter((v) => v.name === "LOG_LEVEL")).toEqual([{ name: "LOG_LEVEL", value: "debug" }]);
    expect(vars.some((v) => v.name === "DB_PASSWORD")).toBe(false);
  });

  it("pushes a .env file with env sync: the plan first, secret values never shown, --prune removes the rest", async () => {
    const apiKey = `k-${world.shard}`;
    writeFileSync(join(repo, ".env"), `# web\nLOG_LEVEL=warn\nexport FEATURE_X="on"\nAPI_KEY=${apiKey}\n`);
    expectExit(await user(["env", "set", "OBSOLETE=1"]), 0);
    const before = JSON.parse((await user(["env", "ls", "-o", "json"])).stdout) as {
      env: { name: string; value: string }[];
      secrets: { name: string }[];
    };
    const dry = await user(["env", "sync", "--secret", "API_KEY", "--prune", "--dry-run"]);
    expectExit(dry, 0);
    expect(dry.stdout).toContain('~ LOG_LEVEL: "debug" → "warn"');
    expect(dry.stdout).toContain("- OBSOLETE");
    expect(dry.stdout).toContain('+ FEATURE_X="on"');
    expect(dry.stdout).toContain("* API_KEY (secret, value not shown)");
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect(dry.stdout).not.toContain(apiKey);
    expect(JSON.parse((await user(["env", "ls", "-o", "json"])).stdout)).toEqual(before);

    const sync = await user(["env", "sync", "--secret", "API_KEY", "--prune", "-o", "json"]);
    expectExit(sync, 0);
    expect(sync.stdout).not.toContain(apiKey);
    const result = JSON.parse(sync.stdout);
    expect(result.applied).toBe(true);
    const removed = [...before.env.map((v) => v.name), ...before.secrets.map((v) => v.name)].filter(
      (name) => !["LOG_LEVEL", "API_KEY"].includes(name),
    );
    expect(result.plan.remove.sort()).toEqual(removed.sort());
    expect(removed).toContain("OBSOLETE");
    expect(result.env).toEqual({
      env: expect.arrayContaining([
        { name: "LOG_LEVEL", value: "warn" },
        { name: "FEATURE_X", value: "on" },
      ]),
      secrets: [{ name: "API_KEY" }],
      declared: [],
    });
    expect(result.env.env).toHaveLength(2);
    await eventually("the synced variables in the pod template", async () => {
      const vars = await appEnv("web");
      return vars.some((v) => v.name === "LOG_LEVEL" && v.value === "warn") &&
        vars.some((v) => v.name === "API_KEY" && v.valueFrom?.secretKeyRef) &&
        !vars.some((v) => v.name === "OBSOLETE")
        ? true
        : undefined;
    });
  });

  it("maps the tenant's apps by profile and project, with status, URL and who discovers whom", async () => {
    // web is still rolling out what env sync changed; the map below shows it once Ready.
    const status = await eventually(
      "web Ready after env sync",
      async () => {
        const app = JSON.parse((await user(["status", "-o", "json"])).stdout);
        return app.ready === "True" ? app : undefined;
      },
      { intervalMs: 1000 },
    );
    for (const [name, port] of [
      ["shop-api", 9090],
      ["shop-web", 8080],
    ] as const) {
      const dir = world.tempDir(name);
      writeFileSync(
        join(dir, "loco.toml"),
        `name = "${name}"\nproject = "shop"\nimage = "registry.example.com/acme/${name}:1"\ndefaultProfile = "dev"\n[[ports]]\nname = "http"\nport = ${port}\n[resources]\ncpu = "10m"\nmemory = "32Mi"\n`,
      );
      expectExit(await user(["deploy"], { cwd: dir }), 0);
    }
    const json = await user(["map", "-o", "json"]);
    expectExit(json, 0);
    const map = JSON.parse(json.stdout);
    expect(map.tenant).toBe(tenant);
    const dev = map.profiles.find((p: { profile: string }) => p.profile === "dev");
    expect(dev.namespace).toBe(namespace());
    const shop = dev.projects.find((p: { project: string | null }) => p.project === "shop");
    const byName = Object.fromEntries(shop.apps.map((a: { name: string }) => [a.name, a]));
    expect(byName["shop-web"].discovers).toEqual([{ app: "shop-api", variable: "LOCO_SHOP_API_URL" }]);
    expect(byName["shop-api"].discoveredBy).toEqual(["shop-web"]);
    const loose = dev.projects.find((p: { project: string | null }) => p.project === null);
    const web = loose.apps.find((a: { name: string }) => a.name === "web");
    expect(web).toMatchObject({ ready: "True", url: status.url, discovers: [] });
    // The operator agrees: shop-web's pods get LOCO_SHOP_API_URL.
    await eventually("LOCO_SHOP_API_URL in shop-web's pods", async () =>
      (await appEnv("shop-web")).some((v) => v.name === "LOCO_SHOP_API_URL") ? true : undefined,
    );
    const text = await user(["map"]);
    expectExit(text, 0);
    expect(text.stdout).toContain("→ shop-api (LOCO_SHOP_API_URL)");
    expect(text.stdout).toMatch(new RegExp(`✓ web  Ready  ${status.url.replace(/[.]/g, "\\.")}`));
  });

  it("prints what `loco open` would open when not on a terminal", async () => {
    const status = JSON.parse((await user(["status", "-o", "json"])).stdout);
    const app = await user(["open"]);
    expectExit(app, 0);
    expect(app.stdout).toBe(`${status.url}\n`);
    const docs = await user(["open", "docs", "-o", "json"]);
    expect(JSON.parse(docs.stdout)).toEqual({ target: "docs", url: "https://loco.dev/docs" });
    const logsPage = await user(["open", "logs"], { env: { LOCO_DASHBOARD_URL: "https://loco.example.com" } });
    expect(logsPage.stdout).toBe(`https://loco.example.com/tenants/${tenant}/apps/web/logs?profile=dev\n`);
    // Without LOCO_DASHBOARD_URL: the console this API serves, as GET /v1/platform says (none without a build).
    const platform = (await (await fetch(`${world.api.url}/v1/platform`)).json()) as {
      console: { url: string | null };
    };
    const dashboard = await user(["open", "dashboard"]);
    if (platform.console.url) {
      expectExit(dashboard, 0);
      expect(dashboard.stdout).toBe(`${platform.console.url.replace(/\/$/, "")}/tenants/${tenant}\n`);
    } else {
      expectExit(dashboard, EXIT_CODES.notFound.code);
      expect(dashboard.stderr).toMatch(/npm run build:console/);
    }
  });

  it("answers -o json on every command that prints data: one JSON document, or ndjson for streams", async () => {
    const parsed = new Map<string, unknown[]>();
    /** Runs `loco <args> -o json`, expects `code`, parses stdout as the command's declaration says it prints it. */
    const json = async (args: string[], options: { code?: number; stdin?: string; home?: string } = {}) => {
      const command = COMMANDS.filter((c) => c.output && c.path.every((word, i) => args[i] === word)).sort(
        (a, b) => b.path.length - a.path.length,
      )[0];
      if (!command) throw new Error(`no data command for ${args.join(" ")}`);
      const result = options.home
        ? await loco.run([...args, "-o", "json"], {
            home: options.home,
            cwd: repo,
            ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
          })
        : await user([...args, "-o", "json"], options.stdin !== undefined ? { stdin: options.stdin } : {});
      expectExit(result, options.code ?? 0);
      const lines = result.stdout.split("\n").filter(Boolean);
      const parse = (text: string) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          throw new Error(`${commandName(command)} -o json printed what is not JSON (${String(error)}):\n${text}`);
        }
      };
      // Commands that can stream print one document (deploy without --wait) or ndjson (with it): ndjson has more
      // than one line or a single compact one.
      const single = (() => {
        try {
          return [JSON.parse(result.stdout) as unknown];
        } catch {
          return undefined;
        }
      })();
      const documents = single ?? (command.output?.stream ? lines.map(parse) : [parse(result.stdout)]);
      expect(documents.length, shown(result)).toBeGreaterThan(0);
      parsed.set(commandName(command), documents);
      return documents as Record<string, unknown>[];
    };
    // The app and its settings.
    await json(["ls"]);
    await json(["status"]);
    await json(["env", "set", "JSON_CHECK=1"]);
    await json(["env", "ls"]);
    await json(["env", "unset", "JSON_CHECK"]);
    await json(["secrets", "set", "JSON_SECRET"], { stdin: "json-check-value" });
    await json(["secrets", "ls"]);
    await json(["secrets", "unset", "JSON_SECRET"]);
    await json(["releases"]);
    writeFileSync(join(repo, "check.env"), "JSON_CHECK=2\n");
    await json(["env", "sync", "check.env", "--dry-run"]);
    await json(["scale", "--replicas", "3"]);
    await json(["map"]);
    await json(["open", "docs"]);
    await json(["logs", "--tail", "2"]);
    const started = await json(["deploy"]);
    expect(started[0]).toMatchObject({ app: "web", tenant, profile: "dev" });
    const waited = await json(["deploy", "--wait", "--timeout", "3m"]);
    expect(waited.at(-1)).toMatchObject({ type: "result", outcome: "Available" });
    const history = (await json(["rollback", "--wait", "--timeout", "3m"])).at(-1);
    expect(history).toMatchObject({ type: "result", outcome: "Available" });
    // A rolling App has no canary rollout: status says so, and promote and abort are refused (exit 6), saying why.
    const [rollout] = await json(["rollout", "status", "web"]);
    expect(rollout).toMatchObject({ app: "web", profile: "dev", strategy: "rolling", inFlight: false, rollout: null });
    for (const verb of ["promote", "abort"]) {
      const refused = await user(["rollout", verb, "web", "-o", "json"], { cwd: repo });
      expectExit(refused, EXIT_CODES.unavailable.code);
      expect(refused.stderr).toContain(`has no canary rollout in flight, so there is nothing to ${verb}`);
    }
    // The user, contexts, profiles and tokens — and a login with a minted token, in a fresh HOME.
    await json(["whoami"]);
    await json(["platform"]);
    await json(["context", "ls"]);
    await json(["profile", "ls"]);
    const [minted] = await json(["token", "create", "json-check", "--role", "viewer"]);
    const { token, secret } = minted as { token: { id: string }; secret: string };
    await json(["token", "ls"]);
    const loginHome = world.tempDir("json-login");
    await json(["login", world.api.url, "--token-stdin", "--tenant", tenant], { stdin: secret, home: loginHome });
    await json(["token", "revoke", token.id]);
    // Pipelines and Runs; the tasks set no resources: the tenant namespace's LimitRange gives them requests.
    writeFileSync(
      join(repo, "ci.yaml"),
      "kind: Pipeline\napiVersion: loco.dev/v1alpha1\nmetadata: { name: ci }\nspec:\n  tasks:\n" +
        "    - { name: build, image: registry.example.com/ci/build:1 }\n" +
        "    - { name: hang, image: registry.example.com/ci/hang:1, dependsOn: { build: Success }, podAnnotations: { loco.dev/test-hold: 'true' } }\n",
    );
    await json(["pipeline", "apply", "ci.yaml"]);
    await json(["pipeline", "diff", "ci.yaml"]);
    await json(["pipeline", "ls"]);
    const [run] = await json(["run", "start", "ci"]);
    const runName = (run as { name: string }).name;
    await eventually(
      "the build task to succeed and hang to start",
      async () => {
        const [view] = await json(["run", "ls", "--pipeline", "ci"]);
        const item = (view as { items: { name: string; tasks?: { name: string; state: string }[] }[] }).items.find(
          (i) => i.name === runName,
        );
        return item?.tasks?.find((t) => t.name === "hang")?.state === "Running" ? true : undefined;
      },
      { intervalMs: 1000, timeoutMs: 120_000 },
    );
    await json(["run", "logs", runName]);
    await json(["run", "cancel", runName]);
    const watched = await json(["run", "watch", runName, "--timeout", "2m"], { code: EXIT_CODES.runFailed.code });
    expect(watched.at(-1)).toMatchObject({ type: "result" });
    await json(["run", "timeline", runName]);

    // Every command that declares an -o json output was run above or parsed in the test named here.
    const elsewhere: Record<string, string> = {
      "loco destroy": "destroys the app (below)",
      "loco tenant create": "test/e2e/admin.test.ts",
      "loco tenant ls": "test/e2e/admin.test.ts",
      "loco tenant show": "test/e2e/admin.test.ts",
      "loco member ls": "test/e2e/admin.test.ts",
      "loco member add": "test/e2e/admin.test.ts",
      "loco member rm": "test/e2e/admin.test.ts",
      "loco profile show": "test/e2e/admin.test.ts",
      "loco profile apply": "test/e2e/admin.test.ts",
      "loco tenant delete": "test/e2e/admin.test.ts",
      "loco run": "test/api/one-off-runs.test.ts",
      "loco run rerun": "test/api/run-rerun.test.ts",
      "loco exec": "test/api/exec.test.ts",
      "loco rollout promote": "refused above without a rollout in flight (exit 6, no output)",
      "loco rollout abort": "refused above without a rollout in flight (exit 6, no output)",
      "loco pipeline secrets set": "test/api/one-off-runs.test.ts",
      "loco pipeline secrets ls": "test/api/one-off-runs.test.ts",
      "loco pipeline secrets unset": "test/api/one-off-runs.test.ts",
      "loco promote": "test/api/promotions.test.ts",
      "loco webhook add": "test/api/webhooks.test.ts",
      "loco webhook ls": "test/api/webhooks.test.ts",
      "loco webhook rm": "test/api/webhooks.test.ts",
      "loco webhook test": "test/api/webhooks.test.ts",
      "loco webhook deliveries": "test/api/webhooks.test.ts",
    };
    const declared = COMMANDS.filter((c) => c.output).map(commandName);
    expect([...new Set([...parsed.keys(), ...Object.keys(elsewhere)])].sort()).toEqual([...declared].sort());
  });

  it("refuses an invalid loco.toml, naming the file, the key and the fix (exit 1)", async () => {
    const bad = world.tempDir("bad");
    writeFileSync(
      join(bad, "loco.toml"),
      'name = "web"\nimage = "registry.example.com/acme/web:1"\nreplicas = "three"\n',
    );
    const deploy = await user(["deploy", "--profile", "dev"], { cwd: bad });
    expectExit(deploy, EXIT_CODES.usage.code);
    expect(deploy.stderr).toMatch(/Error: +loco\.toml is invalid/);
    expect(deploy.stderr).toMatch(/Why: +.*replicas/);
    expect(deploy.stderr).toMatch(/Fix: +Fix the keys named in loco\.toml/);
  });

  it("answers an unknown app with exit 3, the reason and the request id", async () => {
    const status = await user(["status", "no-such-app", "--profile", "dev"]);
    expectExit(status, EXIT_CODES.notFound.code);
    expect(status.stderr).toMatch(/Error: .*no-such-app/);
    expect(status.stderr).toMatch(/Fix: +Check the name, --tenant and --profile/);
    expect(status.stderr).toMatch(/Request id: +\S+/);
  });

  it("reports a deploy that never becomes Ready: exit 5 when --timeout runs out, with what to do", async () => {
    const stuck = world.tempDir("stuck");
    // More CPU than the one (kwok) node has: the pod is never scheduled, so the App never becomes Ready.
    writeFileSync(
      join(stuck, "loco.toml"),
      'name = "stuck"\nimage = "registry.example.com/acme/stuck:1"\ndefaultProfile = "dev"\n[resources]\ncpu = "40"\nmemory = "64Mi"\n',
    );
    const deploy = await user(["deploy", "--wait", "--timeout", "20s"], { cwd: stuck });
    expectExit(deploy, EXIT_CODES.timeout.code);
    expect(deploy.stdout).toMatch(
      new RegExp(
        `✗ Deployment ${ULID.source} of stuck \\(dev\\) was not Ready within 20s; it may still finish \\(loco status\\)`,
      ),
    );
    const deployment = await deploymentOf("stuck");
    expect(deployment.status?.readyReplicas ?? 0).toBe(0);
  });

  it("renews an expired login with its refresh token, transparently", async () => {
    const briefHome = world.tempDir("brief");
    expectExit(await deviceLogin(briefHome, BRIEF), 0);
    const first = Object.values(credentialsOf(briefHome))[0]!;
    await new Promise((resolve) => setTimeout(resolve, Date.parse(first.expiresAt!) - Date.now() + 500));
    const whoami = await loco.run(["whoami", "-o", "json"], { home: briefHome });
    expectExit(whoami, 0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ subject: BRIEF, via: "oidc" });
    const renewed = Object.values(credentialsOf(briefHome))[0]!;
    expect(renewed.token).not.toBe(first.token);
    expect(Date.parse(renewed.expiresAt!)).toBeGreaterThan(Date.parse(first.expiresAt!));
    expect(statSync(join(briefHome, ".config/loco/credentials.json")).mode & 0o777).toBe(0o600);

    // Once the provider no longer honours the refresh token, the expired login is reported, not retried.
    const revoked = await fetch(`${world.idp.issuer}/token/revocation`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: renewed.refreshToken!, client_id: "loco-cli" }).toString(),
    });
    expect(revoked.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(renewed.expiresAt!) - Date.now() + 500));
    const refused = await loco.run(["whoami"], { home: briefHome });
    expectExit(refused, EXIT_CODES.auth.code);
    expect(refused.stderr).toMatch(/Error: +Your login to \S+ has expired/);
    expect(refused.stderr).toMatch(/Why: +.*refused to renew it/);
    expect(refused.stderr).toContain(`Fix:        Run \`loco login ${world.api.url}\` again.`);
  });

  it("reports an expired login without a refresh token (exit 2), and an expired token the API refuses", async () => {
    const shortHome = world.tempDir("short");
    expectExit(await deviceLogin(shortHome, NO_REFRESH), 0);
    const credential = Object.values(credentialsOf(shortHome))[0]!;
    expect(credential.refreshToken).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, Date.parse(credential.expiresAt!) - Date.now() + 500));
    const local = await loco.run(["whoami"], { home: shortHome });
    expectExit(local, EXIT_CODES.auth.code);
    expect(local.stderr).toMatch(/Error: +Your login to \S+ has expired/);
    expect(local.stderr).toMatch(/Why: +The access token expired at .* no refresh token/);
    expect(local.stderr).toContain(`Run \`loco login ${world.api.url}\` again.`);

    // The same expired JWT handed over directly (as CI would): the API refuses it, with its request id.
    const remote = await loco.run(["whoami"], {
      home: shortHome,
      env: { LOCO_SERVER: world.api.url, LOCO_TOKEN: credential.token },
    });
    expectExit(remote, EXIT_CODES.auth.code);
    expect(remote.stderr).toMatch(/Why: +The bearer token was refused: it has expired/);
    expect(remote.stderr).toMatch(/Fix: +Log in again with `loco login`/);
    expect(remote.stderr).toMatch(/Request id: +\S+/);
  });

  it("destroys the app", async () => {
    const destroy = await user(["destroy", "--yes", "-o", "json"]);
    expectExit(destroy, 0);
    expect(JSON.parse(destroy.stdout)).toEqual({ app: "web", tenant, profile: "dev", deleted: true });
    await eventually("the Deployment gone", async () =>
      (await world.api.kube.find(DEPLOYMENT, namespace(), "web")) ? undefined : true,
    );
    const status = await user(["status", "-o", "json"]);
    expectExit(status, EXIT_CODES.notFound.code);
  });
});
