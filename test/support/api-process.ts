// loco-api as its own process (api/main.ts, as it ships), for tests and benchmarks that kill, restart or load it from
// outside: its port stays the same across restarts, so clients reconnect to the same address. No vitest imports: the
// benchmarks use it too.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { TEST_KEK } from "./test-key-ring.ts";

const entrypoint = new URL("../../api/main.ts", import.meta.url).pathname;

export interface ApiProcess {
  url: string;
  port: number;
  /** The bootstrap token printed at the first start (platform admin), if one was minted. */
  bootstrap: string | undefined;
  child(): ChildProcess;
  /** Everything the process wrote (stdout and stderr, every start), capped at the last 2 MB. */
  output(): string;
  /** Stops it (SIGTERM: drains requests in flight; SIGKILL: at once) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and waits until /readyz answers 200. */
  start(): Promise<void>;
}

export async function spawnApi(options: {
  databaseUrl: string;
  kubeconfig: string;
  /** Extra flags; the rate limits are raised unless these set them. */
  args?: string[];
  logLevel?: string;
  /** LOCO_KEK of the process (default: the test key; "" for none). */
  kek?: string;
}): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const args = options.args ?? [];
  const limits = (flag: string, value: string) => (args.includes(flag) ? [] : [flag, value]);
  const launch = () => {
    const started = spawn(
      process.execPath,
      [
        entrypoint,
        "--address",
        `127.0.0.1:${port}`,
        "--database-url",
        options.databaseUrl,
        "--kubeconfig",
        options.kubeconfig,
        ...limits("--rate-limit-per-ip", "100000000"),
        ...limits("--rate-limit-per-token", "100000000"),
        ...args,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          LOCO_LOG_LEVEL: options.logLevel ?? "warn",
          LOCO_KEK: options.kek ?? TEST_KEK,
          LOCO_KEK_FILE: "",
        },
      },
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-2_000_000);
    };
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    exited = new Promise((resolve) => started.once("exit", () => resolve()));
    child = started;
  };
  // Generous: on a loaded machine (load average 25 on 2 cores) loading the sources alone takes tens of seconds.
  const ready = async () => {
    const deadline = Date.now() + 180_000;
    let last = "no answer";
    for (;;) {
      if (child?.exitCode !== null) throw new Error(`loco-api exited (${child?.exitCode}):\n${output.slice(-3000)}`);
      const status = await fetch(`${url}/readyz`)
        .then(async (r) => {
          last = `${r.status} ${await r.text()}`;
          return r.status;
        })
        .catch(() => 0);
      if (status === 200) return;
      if (Date.now() > deadline) {
        throw new Error(
          `loco-api was not ready within 180 s (/readyz: ${last.slice(0, 500)}):\n${output.slice(-3000)}`,
        );
      }
      await sleep(100);
    }
  };
  launch();
  await ready();
  return {
    url,
    port,
    bootstrap: /(loco_\S+)/.exec(output)?.[1],
    child: () => child!,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
    async start() {
      launch();
      await ready();
    },
  };
}
