// The one typed schema of loco's database: a Kysely `Database` with a table interface per table that the
// migrations in db/migrations/ create. Every store and process types its handle as `Kysely<Database>`.
//
// Kept in step with the migrations twice over: `SCHEMA_COLUMNS` below states each column as the migrated schema
// reports it (type, nullability, default), the tests in db/schema.test.ts (PGlite) and test/db/schema.test.ts
// (PostgreSQL) compare it with information_schema after migrating, and the type-level check at the end of this
// file fails `tsc` when an interface disagrees with `SCHEMA_COLUMNS`. A migration that adds, renames or drops a
// column, or changes its type, nullability or default, updates both here.
//
// Column types are what the drivers really return, on `pg` (production) and on PGlite (the embedded default):
// - timestamptz: a Date on both; inserts take a Date or an ISO string.
// - bigint: a string on `pg`, a number on PGlite (a bigint beyond 2^53), so selects say all three; the stores
//   read such columns as `::text` or convert with Number().
// - bytea: a Buffer on `pg`, a plain Uint8Array on PGlite.
// - jsonb: parsed on both; written as JSON text (`JSON.stringify(...)::jsonb`), since `pg` would turn a JS array
//   into a Postgres array literal.
import type { ColumnType, GeneratedAlways, InsertType, Selectable, SelectType } from "kysely";
import type { ReleaseSource } from "./release-source.ts";

/** timestamptz. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** bigint (int8): its JS type differs between the drivers (see above). */
export type Int8 = ColumnType<string | number | bigint, string | number, string | number>;
/** jsonb holding a `T`, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;
/** bytea. */
export type Bytes = Uint8Array;

/** A column with a default: optional in inserts. */
export type WithDefault<C> = ColumnType<SelectType<C>, InsertType<C> | undefined, InsertType<C>>;
/** A nullable column: null when selected, optional (or null) in inserts. */
export type Nullable<C> = ColumnType<SelectType<C> | null, InsertType<C> | null, InsertType<C> | null>;

/** Roles a tenant member may hold (members.role CHECK). */
export type MemberRole = "owner" | "admin" | "developer" | "viewer";
/** What an API token may be scoped to (api_tokens.role CHECK). */
export type TokenRole = MemberRole | "platform-admin";
/** deployments.outcome CHECK; null in old rows reads as Progressing. */
export type DeploymentRowOutcome = "Progressing" | "Available" | "Failed" | "Superseded";

/** One captured line in task_logs.lines (time is RFC 3339 with nine fractional digits, UTC). */
export interface StoredLogLine {
  time: string;
  stream: "stdout" | "stderr";
  line: string;
}

export interface TenantsTable {
  name: string;
  display_name: WithDefault<string>;
  created_at: WithDefault<Timestamp>;
  deleted_at: Nullable<Timestamp>;
}

export interface MembersTable {
  tenant: string;
  subject: string;
  role: MemberRole;
  created_at: WithDefault<Timestamp>;
}

export interface ApiTokensTable {
  id: string;
  /** Null for platform tokens. */
  tenant: string | null;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  hash: Bytes;
  role: TokenRole;
  created_by: string;
  created_at: WithDefault<Timestamp>;
  expires_at: Nullable<Timestamp>;
  last_used_at: Nullable<Timestamp>;
  revoked_at: Nullable<Timestamp>;
  bound_to_membership: WithDefault<boolean>;
  replaced_by: string | null;
  /** Who last rotated the token (migration 0006). */
  rotated_by: string | null;
  /** Whether the token also needs rotated_by's membership in its tenant. */
  rotated_by_bound: WithDefault<boolean>;
}

export interface ResourcesTable {
  uid: string;
  api_version: WithDefault<string>;
  kind: string;
  /** Empty for cluster-scoped objects. */
  namespace: WithDefault<string>;
  name: string;
  tenant: string | null;
  generation: WithDefault<Int8>;
  resource_version: string;
  labels: WithDefault<Json<Record<string, string>>>;
  annotations: WithDefault<Json<Record<string, string>>>;
  spec: Nullable<Json<unknown>>;
  status: Nullable<Json<unknown>>;
  created_at: Timestamp;
  updated_at: WithDefault<Timestamp>;
  deleted_at: Nullable<Timestamp>;
  /** The cluster (its kube-system namespace uid) the row was mirrored from. */
  cluster_uid: string | null;
}

