// npm start (cluster:up) | cluster:down | cluster:status | cluster:reset — the local loco for development. Its state
// lives in .loco/cluster and survives cluster:down; cluster:reset is the one command that deletes it.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline/promises";
import { configureCli } from "../local/cli-context.ts";
import { readCliToken } from "../local/platform.ts";
import { type ControlPlaneState, readState, stopControlPlane } from "./control-plane.ts";
import {
  LOCAL_TENANT,
  LOCAL_USER,
  PLATFORM_KEYS,
  resetLocalLoco,
  reviveLocalLoco,
  startLocalLoco,
} from "./local-loco.ts";
import { processAlive } from "./processes.ts";
import { componentStatuses, formatStatuses, platformDirOf } from "./status.ts";
import { binaryPaths } from "./versions.ts";

const repoRoot = new URL("../..", import.meta.url).pathname;
const dir = process.env.LOCO_CLUSTER_DIR ?? join(repoRoot, ".loco", "cluster");
const say = (message: string) => process.stdout.write(`${message}\n`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

async function up(): Promise<void> {
  const databaseUrl = databaseUrlArgument();
  const existing = readState(dir);
  // The control plane still runs (a platform process may have died): start only what is down.
  if (existing && controlPlaneRunning(existing)) {
    const revived = await reviveLocalLoco(existing, platformDirOf(dir));
    say(
      revived.length > 0
        ? `The local control plane was running; restarted ${revived.join(" and ")} on the same state.`
        : "The local platform is already running.",
    );
    await printAddresses(existing, platformDirOf(dir));
    return;
  }
  const hadState = existsSync(join(dir, "etcd-data"));
  const loco = await startLocalLoco({
    dir,
    log: (m) => say(`  ${m}`),
    ...(databaseUrl ? { databaseUrl } : {}),
  }).catch((error: unknown) => {
    if (!hadState) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${reason}\nThe restart used the state kept in ${dirname(dir)}. If that state is damaged, ` +
        "`npm run cluster:reset` deletes it (and every object in it) so that `npm start` begins afresh.",
    );
  });
  const { state, platform } = loco;
  if (loco.restarted) say("  Updated loco's CRDs (Profiles, tenants and Apps are as you left them)");
  else if (platform.restored === 0)
    say("  Installed loco's CRDs, Gateway loco-system/public and Profiles dev and prod");
  if (platform.restored > 0) {
    say(
      `  The cluster had lost its objects (etcd's data is gone) but the database kept them: the resurrector restored ${plural(platform.restored, "object")}`,
    );
  }
  if (platform.seeded)
    say(
      `  Created tenant ${LOCAL_TENANT} (namespaces ${LOCAL_TENANT}-dev and ${LOCAL_TENANT}-prod), owned by ${LOCAL_USER}`,
    );
  say(
    `  Started the operator, the API and the resurrector on ${platform.database} (log: ${join(dir, "loco-platform.log")})`,
  );
  say(`  Started the local OpenID Provider (log: ${join(dir, "loco-oidc-provider.log")})`);
  say("");
  say(
    loco.restarted
      ? `loco restarted on its existing state (${plural(loco.locoObjects, "loco object")}) in ${state.startSeconds.toFixed(1)}s.`
      : `loco is running locally (control plane started in ${state.startSeconds.toFixed(1)}s).`,
  );
  say("");
  await printAddresses(state, loco.platformDir);
}

/** The control plane runs and the platform was launched on it (whether or not its processes still live). */
function controlPlaneRunning(state: ControlPlaneState): boolean {
  const platform: readonly string[] = PLATFORM_KEYS;
  return (
    PLATFORM_KEYS.every((key) => key in state.commands) &&
    Object.entries(state.pids).every(([key, pid]) => platform.includes(key) || processAlive(pid))
  );
}

/** `npm start -- --database-url postgres://…` (or LOCO_DATABASE_URL): a Postgres server instead of PGlite. */
function databaseUrlArgument(): string | undefined {
  const index = process.argv.indexOf("--database-url");
  const value = index > 0 ? process.argv[index + 1] : process.env.LOCO_DATABASE_URL;
  if (value !== undefined && !/^postgres(ql)?:\/\//.test(value)) {
    throw new Error(
      `--database-url must be a postgres:// URL (got "${value}"); without it the embedded database is used.`,
    );
  }
  return value;
}

/** What a user needs next: where things are, who they are, and commands that work as printed. */
async function printAddresses(state: ControlPlaneState, platformDir: string): Promise<void> {
  const api = `http://127.0.0.1:${state.ports.locoApi}`;
  const issuer = `http://127.0.0.1:${state.ports.locoOidc}`;
  say(`  API       ${api}   (OpenAPI: ${api}/openapi.json)`);
  say(
    `  Console   ${api}/tenants/${LOCAL_TENANT}   (sign in with OpenID Connect as "${LOCAL_USER}", or paste a token from \`npx loco token create\`; \`npx loco open console\` opens an App's page)`,
  );
  say(`  Login     ${issuer}   local OpenID Provider; user "${LOCAL_USER}", no password (loopback only)`);
  say(`  Cluster   export KUBECONFIG=${state.kubeconfig}   (kubectl: ${binaryPaths().kubectl})`);
  say("");
  await printCliSetup(platformDir, api);
}

async function printCliSetup(platformDir: string, api: string): Promise<void> {
  const handoff = readCliToken(platformDir);
  const setup = handoff ? await configureCli(handoff, process.env).catch(() => undefined) : undefined;
  if (setup?.outcome === "configured") {
    say(
      `The CLI is logged in to ${setup.context} with an owner token of tenant ${LOCAL_TENANT}${setup.current ? "" : ` (not the current context: \`npx loco context use ${setup.context}\`)`}.`,
    );
  } else if (setup?.outcome === "kept") {
    say(`The CLI keeps its login to ${setup.context}.`);
  } else {
    say(`Log the CLI in: npx loco login ${api}`);
  }
  say(`To log in as ${LOCAL_USER} through the browser instead: npx loco login ${api}`);
  say("");
  say("Next:");
  say("  npx loco whoami                                     # who the CLI is, in which tenant");
  say("  cd docs/examples && npx loco deploy --profile dev --wait   # the example loco.toml, deployed to acme-dev");
  say("  npx loco ls                                         # every App, per profile");
  say("  npm run cluster:status                              # every component with its PID and health");
  say("  npm run cluster:down                                # stop (npm start resumes with everything kept)");
  say("");
  say("Pods run on a simulated node (kwok): they become Ready, but nothing answers on their URLs.");
}

async function down(): Promise<void> {
  if (!readState(dir)) {
    say("No local control plane is running.");
    return;
  }
  await stopControlPlane(dir);
  say(`Stopped the local control plane; its state is kept in ${dir} (npm start resumes it, cluster:reset wipes it).`);
}

async function status(): Promise<void> {
  const state = readState(dir);
  if (!state) {
    const kept = existsSync(join(dir, "etcd-data"));
    say(
      kept
        ? `The local control plane is stopped; its state is kept in ${dir}. Start it again with \`npm start\`.`
        : "No local control plane is running. Start one with `npm start`.",
    );
    process.exitCode = 1;
    return;
  }
  say(`Kubeconfig: ${state.kubeconfig}`);
  const statuses = await componentStatuses(state);
  say(formatStatuses(statuses));
  const down = statuses.filter((s) => !s.healthy);
  if (down.length > 0) {
    say("");
    say(
      `Down: ${down.map((s) => `${s.name} (${s.health})`).join(", ")}. Its log is in ${dir}; ` +
        "`npm start` starts what is down again, on the same state.",
    );
    process.exitCode = 1;
  }
}

/** "yes" with --yes or a "y" typed on the terminal; "no terminal" when there is none to ask on. */
async function confirmReset(): Promise<"yes" | "no" | "no terminal"> {
  if (process.argv.includes("--yes")) return "yes";
  if (!process.stdin.isTTY || !process.stdout.isTTY) return "no terminal";
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(
    `Delete the local platform (${dir} and ${platformDirOf(dir)}), with every App, Pipeline, Run, Profile, tenant, token and log in it? [y/N] `,
  );
  prompt.close();
  return /^y(es)?$/i.test(answer.trim()) ? "yes" : "no";
}

async function reset(): Promise<void> {
  if (!existsSync(dir) && !existsSync(platformDirOf(dir))) {
    say(`Nothing to reset: neither ${dir} nor ${platformDirOf(dir)} exists.`);
    return;
  }
  const answer = await confirmReset();
  if (answer === "no terminal") {
    process.stderr.write(
      `Refused to delete ${dir} without confirmation: there is no terminal to ask on. Run \`npm run cluster:reset -- --yes\`.\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (answer === "no") {
    say("Kept the local platform; nothing was deleted.");
    process.exitCode = 1;
    return;
  }
  await resetLocalLoco(dir);
  say(
    `Stopped the local platform and deleted ${dir} and ${platformDirOf(dir)}. \`npm start\` creates a new, empty one.`,
  );
}

const commands: Record<string, () => Promise<void>> = { up, down, status, reset };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  process.stderr.write("Usage: cli.ts up|down|status|reset [--yes]\n");
  process.exit(64);
}
command().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
