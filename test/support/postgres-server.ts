import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { launchSupervised, stopProcessGroups } from "../../hack/control-plane/processes.ts";

/** A Postgres database for one test run: its URL and how to give it back. */
export interface TestDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A private server that a test may also take down and bring back (outage tests). */
export interface PrivatePostgres extends TestDatabase {
  halt(): Promise<void>;
  /** kill -9 of every server process at once (postmaster and backends): a crash, with no shutdown at all. */
  crash(): Promise<void>;
  resume(): Promise<void>;
}

export interface PrivateServerOptions {
  /**
   * Commits are acknowledged only once their WAL reached the operating system (synchronous_commit on), as on a real
   * server: for tests that kill the server and count what it acknowledged. fsync stays off, since the machine does
   * not crash, only the server's processes.
   */
  durableCommits?: boolean;
}

export function findPostgresBin(): string {
  const fromEnv = process.env.LOCO_POSTGRES_BIN;
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], "bin");
  throw new Error(
    "No PostgreSQL server found (looked in /usr/lib/postgresql/*/bin). Install it (`apt-get install postgresql`, " +
      "which `bash .ci/run` does for you), set LOCO_POSTGRES_BIN to its bin folder, or point " +
      "LOCO_TEST_DATABASE_URL at a server where the test user may create databases.",
  );
}

async function waitForConnection(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await sleep(100);
    }
  }
  throw new Error(`Postgres did not accept connections within ${timeoutMs / 1000}s: ${String(lastError)}`);
}

/** Creates database `name` on a running server; `stop()` drops it. */
export async function databaseOnServer(serverUrl: string, name: string): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Starts a private, throwaway Postgres server for this test run (initdb into `dir`, loopback only, no fsync),
 * owned by the test process so it cannot outlive it. Postgres refuses to run as root, so as root it runs as
 * the `postgres` user that Debian's package creates.
 */
export async function privateServer(ownerPid: number, options: PrivateServerOptions = {}): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const asPostgres = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  // A folder of its own directly under the temp dir: the postgres user must be able to reach it.
  const dir = mkdtempSync(join(tmpdir(), "loco-pg-"));
  const data = join(dir, "data");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const [initdb, initdbArgs] = asPostgres(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "loco",
    "--auth=trust",
    "--encoding=UTF8",
    "--no-sync",
  ]);
  execFileSync(initdb, initdbArgs, { stdio: ["ignore", "ignore", "pipe"] });
  const port = await freePort();
  const [postgres, postgresArgs] = asPostgres(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    // Durability is worthless for a throwaway test database; speed is not.
    "-c",
    "fsync=off",
    "-c",
    `synchronous_commit=${options.durableCommits ? "on" : "off"}`,
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ]);
  let pid = launchSupervised(dir, "postgres", ownerPid, postgres, postgresArgs);
  const serverUrl = `postgres://loco@127.0.0.1:${port}/postgres`;
  await waitForConnection(serverUrl, 30_000);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE loco_test");
  await admin.end();
  return {
    url: `postgres://loco@127.0.0.1:${port}/loco_test`,
    async halt() {
      await stopProcessGroups([pid], "SIGINT", 10_000);
    },
    async crash() {
      await crashServer(data, dir, pid);
    },
    async resume() {
      pid = launchSupervised(dir, "postgres", ownerPid, postgres, postgresArgs);
      await waitForConnection(serverUrl, 30_000).catch((error: unknown) => {
        const log = readFileSync(join(dir, "postgres.log"), "utf8").slice(-2000);
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nIts log ends:\n${log}`);
      });
    },
    // SIGINT is Postgres' "fast" shutdown: it does not wait for clients a failed test may have leaked.
    async stop() {
      await stopProcessGroups([pid], "SIGINT", 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a process still runs: a zombie (killed, not yet reaped by whoever adopted it) does not. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * kill -9 of the postmaster and every backend at once. Backends are not in the supervisor's process group (each
 * postmaster child starts a session of its own), so they are found as the postmaster's children. Once all are gone,
 * the lock files are removed as an administrator would after a crash: the postmaster, killed, may linger as a zombie
 * of whoever adopted it, and Postgres would take its PID for a running server and refuse to start. That holds for
 * the data folder's `postmaster.pid` and for the Unix socket's `.s.PGSQL.<port>.lock` in `socketDir` alike.
 */
async function crashServer(data: string, socketDir: string, supervisor: number): Promise<void> {
  const lock = join(data, "postmaster.pid");
  const postmaster = existsSync(lock) ? Number(readFileSync(lock, "utf8").split("\n")[0]) : 0;
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      /* already gone */
    }
  };
  // Frozen first, so that it starts no backend while they are being killed.
  if (postmaster > 0) signal(postmaster, "SIGSTOP");
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1]) === postmaster;
      } catch {
        return false;
      }
    });
  const victims = [...children, postmaster].filter((pid) => pid > 0);
  for (const pid of victims) signal(pid, "SIGKILL");
  await stopProcessGroups([supervisor], "SIGKILL", 10_000);
  const deadline = Date.now() + 10_000;
  while (victims.some(running)) {
    if (Date.now() > deadline)
      throw new Error(`Postgres processes ${victims.filter(running).join(", ")} outlived SIGKILL`);
    await sleep(20);
  }
  rmSync(lock, { force: true });
  for (const entry of readdirSync(socketDir))
    if (entry.startsWith(".s.PGSQL.")) rmSync(join(socketDir, entry), { force: true });
}

export function startTestDatabase(ownerPid: number): Promise<TestDatabase> {
  const existing = process.env.LOCO_TEST_DATABASE_URL;
  return existing
    ? databaseOnServer(existing, `loco_test_${process.pid}_${Date.now().toString(36)}`)
    : privateServer(ownerPid);
}
