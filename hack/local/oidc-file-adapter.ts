// The local OpenID Provider's storage: oidc-provider's Adapter interface over one JSON file, so that sessions,
// grants and refresh tokens outlive a restart of `npm start` (a CLI login keeps renewing). The whole state lives in
// memory and every change rewrites the file atomically (0600); a local provider holds a few hundred entries, so a
// rewrite costs less than the request that caused it. Expired entries are dropped on load and on every write, and
// the number of entries is capped (the soonest to expire go first), so the file cannot grow without bound.
// Lookups by uid, user code and grant id scan the entries: with the cap, that is cheaper than keeping indexes right.
import { existsSync, readFileSync, renameSync } from "node:fs";
import type { Adapter, AdapterPayload } from "oidc-provider";
import { writePrivateFile } from "./private-file.ts";

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; null: kept until evicted by the cap. */
  expiresAt: number | null;
}

interface StateFile {
  version: 1;
  /** Keyed `<model>:<id>`. */
  entries: Record<string, Entry>;
}

export interface FileAdapterOptions {
  file: string;
  /** At most this many entries are kept (default 5000). */
  maxEntries?: number;
  now?: () => number;
}

/** Thrown when the state file cannot be written (the provider answers 500 and logs it). */
export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

const keyOf = (model: string, id: string) => `${model}:${id}`;

function parseState(text: string): Map<string, Entry> {
  const parsed = JSON.parse(text) as Partial<StateFile>;
  if (parsed.version !== 1 || typeof parsed.entries !== "object" || parsed.entries === null) {
    throw new Error("not a version 1 state file");
  }
  return new Map(Object.entries(parsed.entries));
}

export class FileAdapterStore {
  private readonly entries: Map<string, Entry>;
  private readonly maxEntries: number;
  private readonly now: () => number;

  /**
   * Opens the state file (a missing file is an empty state). A file that cannot be parsed is moved aside to
   * `<file>.unreadable` and named in `discarded`, so one bad write costs the user a login, not the provider.
   */
  static open(options: FileAdapterOptions): { store: FileAdapterStore; discarded?: string } {
    let entries = new Map<string, Entry>();
    let discarded: string | undefined;
    if (existsSync(options.file)) {
      try {
        entries = parseState(readFileSync(options.file, "utf8"));
      } catch {
        discarded = `${options.file}.unreadable`;
        renameSync(options.file, discarded);
      }
    }
    const store = new FileAdapterStore(options, entries);
    store.prune();
    return { store, ...(discarded ? { discarded } : {}) };
  }

  private readonly file: string;

  private constructor(options: FileAdapterOptions, entries: Map<string, Entry>) {
    this.file = options.file;
    this.entries = entries;
    this.maxEntries = options.maxEntries ?? 5000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** oidc-provider's `adapter` setting: one Adapter per model, all over this store. */
  readonly factory = (model: string): Adapter => ({
    upsert: async (id, payload, expiresIn) => {
      this.entries.set(keyOf(model, id), {
        // Through JSON: what is kept is exactly what a restart will read back.
        payload: JSON.parse(JSON.stringify(payload)) as AdapterPayload,
        expiresAt: typeof expiresIn === "number" ? this.now() + expiresIn * 1000 : null,
      });
      this.save();
    },
    find: async (id) => this.live(keyOf(model, id)),
    findByUid: async (uid) => this.scan(model, (payload) => payload.uid === uid),
    findByUserCode: async (userCode) => this.scan(model, (payload) => payload.userCode === userCode),
    consume: async (id) => {
      const entry = this.entries.get(keyOf(model, id));
      if (!entry) return;
      entry.payload.consumed = Math.floor(this.now() / 1000);
      this.save();
    },
    destroy: async (id) => {
      if (this.entries.delete(keyOf(model, id))) this.save();
    },
    revokeByGrantId: async (grantId) => {
      let removed = false;
      for (const [key, entry] of this.entries) {
        if (key.startsWith(`${model}:`) && entry.payload.grantId === grantId) {
          this.entries.delete(key);
          removed = true;
        }
      }
      if (removed) this.save();
    },
  });

  private isLive(entry: Entry): boolean {
    return entry.expiresAt === null || entry.expiresAt > this.now();
  }

  private live(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    return entry && this.isLive(entry) ? structuredClone(entry.payload) : undefined;
  }

  private scan(model: string, matches: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [key, entry] of this.entries) {
      if (key.startsWith(`${model}:`) && this.isLive(entry) && matches(entry.payload)) {
        return structuredClone(entry.payload);
      }
    }
    return undefined;
  }

  /** Drops expired entries, then the soonest to expire until the cap holds. */
  private prune(): void {
    for (const [key, entry] of this.entries) if (!this.isLive(entry)) this.entries.delete(key);
    const excess = this.entries.size - this.maxEntries;
    if (excess <= 0) return;
    const bySoonest = [...this.entries].sort(
      ([, a], [, b]) => (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY),
    );
    for (const [key] of bySoonest.slice(0, excess)) this.entries.delete(key);
  }

  private save(): void {
    this.prune();
    const state: StateFile = { version: 1, entries: Object.fromEntries(this.entries) };
    try {
      writePrivateFile(this.file, JSON.stringify(state));
    } catch (error) {
      throw new StateFileError(
        `Could not write the provider's state to ${this.file}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}
