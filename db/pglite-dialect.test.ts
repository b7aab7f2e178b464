// The shared PGlite handle under concurrency, on a real in-memory PGlite: transactions see only their own writes
// until they commit, a failed one rolls back alone, a plain query never lands inside someone else's transaction,
// waiters are served in arrival order, and reaching for the outer handle inside a transaction fails at once.
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { FifoMutex, ReentrantDatabaseUseError } from "./pglite-dialect.ts";

interface Notes {
  notes: { id: number; who: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let handle: DatabaseHandle<Notes>;
let db: Kysely<Notes>;

beforeAll(async () => {
  handle = await connectDatabase<Notes>("pglite:memory");
  db = handle.db;
  await sql`CREATE TABLE notes (id int PRIMARY KEY, who text NOT NULL)`.execute(db);
}, 60_000);

afterAll(() => handle?.close());

beforeEach(async () => {
  await sql`DELETE FROM notes`.execute(db);
});

const whoSees = async (on: Kysely<Notes>) =>
  (await on.selectFrom("notes").select("who").orderBy("id").execute()).map((row) => row.who);

describe("a PGlite handle shared by concurrent callers", () => {
  it("keeps concurrent transactions apart: each sees only its own writes until it commits", async () => {
    const writers = Array.from({ length: 20 }, (_, i) =>
      db.transaction().execute(async (tx) => {
        await tx
          .insertInto("notes")
          .values({ id: i, who: `w${i}` })
          .execute();
        // Yield so that, were the connection shared, the others would interleave here.
        await sleep(1);
        const seen = await whoSees(tx);
        await tx
          .insertInto("notes")
          .values({ id: 100 + i, who: `w${i}b` })
          .execute();
        return seen;
      }),
    );
    const seen = await Promise.all(writers);
    // Served one at a time in arrival order: writer i sees the i committed before it and its own row, no more.
    seen.forEach((rows, i) => {
      const committed = Array.from({ length: i }, (_, j) => `w${j}`);
      expect(rows).toEqual([...committed, `w${i}`, ...committed.map((w) => `${w}b`)]);
    });
    expect(await whoSees(db)).toHaveLength(40);
  });

  it("rolls a failed transaction back without touching the others", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction().execute(async (tx) => {
          await tx
            .insertInto("notes")
            .values({ id: i, who: `t${i}` })
            .execute();
          await sleep(1);
          if (i % 3 === 0) throw new Error(`transaction ${i} gives up`);
          return i;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? "rejected" : "fulfilled")),
    );
    expect((results[3] as PromiseRejectedResult).reason.message).toBe("transaction 3 gives up");
    expect(await whoSees(db)).toEqual(["t1", "t2", "t4", "t5", "t7", "t8"]);
  });

  it("runs a plain query outside every transaction, even while one is open and then rolls back", async () => {
    let entered!: () => void;
    const open = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const rolledBack = db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto("notes").values({ id: 1, who: "doomed" }).execute();
        entered();
        await sleep(50);
        throw new Error("roll back");
      })
      .catch((error: Error) => error.message);
    await open;
    // Issued while the transaction is open: it waits for it, and neither sees nor joins its write.
    const plain = db.insertInto("notes").values({ id: 2, who: "plain" }).execute();
    const reader = whoSees(db);
    expect(await rolledBack).toBe("roll back");
    await plain;
    expect(await reader).toEqual(["plain"]);
    expect(await whoSees(db)).toEqual(["plain"]);
  });

  it("applies a transaction's isolation level and access mode to that transaction only", async () => {
    const isolation = (on: Kysely<Notes>) =>
      sql<{ level: string }>`SELECT current_setting('transaction_isolation') AS level`
        .execute(on)
        .then((r) => r.rows[0]!.level);
    const [inside, outside] = await Promise.all([
      db
        .transaction()
        .setIsolationLevel("serializable")
        .execute(async (tx) => {
          await sleep(5);
          return isolation(tx);
        }),
      isolation(db),
    ]);
    expect(inside).toBe("serializable");
    expect(outside).toBe("read committed");
    const readOnly = db
      .transaction()
      .setAccessMode("read only")
      .execute((tx) => tx.insertInto("notes").values({ id: 1, who: "refused" }).execute());
    await expect(readOnly).rejects.toThrow(/read-only transaction/);
    expect(await whoSees(db)).toEqual([]);
  });

  it("refuses, at once and with a clear error, a query on the outer handle inside a transaction", async () => {
    const started = Date.now();
    const attempt = db.transaction().execute(async (tx) => {
      await tx.insertInto("notes").values({ id: 1, who: "inside" }).execute();
      await whoSees(db);
    });
    await expect(attempt).rejects.toThrow(ReentrantDatabaseUseError);
    await expect(attempt).rejects.toThrow(/run every query on the transaction object it was given \(`tx`\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The transaction rolled back and the handle still works.
    expect(await whoSees(db)).toEqual([]);
    // The same inside db.connection(), where the connection is held for the callback.
    await expect(db.connection().execute(async () => whoSees(db))).rejects.toThrow(ReentrantDatabaseUseError);
    // Work started inside a transaction that outlives it may use the handle once the transaction has ended.
    let later: Promise<string[]> | undefined;
    await db.transaction().execute(async (tx) => {
      await tx.insertInto("notes").values({ id: 2, who: "after" }).execute();
      later = sleep(20).then(() => whoSees(db));
    });
    expect(await later).toEqual(["after"]);
  });
});

describe("FifoMutex", () => {
  it("hands the lock to waiters in the order they asked", async () => {
    const mutex = new FifoMutex();
    const order: number[] = [];
    await mutex.lock();
    const waiters = [1, 2, 3].map((n) =>
      mutex.lock().then(() => {
        order.push(n);
        mutex.unlock();
      }),
    );
    expect(mutex.queued).toBe(3);
    mutex.unlock();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    // Free again: a new lock is granted at once.
    await mutex.lock();
    expect(mutex.queued).toBe(0);
  });
});
