// A Kysely handle over one embedded PGlite instance that many callers in one process may use at once: the operator's
// mirror, the API's requests, the task-log capture. PGlite is a single Postgres session, so "correct under
// concurrency" means one holder at a time — a transaction from BEGIN to COMMIT/ROLLBACK, a plain query for that
// query — in arrival order, and a clear error instead of a silent hang when code inside a transaction reaches for
// the outer handle (which a pool on a Postgres server would have answered with a second connection).
import { AsyncLocalStorage } from "node:async_hooks";
import type { PGlite } from "@electric-sql/pglite";
import {
  CompiledQuery,
  type ConnectionProvider,
  type DatabaseConnection,
  DefaultQueryExecutor,
  type Driver,
  Kysely,
  PGliteDialect,
  type QueryCompiler,
  type TransactionSettings,
} from "kysely";

/** Thrown when a query on the outer handle is issued while the same async flow holds the connection. */
export class ReentrantDatabaseUseError extends Error {
  override name = "ReentrantDatabaseUseError";
  constructor() {
    super(
      "A query on the database handle was issued from inside a transaction (or connection) callback on that same " +
        "handle. The embedded database (PGlite) has one connection, held by that transaction until its callback " +
        "returns, so the query would wait forever. Inside the callback, run every query on the transaction object " +
        "it was given (`tx`), not on the outer `db`.",
    );
  }
}

/** Strict first-come-first-served lock: unlock hands the lock straight to the oldest waiter. */
export class FifoMutex {
  #held = false;
  readonly #waiting: (() => void)[] = [];

  lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  unlock(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }

  /** Callers waiting for the lock (not counting the holder). */
  get queued(): number {
    return this.#waiting.length;
  }
}

interface Lease {
  live: boolean;
}

/**
 * Hands out PGlite's one connection to one consumer at a time. The consumer — Kysely's transaction body, a
 * `db.connection()` callback or a single query — runs inside an AsyncLocalStorage scope naming its lease, so an
 * acquire from within that scope while the lease is live is recognised as re-entrant and refused at once.
 */
class SerialConnectionProvider implements ConnectionProvider {
  readonly #driver: Driver;
  readonly #mutex: FifoMutex;
  readonly #leases = new AsyncLocalStorage<Lease>();
  #ready: Promise<void> | undefined;

  constructor(driver: Driver, mutex: FifoMutex) {
    this.#driver = driver;
    this.#mutex = mutex;
  }

  async provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    if (this.#leases.getStore()?.live) throw new ReentrantDatabaseUseError();
    this.#ready ??= this.#driver.init().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    await this.#ready;
    await this.#mutex.lock();
    const lease: Lease = { live: true };
    try {
      const connection = await this.#driver.acquireConnection();
      try {
        return await this.#leases.run(lease, () => consumer(connection));
      } finally {
        lease.live = false;
        await this.#driver.releaseConnection(connection);
      }
    } finally {
      this.#mutex.unlock();
    }
  }
}

/**
 * Kysely's own PGlite driver for the work (BEGIN/COMMIT through PGlite's transaction API, savepoints, error
 * mapping), behind the serial provider above. Closing waits for the holder of the connection to finish, and closes
 * the PGlite instance even when no query ever ran (Kysely's driver closes only an instance it initialised).
 */
class ClosingPGliteDriver implements Driver {
  readonly #inner: Driver;
  readonly #pglite: PGlite;
  readonly #mutex: FifoMutex;

  constructor(pglite: PGlite, mutex: FifoMutex) {
    this.#inner = new PGliteDialect({ pglite }).createDriver();
    this.#pglite = pglite;
    this.#mutex = mutex;
  }

  init = () => this.#inner.init();
  acquireConnection = () => this.#inner.acquireConnection();
  releaseConnection = (connection: DatabaseConnection) => this.#inner.releaseConnection(connection);
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.#inner.beginTransaction(connection, settings);
    // Kysely's PGlite driver begins with a bare BEGIN and drops these; as the transaction's first statement they
    // apply. The values are Kysely's validated keywords, never user text.
    const modes = [
      settings.isolationLevel && `ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}`,
      settings.accessMode?.toUpperCase(),
    ].filter(Boolean);
    if (modes.length > 0) await connection.executeQuery(CompiledQuery.raw(`SET TRANSACTION ${modes.join(", ")}`));
  }
  commitTransaction = (connection: DatabaseConnection) => this.#inner.commitTransaction(connection);
  rollbackTransaction = (connection: DatabaseConnection) => this.#inner.rollbackTransaction(connection);
  savepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) =>
    this.#inner.savepoint!(connection, name, compile);
  rollbackToSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) =>
    this.#inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) =>
    this.#inner.releaseSavepoint!(connection, name, compile);

  async destroy(): Promise<void> {
    await this.#mutex.lock();
    try {
      await this.#inner.destroy();
      if (!this.#pglite.closed) await this.#pglite.close();
    } finally {
      this.#mutex.unlock();
    }
  }
}

/**
 * A Kysely handle over `pglite` that is safe to share across the whole process. Built from Kysely's parts (its
 * documented `KyselyProps` constructor) because the serial provider must wrap the consumer Kysely runs on the
 * connection, which a dialect alone cannot reach. `destroy()` closes the PGlite instance.
 */
export function pgliteKysely<DB>(pglite: PGlite): Kysely<DB> {
  const dialect = new PGliteDialect({ pglite });
  const mutex = new FifoMutex();
  const driver = new ClosingPGliteDriver(pglite, mutex);
  const executor = new DefaultQueryExecutor(
    dialect.createQueryCompiler(),
    dialect.createAdapter(),
    new SerialConnectionProvider(driver, mutex),
    [],
  );
  return new Kysely<DB>({ config: { dialect }, dialect, driver, executor });
}
