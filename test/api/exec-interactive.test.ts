// `loco exec -i` / `-it`: a two-way session through the whole path — the CLI (in a real terminal: a tmux pane),
// the API's WebSocket, the apiserver's pods/exec with stdin and a TTY, and kwok's simulated node, which runs the
// command on this machine in a real pty (a ClusterExec for the test namespace, test/support/canned-exec.ts). What
// is typed reaches a real shell; its output, the terminal size and the exit code come back.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CHANNEL, frame, parseResult, TERMINAL_PROTOCOL, type TerminalResult } from "../../crds/terminal-protocol.ts";
import { POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type LocalExec, localExec } from "../support/canned-exec.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

const execFileAsync = promisify(execFile);

let world: ApiWorld;
let loco: Loco;
let home: string;
let exec: LocalExec;
let namespace: string;
let pod: string;
let secret: string;
let tokenId: string;

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home,
    cwd: home,
    env: { LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
    timeoutMs: 120_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
}

const sessionPath = (tenant: string, app: string, command: string[], tty = true) => {
  const query = new URLSearchParams({ profile: world.profile, tty: String(tty) });
  for (const word of command) query.append("command", word);
  return `/v1/tenants/${tenant}/apps/${app}/exec?${query}`;
};

/** A WebSocket to the API as the given token; rejects with the HTTP status when the upgrade is refused. */
function connect(path: string, token: string): Promise<WebSocket> {
  const url = `${world.api.url.replace(/^http/, "ws")}${path}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [TERMINAL_PROTOCOL], { headers: { authorization: `Bearer ${token}` } });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_request, response) => {
      reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode }));
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

/** Everything a session sends until it closes: its output and its result. */
function collect(socket: WebSocket) {
  let output = "";
  let result: TerminalResult | undefined;
  let seen: () => void = () => {};
  socket.on("message", (data) => {
    const message = data as Buffer;
    if (message[0] === CHANNEL.stdout || message[0] === CHANNEL.stderr) output += message.subarray(1).toString();
    else if (message[0] === CHANNEL.result) result = parseResult(message.subarray(1));
    seen();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    output: () => output,
    /** Resolves once the output holds `text`. */
    until: (text: RegExp, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No ${text} in the session's output:\n${output}`)), ms);
        seen = () => {
          if (text.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        seen();
      }),
    ended: async (ms = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`The session did not end within ${ms} ms:\n${output}`)), ms);
      });
      await Promise.race([closed, late]).finally(() => clearTimeout(timer));
      return result;
    },
  };
}

beforeAll(async () => {
  world = await startApiWorld("exi");
  namespace = `${world.tenants[0].name}-${world.profile}`;
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-exec-it-home-"));
  exec = await localExec({ namespace, env: { GREETING: "from-the-replica", PS1: "replica$ " } });
  pod = await eventually("a running replica of the App", async () => {
    const pods = await world.api.kube.list<KubeObject & { status?: { phase?: string } }>(POD, namespace, {
      labelSelector: `loco.dev/app=${world.tenants[0].app}`,
    });
    return pods.items.find((p) => p.status?.phase === "Running")?.metadata.name;
  });
  const developer = await world.token(world.tenants[0].members.developer);
  const minted = await world.api.call("POST", `/v1/tenants/${world.tenants[0].name}/tokens`, {
    token: developer,
    body: { name: "exec-it", role: "developer" },
  });
  const token = (await minted.json()) as { secret: string; token: { id: string } };
  secret = token.secret;
  tokenId = token.token.id;
  const login = await user(["login", world.api.url, "--token-stdin"], secret);
  expect(login.code, shown(login)).toBe(0);
}, 240_000);

afterAll(async () => {
  await exec?.remove();
  await world?.stop();
});

