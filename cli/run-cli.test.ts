import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { testIo } from "./test-io.ts";

// An HTTP server answering like loco-api for the few routes used here (the real API runs in test/e2e).
const TOKEN = "loco_testtoken123";
const DEPLOYMENT = "01JD6Z7Q5V8K2M4N6P8R0T2W4Y";
let scenario: "ok" | "fail" | "hang" = "ok";
const deployed: Record<string, unknown>[] = [];
const logQueries: Record<string, string>[] = [];
const changes: { method: string; path: string; profile: string | null; body: unknown }[] = [];
const seen: { method: string; url: string; auth?: string; requestId?: string }[] = [];
let server: Server;
let base: string;

function reply(res: ServerResponse, status: number, body: unknown, requestId: string) {
  res.writeHead(status, {
    "content-type": status >= 400 ? "application/problem+json" : "application/json",
    "x-request-id": requestId,
  });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse) {
  const requestId = String(req.headers["x-request-id"] ?? "generated");
  seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, requestId });
  const url = new URL(req.url!, "http://x");
  if (url.pathname === "/v1/auth/config") {
    return reply(res, 200, { issuer: null, clientId: null, audience: null, apiTokens: true }, requestId);
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    return reply(
      res,
      401,
      { status: 401, code: "Unauthenticated", detail: "The API token is revoked.", requestId },
      requestId,
    );
  }
  if (req.method === "POST" && url.pathname === "/v1/tenants/acme/apps/web/deployments") {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      deployed.push(JSON.parse(body).spec);
      reply(
        res,
        202,
        {
          deploymentId: DEPLOYMENT,
          unchanged: false,
          events: `/v1/tenants/acme/apps/web/deployments/${DEPLOYMENT}/events?profile=${url.searchParams.get("profile")}`,
        },
        requestId,
      );
    });
    return;
  }
  if (url.pathname === `/v1/tenants/acme/apps/web/deployments/${DEPLOYMENT}/events`) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const progress = (outcome: string, ready: object | null) =>
      JSON.stringify({
        id: DEPLOYMENT,
        app: "web",
        namespace: "acme-dev",
        image: "nginx:2",
        outcome,
        requestedBy: "token:01J",
        createdAt: "2026-11-23T10:00:00Z",
        finishedAt: null,
        ready,
      });
    res.write(": keep-alive\n\n");
    res.write(
      `event: status\ndata: ${progress("Progressing", { type: "Ready", status: "False", reason: "Progressing" })}\n\n`,
    );
    if (scenario === "hang") return;
    const end =
      scenario === "ok"
        ? progress("Available", { type: "Ready", status: "True", reason: "Available" })
        : progress("Failed", {
            type: "Ready",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: "0 of 1 replicas ready",
          });
    setTimeout(() => res.end(`event: end\ndata: ${end}\n\n`), 50);
    return;
  }
  if (
    url.pathname.startsWith("/v1/tenants/acme/apps/web/") &&
    ["scale", "env", "rollback"].includes(url.pathname.split("/").at(-1)!)
  ) {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      changes.push({
        method: req.method!,
        path: url.pathname,
        profile: url.searchParams.get("profile"),
        body: body ? JSON.parse(body) : undefined,
      });
      const kind = url.pathname.split("/").at(-1);
      if (kind === "scale")
        return reply(
          res,
          200,
          { ...app("web", "True"), spec: { image: "nginx:1", replicas: JSON.parse(body).replicas } },
          requestId,
        );
      if (kind === "rollback")
        return reply(res, 202, { deploymentId: DEPLOYMENT, unchanged: false, events: "/unused" }, requestId);
      return reply(
        res,
        200,
        { env: [{ name: "LOG_LEVEL", value: "debug" }], secrets: [{ name: "DB_PASSWORD" }] },
        requestId,
      );
    });
    return;
  }
  if (url.pathname === "/v1/tenants/acme/apps/web/logs") {
    logQueries.push(Object.fromEntries(url.searchParams));
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.write('{"pod":"web-a","container":"app","time":"2026-11-23T10:00:01Z","line":"started"}\n{"pod":"web-b","cont');
    setTimeout(
      () =>
        res.end(
          'ainer":"app","time":"2026-11-23T10:00:02Z","line":"listening"}\n{"pod":"web-c","container":"app","error":"not found"}\n',
        ),
      20,
    );
    return;
  }
  if (url.pathname === "/v1/tenants/acme/apps/web/deployments") {
    const d = (id: string, outcome: string) => ({
      id,
      app: "web",
      namespace: "acme-dev",
      image: "nginx:1",
      outcome,
      requestedBy: null,
      createdAt: "",
      finishedAt: null,
    });
    return reply(
      res,
      200,
      {
        items: [
          d(DEPLOYMENT, "Available"),
          d("01JD000000000000000000000B", "Failed"),
          d("01JD000000000000000000000A", "Available"),
        ],
        nextCursor: null,
      },
      requestId,
    );
  }
  if (url.pathname === "/v1/whoami")
    return reply(
      res,
      200,
      {
        subject: "ci-bot",
        via: "token",
        platformAdmin: false,
        groups: [],
        token: { id: "01J", tenant: "acme", role: "developer" },
      },
      requestId,
    );
  if (url.pathname === "/v1/tenants/acme/apps" && !url.searchParams.get("cursor")) {
    return reply(res, 200, { items: [app("web", "True")], nextCursor: "page2" }, requestId);
  }
  if (url.pathname === "/v1/tenants/acme/apps")
    return reply(res, 200, { items: [app("worker", "False")], nextCursor: null }, requestId);
  if (req.method === "DELETE" && url.pathname === "/v1/tenants/acme/apps/web") {
    changes.push({ method: "DELETE", path: url.pathname, profile: url.searchParams.get("profile"), body: undefined });
    res.writeHead(204, { "x-request-id": requestId });
    res.end();
    return;
  }
  if (url.pathname === "/v1/tenants/acme/apps/web" && url.searchParams.get("profile") === "dev")
    return reply(res, 200, app("web", "True"), requestId);
  return reply(
    res,
    404,
    { status: 404, code: "NotFound", detail: `App "${url.pathname.split("/").pop()}" was not found.`, requestId },
    requestId,
  );
}