export interface DeploymentsTable {
  id: string;
  tenant: string | null;
  namespace: string;
  app: string;
  app_uid: string;
  image: string;
  spec_hash: string;
  requested_by: string | null;
  created_at: Timestamp;
  outcome: DeploymentRowOutcome | null;
  finished_at: Nullable<Timestamp>;
}

export interface EventsTable {
  id: GeneratedAlways<SelectType<Int8>>;
  tenant: string | null;
  namespace: WithDefault<string>;
  kind: string;
  name: string;
  type: string;
  reason: string;
  message: WithDefault<string>;
  actor: string | null;
  occurred_at: Timestamp;
  /** Names the fact recorded, so that replaying it adds nothing (unique). */
  source_key: string | null;
}

export interface SecretVersionsTable {
  id: GeneratedAlways<SelectType<Int8>>;
  tenant: string;
  namespace: string;
  app: string;
  key: string;
  version: number;
  ciphertext: Bytes;
  wrapped_key: Bytes;
  key_id: string;
  created_by: string | null;
  created_at: WithDefault<Timestamp>;
  deleted_at: Nullable<Timestamp>;
  /** The id the API gave the value (migration 0007); null for older values and ones written outside loco. */
  version_id: string | null;
}

/** releases.kind CHECK: the change that made the release. */
export type ReleaseKind = "deploy" | "apply" | "env" | "secrets" | "scale" | "rollback" | "promote";

/** What a release changed: names and version ids only, never a secret value. */
export interface ReleaseChanges {
  image?: { before: string | null; after: string };
  env?: { added: string[]; removed: string[]; changed: string[] };
  secrets?: { added: string[]; removed: string[]; changed: string[] };
  replicas?: { before: number | null; after: number | null };
  /** Other spec fields that changed, as paths (spec.resources.cpu). */
  fields?: string[];
}

export interface ReleasesTable {
  tenant: string;
  namespace: string;
  app: string;
  number: number;
  kind: ReleaseKind;
  actor: string;
  created_at: WithDefault<Timestamp>;
  changes: WithDefault<Json<ReleaseChanges>>;
  /** The whole App spec the release resulted in. */
  spec: Json<Record<string, unknown>>;
  /** Secret key → version id of its value in this release (null: a value without a known id). */
  secrets: WithDefault<Json<Record<string, string | null>>>;
  deployment_id: string | null;
  rollback_of: number | null;
  /** The Git commit the release came from (migration 0009): set for changes synced from Git, else null. */
  git_revision: string | null;
  /** Where it came from, as data (migration 0012, db/release-source.ts). */
  source: Json<ReleaseSource>;
}

export interface AuditLogTable {
  id: GeneratedAlways<SelectType<Int8>>;
  tenant: string | null;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  request_id: string | null;
  details: WithDefault<Json<Record<string, unknown>>>;
  occurred_at: WithDefault<Timestamp>;
}

export interface DeploymentRequestsTable {
  id: string;
  tenant: string;
  namespace: string;
  app: string;
  /** The App spec the deployment applied. */
  spec: Json<Record<string, unknown>>;
  requested_by: string;
  rollback_of: string | null;
  created_at: WithDefault<Timestamp>;
}

export interface TaskLogsTable {
  run_uid: string;
  task: string;
  attempt: number;
  namespace: string;
  run: string;
  pod: WithDefault<string>;
  captured_at: Timestamp;
  truncated: WithDefault<boolean>;
  error: string | null;
  line_count: number;
  lines: Json<StoredLogLine[]>;
}

/** webhooks.format CHECK: loco's own JSON, or a Slack-compatible message. */
export type WebhookFormat = "loco" | "slack";
/** webhook_deliveries.state CHECK. */
export type DeliveryState = "pending" | "delivered" | "failed";

export interface WebhooksTable {
  id: string;
  tenant: string;
  url: string;
  format: WebhookFormat;
  /** Notification types it subscribes to (api/notifications/notification-types.ts). */
  events: Json<string[]>;
  description: WithDefault<string>;
  /**
   * The signing secret, sealed (db/secret-crypto.ts; kept because every delivery is signed with it, shown to people
   * once). NULL once the webhook is removed.
   */
  secret_ciphertext: Bytes | null;
  secret_wrapped_key: Bytes | null;
  secret_key_id: string | null;
  created_by: string;
  created_at: WithDefault<Timestamp>;
  /** A worker holds the webhook while it sends one delivery (migration 0014). */
  lease_until: Nullable<Timestamp>;
  lease_holder: string | null;
  /** Removed (its secret blanked); the row goes with the delivery log's retention. */
  deleted_at: Nullable<Timestamp>;
}

