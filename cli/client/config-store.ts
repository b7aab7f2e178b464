// Contexts and credentials in the user's config directory ($XDG_CONFIG_HOME/loco, else ~/.config/loco): one
// context per API server in config.json, its credential in credentials.json. The directory is 0700 and both
// files 0600 (re-asserted on every write, since a file copied in may have come with looser bits).
// Built-ins through process.getBuiltinModule: an ESM import builds a facade that reads every export (running
// their lazy getters), which costs a noticeable part of a short command's start-up (bench/cli-startup.ts).
const { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } =
  process.getBuiltinModule("node:fs");
const { homedir } = process.getBuiltinModule("node:os");
const { join } = process.getBuiltinModule("node:path");

import { CliError } from "../cli-error.ts";

export interface Context {
  name: string;
  server: string;
  /** The tenant commands act in unless --tenant says otherwise. */
  tenant: string | null;
}

export interface Credential {
  kind: "api-token" | "oidc";
  token: string;
  subject?: string;
  expiresAt?: string;
  refreshToken?: string;
  /** OIDC only: the issuer and client id the login used, for renewing the token with refreshToken. */
  issuer?: string;
  clientId?: string;
}

interface ConfigFile {
  current: string | null;
  contexts: Context[];
}
type CredentialsFile = Record<string, Credential>;

export function configDir(env: Record<string, string | undefined>): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "loco");
  return join(env.HOME || homedir(), ".config", "loco");
}

/** https://Loco.Example.com/ → https://loco.example.com (what makes two logins the same server). */
export function normaliseServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server.includes("://") ? server : `https://${server}`);
  } catch {
    throw new CliError({
      code: "usage",
      what: "Invalid server URL",
      why: `"${server}" is not a URL.`,
      fix: "Pass the API server's URL, such as https://loco.example.com.",
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CliError({
      code: "usage",
      what: "Invalid server URL",
      why: `${url.protocol} is not http or https.`,
      fix: "Use an https:// URL.",
    });
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** The context's name: the server's host (and port, and path if any). */
export const contextName = (server: string) => normaliseServer(server).replace(/^https?:\/\//, "");

export class ConfigStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private read<T>(file: string, empty: T): T {
    const path = join(this.dir, file);
    if (!existsSync(path)) return empty;
    try {
      return JSON.parse(readFileSync(path, "utf8")) as T;
    } catch (error) {
      throw new CliError({
        code: "usage",
        what: `Could not read ${path}`,
        why: `It is not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
        fix: `Fix or delete ${path}, then log in again.`,
        cause: error,
      });
    }
  }

  private write(file: string, content: unknown): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const path = join(this.dir, file);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  }

  config(): ConfigFile {
    return this.read<ConfigFile>("config.json", { current: null, contexts: [] });
  }

  credentials(): CredentialsFile {
    return this.read<CredentialsFile>("credentials.json", {});
  }

  credential(context: string): Credential | undefined {
    return this.credentials()[context];
  }

  /** Adds or updates the server's context, stores its credential and makes it current. */
  login(context: Omit<Context, "name">, credential: Credential): Context {
    const name = contextName(context.server);
    const config = this.config();
    const entry: Context = { name, server: normaliseServer(context.server), tenant: context.tenant };
    config.contexts = [...config.contexts.filter((c) => c.name !== name), entry].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    config.current = name;
    const credentials = this.credentials();
    credentials[name] = credential;
    this.write("credentials.json", credentials);
    this.write("config.json", config);
    return entry;
  }

  /** Replaces a context's credential (a renewed token). */
  saveCredential(context: string, credential: Credential): void {
    const credentials = this.credentials();
    credentials[context] = credential;
    this.write("credentials.json", credentials);
  }

  /** Forgets the credentials of the named contexts (the contexts stay, so `loco login` knows the server). */
  logout(names: readonly string[]): string[] {
    const credentials = this.credentials();
    const removed = names.filter((n) => n in credentials);
    for (const name of removed) delete credentials[name];
    this.write("credentials.json", credentials);
    return removed;
  }

  use(name: string): Context {
    const config = this.config();
    const context = config.contexts.find((c) => c.name === name);
    if (!context) throw unknownContext(name, config.contexts);
    config.current = name;
    this.write("config.json", config);
    return context;
  }

  /** The context named (by --context), else the current one. */
  resolve(name?: string): Context | undefined {
    const config = this.config();
    const wanted = name ?? config.current;
    if (!wanted) return undefined;
    const context = config.contexts.find((c) => c.name === wanted);
    if (!context && name) throw unknownContext(name, config.contexts);
    return context;
  }
}

function unknownContext(name: string, contexts: readonly Context[]): CliError {
  return new CliError({
    code: "notFound",
    what: `No context "${name}"`,
    why: contexts.length
      ? `The contexts are: ${contexts.map((c) => c.name).join(", ")}.`
      : "You have not logged in to any server yet.",
    fix: contexts.length
      ? "Pick one of them, or log in to the server with `loco login <server>`."
      : "Run `loco login <server>`.",
  });
}
