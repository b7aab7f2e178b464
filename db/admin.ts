#!/usr/bin/env node
// loco-db: maintenance of loco's database — migrations, re-wrapping secret values under a new key, revoking
// the bootstrap token when the API cannot be reached, and pruning old history.
import { parseArgs } from "node:util";
import { revokeBootstrapTokens } from "./bootstrap-token.ts";
import { connectDatabase } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { rotateWebhookSecrets, webhookKeyUsage } from "./notifications/webhook-store.ts";
import { DEFAULT_BATCH_SIZE, parseRetention, prune } from "./prune.ts";
import { loadKeyRing, SecretCryptoError } from "./secret-crypto.ts";
import { SecretStore } from "./secret-store.ts";
import { StorageError } from "./storage-error.ts";

const usage = `Usage: loco-db <command> [--database-url URL]

Commands:
  migrate           apply the database migrations that have not run yet (the operator also does this at start)
  rotate-keys       re-wrap every secret value's and webhook signing secret's data key under the active
                    key-encryption key
  revoke-bootstrap  revoke loco-api's first-start bootstrap token (works with the API down; audited)
  prune --older-than 30d [--batch-size 1000]
                    delete task logs, Runs gone from the cluster, their timeline events and soft-deleted mirror
                    rows older than that (m, h or d; at least 1h), in batches of one short transaction each

The database URL comes from --database-url or LOCO_DATABASE_URL (postgres://… or pglite:<folder>).
Keys come from LOCO_KEK_FILE or LOCO_KEK: "<id>:<base64 32 bytes>" entries, the first is active. To rotate:
put the new key first and keep the old ones after it, run rotate-keys, restart the operator and the API with
the same list; once rotate-keys reports that no row uses an old key, remove the old keys.

Exit codes: 0 done, 2 usage, 5 database or key problem.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      "database-url": { type: "string" },
      "older-than": { type: "string" },
      "batch-size": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const command = positionals[0];
  const url = values["database-url"] ?? process.env.LOCO_DATABASE_URL;
  if (
    positionals.length !== 1 ||
    !["migrate", "rotate-keys", "revoke-bootstrap", "prune"].includes(command ?? "") ||
    !url
  ) {
    process.stderr.write(
      `${!url ? "No database: pass --database-url or set LOCO_DATABASE_URL.\n" : `Unknown or missing command: ${positionals.join(" ") || "(none)"}.\n`}\n${usage}`,
    );
    return 2;
  }
  const retention = command === "prune" ? pruneOptions(values) : undefined;
  if (typeof retention === "string") {
    process.stderr.write(`${retention}\n\n${usage}`);
    return 2;
  }
  const database = await connectDatabase(url);
  try {
    await migrateToLatest(database.db);
    if (command === "migrate") {
      process.stdout.write("The database is migrated.\n");
      return 0;
    }
    if (command === "revoke-bootstrap") return await revokeBootstrap(database.db);
    if (retention) return await pruneHistory(database.db, retention);
    const ring = loadKeyRing(process.env);
    const started = performance.now();
    const rewrapped =
      (await new SecretStore(database.db, ring).rotate()) + (await rotateWebhookSecrets(database.db, ring));
    const byKey = await new SecretStore(database.db, ring).keyUsage();
    for (const [id, n] of Object.entries(await webhookKeyUsage(database.db))) byKey[id] = (byKey[id] ?? 0) + n;
    process.stdout.write(
      `Re-wrapped ${rewrapped} secret values and webhook secrets under key "${ring.activeId}" in ${((performance.now() - started) / 1000).toFixed(1)}s.\n` +
        `Rows per key: ${
          Object.entries(byKey)
            .map(([id, n]) => `${id}=${n}`)
            .join(", ") || "none"
        }.\n` +
        (Object.keys(byKey).every((id) => id === ring.activeId)
          ? "No row uses an older key: the older keys can be retired.\n"
          : "Some rows still use older keys (written concurrently?): run rotate-keys again.\n"),
    );
    return 0;
  } finally {
    await database.close();
  }
}

/** The prune flags, checked before connecting; a string is what is wrong with them. */
function pruneOptions(values: {
  "older-than"?: string;
  "batch-size"?: string;
}): { ms: number; batch: number } | string {
  const text = values["older-than"];
  const ms = text === undefined ? undefined : parseRetention(text);
  if (ms === undefined || ms < 3_600_000) {
    return `--older-than ${text ?? "(missing)"} is not a retention of at least an hour: write it like 30d, 72h or 90m.`;
  }
  const batch = values["batch-size"] === undefined ? DEFAULT_BATCH_SIZE : Number(values["batch-size"]);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) {
    return `--batch-size ${values["batch-size"]} is not a whole number from 1 to 100000.`;
  }
  return { ms, batch };
}

async function pruneHistory(db: Parameters<typeof prune>[0], options: { ms: number; batch: number }): Promise<number> {
  const cutoff = new Date(Date.now() - options.ms);
  const started = performance.now();
  const report = await prune(db, { cutoff, batchSize: options.batch });
  process.stdout.write(
    `Pruned history older than ${cutoff.toISOString()} in ${report.batches} batches of at most ${options.batch} rows (${((performance.now() - started) / 1000).toFixed(1)}s): ` +
      `${report.taskLogs} task logs, ${report.runEvents} Run timeline events, ${report.runs} Runs gone from the cluster, ${report.deletedRows} other deleted mirror rows.\n`,
  );
  return 0;
}

async function revokeBootstrap(db: Parameters<typeof revokeBootstrapTokens>[0]): Promise<number> {
  const revoked = await revokeBootstrapTokens(db, {
    actor: "loco-db",
    reason: "Revoked with loco-db revoke-bootstrap.",
    requestId: null,
  });
  process.stdout.write(
    revoked.length > 0
      ? `Revoked the bootstrap token ${revoked.join(", ")}: requests with it now answer 401.\n` +
          "loco-api mints a new one at its next start only while there is no tenant and no platform admin is configured (--no-bootstrap prevents that).\n"
      : "There was no live bootstrap token: it was already revoked, has expired or was never minted. Nothing changed.\n",
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const known = error instanceof StorageError || error instanceof SecretCryptoError;
    process.stderr.write(`loco-db failed: ${message}\n`);
    process.exit(known ? 5 : 1);
  },
);