export interface WebhookDeliveriesTable {
  id: GeneratedAlways<SelectType<Int8>>;
  webhook_id: string;
  tenant: string;
  /** The timeline event's source key (or a test delivery's id): unique per webhook. */
  event_key: string;
  event_type: string;
  payload: Json<Record<string, unknown>>;
  state: WithDefault<DeliveryState>;
  attempts: WithDefault<number>;
  next_attempt_at: WithDefault<Timestamp>;
  last_error: string | null;
  response_code: number | null;
  created_at: WithDefault<Timestamp>;
  finished_at: Nullable<Timestamp>;
}

export interface Database {
  tenants: TenantsTable;
  members: MembersTable;
  api_tokens: ApiTokensTable;
  resources: ResourcesTable;
  deployments: DeploymentsTable;
  events: EventsTable;
  secret_versions: SecretVersionsTable;
  audit_log: AuditLogTable;
  deployment_requests: DeploymentRequestsTable;
  task_logs: TaskLogsTable;
  releases: ReleasesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** A row of table `T` as a query returns it. */
export type Row<T extends keyof Database> = Selectable<Database[T]>;

/** The SQL types loco's migrations use, as information_schema spells them for the comparison in the tests. */
export type SqlType = "text" | "uuid" | "integer" | "bigint" | "boolean" | "timestamptz" | "jsonb" | "bytea";

/**
 * A column as the migrated schema reports it: its type, then ` null` when it is nullable, then ` default` when
 * it has a default or ` identity` when it is GENERATED ALWAYS AS IDENTITY.
 */
export type ColumnDescription = `${SqlType}${"" | " null"}${"" | " default" | " identity"}`;

/** Every column of every table, as the migrations leave them (the Kysely tables above must agree). */
export const SCHEMA_COLUMNS = {
  tenants: {
    name: "text",
    display_name: "text default",
    created_at: "timestamptz default",
    deleted_at: "timestamptz null",
  },
  members: {
    tenant: "text",
    subject: "text",
    role: "text",
    created_at: "timestamptz default",
  },
  api_tokens: {
    id: "text",
    tenant: "text null",
    name: "text",
    hash: "bytea",
    role: "text",
    created_by: "text",
    created_at: "timestamptz default",
    expires_at: "timestamptz null",
    last_used_at: "timestamptz null",
    revoked_at: "timestamptz null",
    bound_to_membership: "boolean default",
    replaced_by: "text null",
    rotated_by: "text null",
    rotated_by_bound: "boolean default",
  },
  resources: {
    uid: "uuid",
    api_version: "text default",
    kind: "text",
    namespace: "text default",
    name: "text",
    tenant: "text null",
    generation: "bigint default",
    resource_version: "text",
    labels: "jsonb default",
    annotations: "jsonb default",
    spec: "jsonb null",
    status: "jsonb null",
    created_at: "timestamptz",
    updated_at: "timestamptz default",
    deleted_at: "timestamptz null",
    cluster_uid: "text null",
  },
  deployments: {
    id: "text",
    tenant: "text null",
    namespace: "text",
    app: "text",
    app_uid: "uuid",
    image: "text",
    spec_hash: "text",
    requested_by: "text null",
    created_at: "timestamptz",
    outcome: "text null",
    finished_at: "timestamptz null",
  },
  events: {
    id: "bigint identity",
    tenant: "text null",
    namespace: "text default",
    kind: "text",
    name: "text",
    type: "text",
    reason: "text",
    message: "text default",
    actor: "text null",
    occurred_at: "timestamptz",
    source_key: "text null",
  },
  secret_versions: {
    id: "bigint identity",
    tenant: "text",
    namespace: "text",
    app: "text",
    key: "text",
    version: "integer",
    ciphertext: "bytea",
    wrapped_key: "bytea",
    key_id: "text",
    created_by: "text null",
    created_at: "timestamptz default",
    deleted_at: "timestamptz null",
    version_id: "text null",
  },
  audit_log: {
    id: "bigint identity",
    tenant: "text null",
    actor: "text",
    action: "text",
    target: "text",
    outcome: "text",
    request_id: "text null",
    details: "jsonb default",
    occurred_at: "timestamptz default",
  },
  deployment_requests: {
    id: "text",
    tenant: "text",
    namespace: "text",
    app: "text",
    spec: "jsonb",
    requested_by: "text",
    rollback_of: "text null",
    created_at: "timestamptz default",
  },
  task_logs: {
    run_uid: "uuid",
    task: "text",
    attempt: "integer",
    namespace: "text",
    run: "text",
    pod: "text default",
    captured_at: "timestamptz",
    truncated: "boolean default",
    error: "text null",
    line_count: "integer",
    lines: "jsonb",
  },
  releases: {
    tenant: "text",
    namespace: "text",
    app: "text",
    number: "integer",
    kind: "text",
    actor: "text",
    created_at: "timestamptz default",
    changes: "jsonb default",
    spec: "jsonb",
    secrets: "jsonb default",
    deployment_id: "text null",
    rollback_of: "integer null",
    git_revision: "text null",
    source: "jsonb",
  },
  webhooks: {
    id: "text",
    tenant: "text",
    url: "text",
    format: "text",
    events: "jsonb",
    description: "text default",
    secret_ciphertext: "bytea null",
    secret_wrapped_key: "bytea null",
    secret_key_id: "text null",
    created_by: "text",
    created_at: "timestamptz default",
    lease_until: "timestamptz null",
    lease_holder: "text null",
    deleted_at: "timestamptz null",
  },
  webhook_deliveries: {
    id: "bigint identity",
    webhook_id: "text",
    tenant: "text",
    event_key: "text",
    event_type: "text",
    payload: "jsonb",
    state: "text default",
    attempts: "integer default",
    next_attempt_at: "timestamptz default",
    last_error: "text null",
    response_code: "integer null",
    created_at: "timestamptz default",
    finished_at: "timestamptz null",
  },
} as const satisfies Record<keyof Database, Record<string, ColumnDescription>>;

// ---- Type-level check: each table interface agrees with SCHEMA_COLUMNS (compile time only). ----------------------

/** The JS type a column of each SQL type selects as; text may narrow to a union of literals. */
interface SelectedAs {
  text: string;
  uuid: string;
  integer: number;
  bigint: SelectType<Int8>;
  boolean: boolean;
  timestamptz: Date;
  jsonb: unknown;
  bytea: Bytes;
}

type SqlTypeOf<D> = D extends `${infer T extends SqlType} ${string}` ? T : D extends SqlType ? D : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type ColumnDrift<Where extends string, C, D> =
  | (Same<null extends SelectType<C> ? true : false, D extends `${string} null${string}` ? true : false> extends true
      ? never
      : `${Where}: nullability differs from SCHEMA_COLUMNS ("${D & string}")`)
  | (SqlTypeOf<D> extends "text" | "jsonb"
      ? [NonNullable<SelectType<C>>] extends [SelectedAs[SqlTypeOf<D>]]
        ? never
        : `${Where}: selects as another type than ${SqlTypeOf<D>}`
      : Same<NonNullable<SelectType<C>>, SelectedAs[SqlTypeOf<D>]> extends true
        ? never
        : `${Where}: selects as another type than ${SqlTypeOf<D>}`)
  | (D extends `${string} identity`
      ? [InsertType<C>] extends [never]
        ? never
        : `${Where}: an identity column must be GeneratedAlways`
      : D extends `${string} default`
        ? undefined extends InsertType<C>
          ? never
          : `${Where}: has a default, so must be optional in inserts (WithDefault)`
        : D extends `${string} null`
          ? never
          : undefined extends InsertType<C>
            ? `${Where}: has no default, so must be required in inserts`
            : never);

type TableDrift<T extends keyof Database> =
  | {
      [C in keyof Database[T] & string]: C extends keyof (typeof SCHEMA_COLUMNS)[T]
        ? ColumnDrift<`${T}.${C}`, Database[T][C], (typeof SCHEMA_COLUMNS)[T][C]>
        : `${T}.${C}: missing from SCHEMA_COLUMNS`;
    }[keyof Database[T] & string]
  | {
      [C in keyof (typeof SCHEMA_COLUMNS)[T] & string]: C extends keyof Database[T]
        ? never
        : `${T}.${C}: missing from the ${T} table interface`;
    }[keyof (typeof SCHEMA_COLUMNS)[T] & string];

// Tables themselves are matched by the `satisfies` on SCHEMA_COLUMNS.
type SchemaDrift = { [T in keyof Database]: TableDrift<T> }[keyof Database];

/** Fails to compile, naming the column, when a table interface and SCHEMA_COLUMNS disagree. */
type NoDrift<T extends never> = T;
export type SchemaInStep = NoDrift<SchemaDrift>;
