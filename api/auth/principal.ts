// Who is calling: the result of authentication, before any tenant is looked at.

import type { CallerSource } from "../../db/release-source.ts";
import type { MemberRole, TokenRole } from "../../db/schema.ts";

/** A role in a tenant; declared once, with the members table, in db/schema.ts. */
export type Role = MemberRole;
/** What a token may be scoped to: a tenant role, or the whole platform (api_tokens.role). */
export type { TokenRole };

/** Every tenant role, lowest first. */
export const ROLES = ["viewer", "developer", "admin", "owner"] as const satisfies readonly Role[];

/** viewer < developer < admin < owner. (Fails to compile when db/schema.ts gains a role that ROLES lacks.) */
export const roleRank = (role: Role): number => ROLES.indexOf(role);
export const atLeast = (role: Role, minimum: Role): boolean => roleRank(role) >= roleRank(minimum);
export const lowerOf = (a: Role, b: Role): Role => (roleRank(a) <= roleRank(b) ? a : b);

export interface TokenScope {
  id: string;
  /** The tenant the token acts in; null for a platform-admin token. */
  tenant: string | null;
  role: TokenRole;
  createdBy: string;
  /** When the token stops working: no token it mints or rotates may work longer. */
  expiresAt: string | null;
}

/** What a Run's own credential may do (api/auth/run-credential.ts): deploy these Apps of its tenant, nothing else. */
export interface RunScope {
  namespace: string;
  name: string;
  tenant: string;
  /** The profile of the Run's namespace. */
  profile: string;
  pipeline: string | undefined;
  deploy: { app: string; profile: string }[];
}

export interface Principal {
  /** How the caller proved who they are. */
  via: "oidc" | "token" | "run";
  /** The OIDC subject, or for an API token the subject that minted it. */
  subject: string;
  groups: string[];
  /** Configured platform admin (by subject or group), or a platform-admin token. */
  platformAdmin: boolean;
  /** Set when the caller used an API token: it can act only within this scope. */
  token?: TokenScope;
  /** Set when the caller used a Run's credential: it can act only within this scope. */
  run?: RunScope;
}

/** How the caller appears in the audit log: never a secret, always enough to trace the credential. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return "anonymous";
  if (principal.run) {
    const { namespace, name, pipeline } = principal.run;
    return `run:${namespace}/${name}${pipeline ? ` (pipeline ${pipeline})` : ""}`;
  }
  return principal.token ? `token:${principal.token.id} (${principal.subject})` : `oidc:${principal.subject}`;
}

/** The caller as a release records it for programs (db/release-source.ts): what actorOf says, as data. */
export function sourceOf(principal: Principal): CallerSource {
  if (principal.run) {
    const { namespace, name, pipeline } = principal.run;
    return { kind: "run", namespace, run: name, pipeline: pipeline ?? null };
  }
  return principal.token
    ? { kind: "token", token: principal.token.id, subject: principal.subject }
    : { kind: "user", subject: principal.subject };
}
