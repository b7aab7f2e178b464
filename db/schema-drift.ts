// Compares db/schema.ts with the schema the migrations really leave, read from information_schema. Used by the
// tests on PGlite (db/schema.test.ts) and PostgreSQL (test/db/schema.test.ts); not by the running processes.
import { type Kysely, sql } from "kysely";
import { type Database, SCHEMA_COLUMNS } from "./schema.ts";

/** Table → column → description in the grammar of SCHEMA_COLUMNS ("text null", "bigint identity", …). */
export type ColumnDescriptions = Record<string, Record<string, string>>;

/** information_schema's data_type, in the spelling the migrations (and SCHEMA_COLUMNS) use. */
const SQL_TYPE_NAMES: Readonly<Record<string, string>> = {
  "timestamp with time zone": "timestamptz",
};

/** Kysely's own bookkeeping, not loco's schema. */
const MIGRATOR_TABLES = ["kysely_migration", "kysely_migration_lock"];

/** Every column of every table in the connection's schema, as the migrations left it. */
export async function migratedColumns(db: Kysely<Database>): Promise<ColumnDescriptions> {
  const { rows } = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: "YES" | "NO";
    column_default: string | null;
    is_identity: "YES" | "NO";
    identity_generation: "ALWAYS" | "BY DEFAULT" | null;
    is_generated: "ALWAYS" | "NEVER";
  }>`
    SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation,
      is_generated
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name NOT IN (${sql.join(MIGRATOR_TABLES)})
    ORDER BY table_name, ordinal_position`.execute(db);
  const tables: ColumnDescriptions = {};
  for (const row of rows) {
    const type = SQL_TYPE_NAMES[row.data_type] ?? row.data_type;
    const nullable = row.is_nullable === "YES" ? " null" : "";
    const generated =
      row.is_identity === "YES" && row.identity_generation === "ALWAYS"
        ? " identity"
        : row.is_generated === "ALWAYS"
          ? " generated"
          : row.column_default !== null || row.is_identity === "YES"
            ? " default"
            : "";
    tables[row.table_name] ??= {};
    tables[row.table_name]![row.column_name] = `${type}${nullable}${generated}`;
  }
  return tables;
}

/** One sentence per difference between the migrated schema and the declared one; empty when they agree. */
export function schemaDrift(migrated: ColumnDescriptions, declared: ColumnDescriptions = SCHEMA_COLUMNS): string[] {
  const drift: string[] = [];
  const tables = [...new Set([...Object.keys(migrated), ...Object.keys(declared)])].sort();
  for (const table of tables) {
    const actual = migrated[table];
    const expected = declared[table];
    if (!actual) {
      drift.push(`Table ${table} is in db/schema.ts but the migrations create no such table.`);
      continue;
    }
    if (!expected) {
      drift.push(`Table ${table} is created by the migrations but missing from db/schema.ts.`);
      continue;
    }
    for (const column of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      const is = actual[column];
      const says = expected[column];
      if (is === says) continue;
      if (is === undefined) drift.push(`${table}.${column} is in db/schema.ts ("${says}") but not in the migrations.`);
      else if (says === undefined) drift.push(`${table}.${column} ("${is}") is missing from db/schema.ts.`);
      else drift.push(`${table}.${column} is "${is}" after the migrations but "${says}" in db/schema.ts.`);
    }
  }
  return drift;
}

/** What a failing comparison tells the developer to do. */
export const SCHEMA_DRIFT_ADVICE =
  "db/schema.ts is out of step with db/migrations/: update the table interface and SCHEMA_COLUMNS in db/schema.ts " +
  "to match what the migrations create";