const app = (name: string, ready: string) => ({
  name,
  tenant: "acme",
  profile: "dev",
  namespace: "acme-dev",
  ready,
  reason: ready === "True" ? "Available" : "ProgressDeadlineExceeded",
  spec: { image: "nginx:1" },
  status: {
    url: `https://${name}-acme.apps.example.com`,
    deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
    conditions: [{ type: "Ready", status: ready }],
  },
});

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let home: string;
let env: Record<string, string>;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "loco-cli-"));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, "config"), XDG_STATE_HOME: join(home, "state") };
  seen.length = 0;
});

async function loco(argv: string[], stdin = "", cwd = home) {
  const io = testIo(stdin);
  const code = await runCli(argv, { io, env, cwd });
  return { code, out: io.out(), err: io.err() };
}

describe("login --token-stdin, contexts and whoami", () => {
  it("verifies the token, stores it 0600 in a 0700 dir and makes the context current", async () => {
    const login = await loco(["login", base, "--token-stdin", "-o", "json"], `${TOKEN}\n`);
    expect(login.code).toBe(0);
    const host = base.replace("http://", "");
    expect(JSON.parse(login.out)).toEqual({
      context: host,
      server: base,
      subject: "ci-bot",
      via: "token",
      tenant: "acme",
      role: "developer",
    });
    const dir = join(home, "config", "loco");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ["config.json", "credentials.json"]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "config.json"), "utf8")).not.toContain(TOKEN);

    const whoami = await loco(["whoami", "-o", "json"]);
    expect(JSON.parse(whoami.out)).toMatchObject({ context: host, subject: "ci-bot", token: { tenant: "acme" } });
    expect(seen.every((r) => r.requestId && r.requestId.length >= 16)).toBe(true);

    const contexts = await loco(["context", "ls", "-o", "json"]);
    expect(JSON.parse(contexts.out)).toEqual({
      current: host,
      contexts: [{ name: host, server: base, tenant: "acme", current: true, loggedIn: true }],
    });

    expect((await loco(["logout"])).code).toBe(0);
    const after = await loco(["whoami"]);
    expect(after.code).toBe(2);
    expect(after.err).toContain("Not logged in to");
  });

  it("refuses a token the API refuses, with exit 2 and the request id", async () => {
    const result = await loco(["login", base, "--token-stdin"], "loco_revoked\n");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^Error: +Could not log in to http:\/\/127\.0\.0\.1:\d+\nWhy: +The API token is revoked\.\nFix: +Log in again/,
    );
    expect(result.err).toContain(`Request id: ${seen.at(-1)!.requestId}`);
    expect(readdirSync(home)).not.toContain("config");
  });

  it("an expired browser login is an auth error (exit 2) that says to log in again, without calling the API", async () => {
    await loco(["login", base, "--token-stdin"], TOKEN);
    const file = join(home, "config", "loco", "credentials.json");
    const credentials = JSON.parse(readFileSync(file, "utf8"));
    for (const name of Object.keys(credentials)) {
      credentials[name] = { kind: "oidc", token: "expired-jwt", expiresAt: "2020-01-01T00:00:00.000Z" };
    }
    writeFileSync(file, JSON.stringify(credentials));
    seen.length = 0;
    const result = await loco(["whoami"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("has expired");
    expect(result.err).toContain("loco login");
    expect(seen).toEqual([]);
  });

  it("without --token-stdin, says when the server has no browser login and what to do instead", async () => {
    const result = await loco(["login", base]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("has no browser login");
    expect(result.err).toContain("--token-stdin");
  });

  it("refuses what is not an API token without calling the API", async () => {
    const result = await loco(["login", base, "--token-stdin"], "hunter2\n");
    expect(result.code).toBe(1);
    expect(seen).toEqual([]);
  });
});

describe("data commands", () => {
  beforeEach(async () => {
    await loco(["login", base, "--token-stdin"], TOKEN);
  });

  it("ls -o json follows every page and prints one document", async () => {
    const result = await loco(["ls", "-o", "json"]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.out);
    expect(document.items.map((a: { name: string }) => a.name)).toEqual(["web", "worker"]);
    expect(document.items[0]).toMatchObject({
      url: "https://web-acme.apps.example.com",
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
    });
  });

  it("ls prints a plain table when stdout is not a terminal", async () => {
    const result = await loco(["ls"]);
    expect(result.out).toBe(
      [
        "NAME    PROFILE  READY  REASON                    URL",
        "web     dev      True   Available                 https://web-acme.apps.example.com",
        "worker  dev      False  ProgressDeadlineExceeded  https://worker-acme.apps.example.com",
        "",
      ].join("\n"),
    );
  });

  it("status takes the app from loco.toml and the profile from its defaultProfile", async () => {
    writeFileSync(join(home, "loco.toml"), 'name = "web"\nimage = "nginx:1"\ndefaultProfile = "dev"\n');
    const result = await loco(["status", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ name: "web", ready: "True" });
  });

  it("status of a named app and profile does not read loco.toml (a broken one does not stop it)", async () => {
    writeFileSync(join(home, "loco.toml"), 'name = "web"\nimage = \n');
    const result = await loco(["status", "web", "--profile", "dev", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ name: "web", ready: "True" });
    expect((await loco(["status", "-o", "json"])).err).toContain("loco.toml is invalid");
  });

  it("status of an unknown app exits 3 and says what to do", async () => {
    const result = await loco(["status", "nope", "--profile", "dev"]);
    expect(result.code).toBe(3);
    expect(result.err).toContain("Could not get app nope (dev)");
    expect(result.err).toContain('App "nope" was not found.');
    expect(result.err).toContain("Fix:");
  });

  it("status without a profile anywhere is a usage error naming the fix", async () => {
    const result = await loco(["status", "web"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("Pass --profile <name>");
  });

  it("an unreachable server exits 6", async () => {
    env.LOCO_SERVER = "http://127.0.0.1:9";
    env.LOCO_TOKEN = TOKEN;
    const result = await loco(["ls", "-t", "acme"]);
    expect(result.code).toBe(6);
    expect(result.err).toContain("Could not reach the API");
  });

  it("--debug writes requests to a log file, prints its path, and never logs the token", async () => {
    const result = await loco(["ls", "-o", "json", "--debug"]);
    expect(result.code).toBe(0);
    JSON.parse(result.out);
    const path = /^Debug log: (.+)$/m.exec(result.err)![1]!;
    expect(path.startsWith(join(home, "state", "loco", "logs"))).toBe(true);
    const log = readFileSync(path, "utf8");
    expect(log).toMatch(
      /Received response method=GET url=http:\/\/127\.0\.0\.1:\d+\/v1\/tenants\/acme\/apps status=200 requestId=[\w-]+ ms=\d+/,
    );
    expect(log).not.toContain(TOKEN);
  });
});

describe("deploy", () => {
  beforeEach(async () => {
    await loco(["login", base, "--token-stdin"], TOKEN);
    writeFileSync(
      join(home, "loco.toml"),
      'name = "web"\nimage = "nginx:1"\ndefaultProfile = "dev"\n\n[profile.dev]\nreplicas = 1\n',
    );
    deployed.length = 0;
  });

  it("sends the profile's spec (with --image) and, with --wait, ends with the deployment id and URL", async () => {
    scenario = "ok";
    const result = await loco(["deploy", "--wait", "--image", "nginx:2"]);
    expect(result.code).toBe(0);
    expect(deployed).toEqual([{ profile: "dev", image: "nginx:2", replicas: 1, paused: false }]);
    const lines = result.out.trim().split("\n");
    expect(lines[0]).toBe(`Deploying web to dev (deployment ${DEPLOYMENT})`);
    expect(lines).toContain("condition Ready False — Progressing");
    expect(lines.at(-1)).toMatch(
      new RegExp(`^✓ Deployed web \\(dev\\) ${DEPLOYMENT} in \\d+s → https://web-acme\\.apps\\.example\\.com$`),
    );
  });

  it("-o json --wait prints ndjson ending with the result", async () => {
    scenario = "ok";
    const result = await loco(["deploy", "--wait", "-o", "json"]);
    const documents = result.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(documents.at(-1)).toMatchObject({
      type: "result",
      deploymentId: DEPLOYMENT,
      outcome: "Available",
      url: "https://web-acme.apps.example.com",
    });
    expect(documents.slice(0, -1).every((d) => d.type === "progress")).toBe(true);
  });

  it("a rollout that fails exits 4 with the reason", async () => {
    scenario = "fail";
    const result = await loco(["deploy", "--wait"]);
    expect(result.code).toBe(4);
    expect(result.out.trim().split("\n").at(-1)).toMatch(
      /failed after \d+s: ProgressDeadlineExceeded: 0 of 1 replicas ready$/,
    );
  });

  it("a rollout that outlasts --timeout exits 5", async () => {
    scenario = "hang";
    const result = await loco(["deploy", "--wait", "--timeout", "300ms"]);
    expect(result.code).toBe(5);
    expect(result.out).toContain("was not Ready within 0s; it may still finish");
  });

  it("without --wait prints the accepted deployment", async () => {
    const result = await loco(["deploy", "-o", "json"]);
    expect(JSON.parse(result.out)).toEqual({
      app: "web",
      tenant: "acme",
      profile: "dev",
      deploymentId: DEPLOYMENT,
      unchanged: false,
      overrides: [],
    });
  });

  it("refuses a loco.toml that is invalid for the profile before calling the API", async () => {
    writeFileSync(join(home, "loco.toml"), 'name = "web"\ndefaultProfile = "dev"\n');
    const result = await loco(["deploy"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("loco.toml: image: is required; set it at the top level or in [profile.dev]");
    expect(deployed).toEqual([]);
  });
});

describe("scale, env and rollback", () => {
  beforeEach(async () => {
    await loco(["login", base, "--token-stdin"], TOKEN);
    writeFileSync(join(home, "loco.toml"), 'name = "web"\nimage = "nginx:1"\ndefaultProfile = "dev"\n');
    changes.length = 0;
  });

  it("scale sends only the fields given, for loco.toml's app and profile", async () => {
    const result = await loco(["scale", "--replicas", "3"]);
    expect(result.code).toBe(0);
    expect(changes).toEqual([
      { method: "POST", path: "/v1/tenants/acme/apps/web/scale", profile: "dev", body: { replicas: 3 } },
    ]);
    expect(result.out).toBe("Scaled web (dev): 3 replicas.\n");
    expect((await loco(["scale"])).code).toBe(1);
  });

  it("env set --secret reads the value from stdin and never prints it", async () => {
    const result = await loco(["env", "set", "--secret", "DB_PASSWORD"], "s3cr3t\n");
    expect(result.code).toBe(0);
    expect(changes[0]).toMatchObject({ method: "PATCH", body: { set: { DB_PASSWORD: "s3cr3t" }, secret: true } });
    expect(result.out + result.err).not.toContain("s3cr3t");
    expect(result.out).toContain("DB_PASSWORD  (secret)");
  });

  it("env set --secret refuses a value on the command line and keeps it out of the debug log", async () => {
    const result = await loco(["env", "set", "--secret", "DB_PASSWORD=s3cr3t", "--debug"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("Refused to read the value of secret DB_PASSWORD from the command line");
    expect(result.err).toContain("--from-file");
    expect(changes).toEqual([]);
    const path = /^Debug log: (.+)$/m.exec(result.err)![1]!;
    const log = readFileSync(path, "utf8");
    expect(log).toContain("DB_PASSWORD=<redacted>");
    expect(log).not.toContain("s3cr3t");
  });

  it("env set --secret --from-file reads one value from a file without its final newline", async () => {
    writeFileSync(join(home, "pw.txt"), "fr0m-f1le\n");
    const result = await loco(["env", "set", "--secret", "DB_PASSWORD", "--from-file", "pw.txt"]);
    expect(result.code).toBe(0);
    expect(changes[0]).toMatchObject({ body: { set: { DB_PASSWORD: "fr0m-f1le" }, secret: true } });
    expect(result.out + result.err).not.toContain("fr0m-f1le");
    expect((await loco(["env", "set", "A=1", "--from-file", "pw.txt"])).code).toBe(1);
    expect((await loco(["env", "set", "--secret", "A", "B"], "x")).code).toBe(1);
  });

  it("env set NAME=value pairs, env unset names, env ls -o json", async () => {
    expect((await loco(["env", "set", "A=1", "B=x=y", "--app", "web", "-p", "dev"])).code).toBe(0);
    expect(changes[0]).toMatchObject({ body: { set: { A: "1", B: "x=y" }, secret: false } });
    expect((await loco(["env", "unset", "A", "B"])).code).toBe(0);
    expect(changes[1]).toMatchObject({ body: { unset: ["A", "B"] } });
    const ls = await loco(["env", "ls", "-o", "json"]);
    expect(JSON.parse(ls.out)).toEqual({
      env: [{ name: "LOG_LEVEL", value: "debug" }],
      secrets: [{ name: "DB_PASSWORD" }],
    });
    expect((await loco(["env", "set", "NOVALUE"])).code).toBe(1);
  });

  it("destroy needs --yes when it cannot ask, and then deletes", async () => {
    const refused = await loco(["destroy"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("Pass --yes.");
    expect(changes).toEqual([]);
    const result = await loco(["destroy", "--yes", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ app: "web", tenant: "acme", profile: "dev", deleted: true });
    expect(changes).toEqual([{ method: "DELETE", path: "/v1/tenants/acme/apps/web", profile: "dev", body: undefined }]);
  });

  it("rollback without an id returns to the newest Available deployment before the current one", async () => {
    const result = await loco(["rollback", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(changes).toEqual([
      {
        method: "POST",
        path: "/v1/tenants/acme/apps/web/rollback",
        profile: "dev",
        body: { deploymentId: "01JD000000000000000000000A" },
      },
    ]);
  });
});

describe("logs", () => {
  beforeEach(async () => {
    await loco(["login", base, "--token-stdin"], TOKEN);
    writeFileSync(join(home, "loco.toml"), 'name = "web"\nimage = "nginx:1"\ndefaultProfile = "dev"\n');
    logQueries.length = 0;
  });

  it("--tail 5 -o json prints the records as ndjson, split across chunks", async () => {
    const result = await loco(["logs", "--tail", "5", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(logQueries).toEqual([{ profile: "dev", follow: "false", format: "ndjson", tail: "5" }]);
    expect(
      result.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { pod: "web-a", container: "app", time: "2026-11-23T10:00:01Z", line: "started" },
      { pod: "web-b", container: "app", time: "2026-11-23T10:00:02Z", line: "listening" },
      { pod: "web-c", container: "app", error: "not found" },
    ]);
  });

  it("labels plain lines with pod/container, and --pod filters replicas", async () => {
    expect((await loco(["logs"])).out).toBe(
      "2026-11-23T10:00:01Z web-a/app | started\n2026-11-23T10:00:02Z web-b/app | listening\nweb-c/app | (log unavailable: not found)\n",
    );
    expect((await loco(["logs", "--pod", "web-b", "--since", "10m"])).out).toBe(
      "2026-11-23T10:00:02Z web-b/app | listening\n",
    );
    expect(logQueries[1]).toMatchObject({ since: "10m" });
    expect((await loco(["logs", "--since", "yesterday"])).code).toBe(1);
  });
});

describe("errors on a terminal", () => {
  it("are drawn as an error box on stderr, with the same exit code", async () => {
    const io = testIo("", true);
    const code = await runCli(["tokn"], { io, env, cwd: home });
    expect(code).toBe(1);
    const box = io.err();
    expect(box).toContain("╭");
    expect(box).toContain('Unknown command "tokn"');
    expect(box).toContain("Did you mean `loco token`?");
    expect(io.out()).toBe("");
  });
});

describe("init", () => {
  it("writes a full loco.toml that the shared schema accepts, and refuses to overwrite without --force", async () => {
    const first = await loco(["init", "--name", "shop-api", "--image", "nginx:1"]);
    expect(first.code).toBe(0);
    const text = readFileSync(join(home, "loco.toml"), "utf8");
    expect(text).toContain('name = "shop-api"');
    expect(text).toContain("[profile.prod]");
    const again = await loco(["init", "--minimal"]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("loco.toml already exists");
    expect(readFileSync(join(home, "loco.toml"), "utf8")).toBe(text);
    expect((await loco(["init", "--minimal", "--force", "--name", "web"])).code).toBe(0);
    expect(readFileSync(join(home, "loco.toml"), "utf8")).toMatch(
      /^#:schema .+\nname = "web"\nimage = ".+"\ndefaultProfile = "dev"\n$/,
    );
  });

  it("refuses a name the schema refuses", async () => {
    const result = await loco(["init", "--name", "Shop_API"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("loco.toml: name:");
  });
});
