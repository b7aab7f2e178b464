import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { pgliteKysely } from "./pglite-dialect.ts";
import type { Database } from "./schema.ts";

/**
 * Where loco keeps its state, as a URL:
 * - `postgres://user:pass@host:5432/db` (or `postgresql://`): a Postgres server, for production.
 * - `pglite:///absolute/path` or `pglite:relative/path`: embedded Postgres persisted in a folder (the local default).
 * - `pglite:memory`: embedded and in memory, gone when the process ends.
 */
export type DatabaseUrl = string;

export interface DatabaseHandle<DB = Database> {
  db: Kysely<DB>;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

export function describeDatabaseUrl(url: DatabaseUrl): { kind: "postgres" | "pglite"; location: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", location: url };
  if (url.startsWith("pglite:")) {
    const rest = url.slice("pglite:".length).replace(/^\/\//, "");
    if (rest === "")
      throw new DatabaseUrlError(
        "The database URL `pglite:` names no folder; use `pglite:memory` or `pglite:/path/to/dir`.",
      );
    return { kind: "pglite", location: rest === "memory" ? "memory://" : rest };
  }
  throw new DatabaseUrlError(
    `Unsupported database URL "${url.replace(/:[^:@/]*@/, ":***@")}": use postgres://… for a server or pglite:<folder> / pglite:memory for the embedded database.`,
  );
}

/**
 * Opens a Kysely handle over Postgres or embedded PGlite: the same SQL and migrations run on both. The handle is
 * typed with loco's schema, `Database` from db/schema.ts, which every store takes.
 */
export async function connectDatabase<DB = Database>(url: DatabaseUrl): Promise<DatabaseHandle<DB>> {
  const { kind, location } = describeDatabaseUrl(url);
  if (kind === "postgres") {
    const pool = new pg.Pool({ connectionString: location, max: 10 });
    // A connection lost with the server (restart, failover) is an 'error' event — on the pool for idle clients,
    // on the client itself for one in use; unheard, either would end the process. The query in flight still
    // fails (and is retried by its caller); the pool drops the broken client and opens a new one.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", () => {}));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind, close: () => db.destroy() };
  }
  // Loaded only here: a process on a Postgres server (the operator and API in a cluster) never needs its code.
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(location === "memory://" ? undefined : location);
  // One handle for the whole process (operator, mirror and API alike): it lends PGlite's single session to one
  // transaction or query at a time (db/pglite-dialect.ts), and closes the instance when destroyed.
  const db = pgliteKysely<DB>(pglite);
  return { db, kind, close: () => db.destroy() };
}