describe("the API's interactive exec (WebSocket)", () => {
  it("runs a real shell in a terminal: typed input, the terminal's size, its output and exit code", async () => {
    const socket = await connect(sessionPath(world.tenants[0].name, world.tenants[0].app, ["sh"]), secret);
    const session = collect(socket);
    socket.send(frame(CHANNEL.resize, JSON.stringify({ cols: 101, rows: 37 })));
    await session.until(/replica\$ /);
    // Exit only once the output has come: kwok's pty may send the exit status before it has copied the last output
    // of a command that ends at once (a test-bed race, not the relay's: the relay passes frames on in order).
    socket.send(frame(CHANNEL.stdin, 'stty size; printf "%s\\n" "$GREETING"\n'));
    await session.until(/(^|\n)from-the-replica\r?\n/);
    socket.send(frame(CHANNEL.stdin, "exit 3\n"));
    const result = await session.ended();
    expect(result).toEqual({ exitCode: 3, pod, message: "command terminated with exit status 3" });
    // The pty's own size (the resize reached it) and the command's output, after the echo of the typed line.
    expect(session.output()).toMatch(/(^|\n)37 101\r?\n/);
    expect(session.output()).toMatch(/(^|\n)from-the-replica\r?\n/);
  });

  // kwok copies stdin into the command without ever closing it, so the command reads lines, not end-of-file: the
  // "stdin closed" message goes through the API to the apiserver, but the test bed cannot show the command seeing it.
  it("without a TTY, hands input over as it comes and keeps stdout and stderr apart", async () => {
    const socket = await connect(
      sessionPath(
        world.tenants[0].name,
        world.tenants[0].app,
        ["sh", "-c", 'read first; read second; echo "$first $second" | tr a-z A-Z; echo done >&2; exit 4'],
        false,
      ),
      secret,
    );
    const session = collect(socket);
    socket.send(frame(CHANNEL.stdin, "hello\n"));
    socket.send(frame(CHANNEL.stdin, "there\n"));
    socket.send(frame(CHANNEL.close, Buffer.from([CHANNEL.stdin])));
    const result = await session.ended();
    expect(result?.exitCode).toBe(4);
    expect(session.output()).toContain("HELLO THERE\n");
    expect(session.output()).toContain("done\n");
  });

  it("refuses another tenant's member (404, like a missing App) and a viewer (403), running nothing", async () => {
    const path = sessionPath(world.tenants[0].name, world.tenants[0].app, ["sh", "-c", "touch intruded"]);
    const foreign = await connect(path, await world.token(world.tenants[1].members.owner)).catch((e: unknown) => e);
    expect((foreign as { status?: number }).status).toBe(404);
    const missing = await connect(
      sessionPath(world.tenants[0].name, "never-there", ["true"]),
      await world.token(world.tenants[1].members.owner),
    ).catch((e: unknown) => e);
    expect((missing as { status?: number }).status).toBe(404);
    const viewer = await connect(path, await world.token(world.tenants[0].members.viewer)).catch((e: unknown) => e);
    expect((viewer as { status?: number }).status).toBe(403);
    expect(existsSync(join(exec.workDir, "intruded"))).toBe(false);
  });

  it("answers a plain GET (no upgrade) 400, saying how to open the session", async () => {
    const response = await world.api.call("GET", sessionPath(world.tenants[0].name, world.tenants[0].app, ["sh"]), {
      token: secret,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Upgrade: websocket");
  });

  it("is audited with who, the pod and the program, never the arguments or keystrokes", async () => {
    const socket = await connect(
      sessionPath(world.tenants[0].name, world.tenants[0].app, ["sh", "-s", "argument-secret"]),
      secret,
    );
    const session = collect(socket);
    socket.send(frame(CHANNEL.stdin, "echo keystroke-secret; exit 0\n"));
    expect((await session.ended())?.exitCode).toBe(0);
    const audit = await world.api.call("GET", `/v1/tenants/${world.tenants[0].name}/audit?limit=200`, {
      token: await world.token(world.tenants[0].members.owner),
    });
    const text = await audit.text();
    expect(audit.status, text).toBe(200);
    const items = (
      JSON.parse(text) as {
        items: { action: string; actor: string; target: string; outcome: string; details: Record<string, unknown> }[];
      }
    ).items;
    const sessions = items.filter((i) => i.action === "apps.exec" && i.details.interactive === true);
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    expect(sessions[0]).toMatchObject({
      target: `${namespace}/${world.tenants[0].app}`,
      outcome: "succeeded",
      details: { pod, program: "sh", interactive: true, tty: true },
    });
    expect(sessions[0]!.actor).toContain(`token:${tokenId}`);
    expect(text).not.toContain("argument-secret");
    expect(text).not.toContain("keystroke-secret");
  });
});

describe("loco exec -i / -it", () => {
  it("-i feeds piped stdin to the command (read a line at a time: see above) and exits with its code", async () => {
    const result = await user(
      ["exec", "-i", world.tenants[0].app, "--", "sh", "-c", 'read words; echo "$words" | tr a-z A-Z; exit 5'],
      "piped words\n",
    );
    expect(result.code, shown(result)).toBe(5);
    expect(result.stdout).toBe("PIPED WORDS\n");
  });

  it("refuses --tty when stdin is not a terminal, saying what to do instead", async () => {
    const result = await user(["exec", "-it", world.tenants[0].app, "--", "sh"], "echo no\n");
    expect(result.code, shown(result)).toBe(1);
    expect(result.stderr).toContain("loco exec --tty (-it) needs a terminal");
    expect(result.stderr).toContain("use -i without --tty");
  });

  it("runs a shell in a real terminal (tmux), exits with its code and puts the terminal back", async () => {
    const socket = `loco-exec-it-${process.pid}`;
    const tmux = (...args: string[]) => execFileAsync("tmux", ["-L", socket, ...args], { timeout: 10_000 });
    const capture = async () => (await tmux("capture-pane", "-p", "-t", "it")).stdout;
    // A pane that is not there yet (tmux still starting on a loaded machine) is no text yet, not a failure.
    const captureOrNothing = () => capture().catch(() => "");
    const until = async (what: RegExp) => {
      const started = Date.now();
      while (!what.test(await captureOrNothing())) {
        if (Date.now() - started > 30_000) throw new Error(`No ${what} in the pane:\n${await capture()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const dir = mkdtempSync(join(tmpdir(), "loco-exec-it-tty-"));
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      TERM: "xterm",
      LANG: "C.UTF-8",
      LOCO_TENANT: world.tenants[0].name,
      LOCO_PROFILE: world.profile,
      PS1: "local$ ",
    };
    await tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      "it",
      "-x",
      "120",
      "-y",
      "30",
      "-c",
      dir,
      `env -i ${Object.entries(env)
        .map(([k, v]) => `${k}='${v}'`)
        .join(" ")} sh`,
    );
    try {
      await until(/local\$/);
      await tmux(
        "send-keys",
        "-t",
        "it",
        `stty -g > before; ${process.execPath} ${loco.main} exec -it ${world.tenants[0].app} -- sh; echo "code=$?"; stty -g > after`,
        "Enter",
      );
      await until(/replica\$/);
      await tmux("send-keys", "-t", "it", "stty size; echo hi-from-$GREETING", "Enter");
      await until(/^hi-from-from-the-replica$/m);
      await tmux("send-keys", "-t", "it", "exit 3", "Enter");
      await until(/code=\d+/);
      const pane = await capture();
      const size = (await tmux("display-message", "-p", "-t", "it", "#{pane_height} #{pane_width}")).stdout.trim();
      expect(pane).toContain(`\n${size}\n`);
      expect(pane).toMatch(/^hi-from-from-the-replica$/m);
      // The exit code, on a line of its own or after the replica's prompt: the remote terminal's echo of the typed
      // `exit 3` is sometimes not in the pane (seen once in CI: "replica$ code=3"). What the pane shows of it depends
      // on whether the simulated pod's terminal was read after its shell exited, which this test does not decide.
      expect(pane, pane).toMatch(/^(replica\$ )?code=3$/m);
      await eventually("the terminal's settings after loco", async () =>
        existsSync(join(dir, "after")) ? true : undefined,
      );
      expect(readFileSync(join(dir, "after"), "utf8")).toBe(readFileSync(join(dir, "before"), "utf8"));
    } finally {
      await tmux("kill-server").catch(() => {});
    }
  });
});
