// A tenant's roles, lowest first, as the API names them. The console offers every role; the API decides who may
// grant which (nobody above their own) and answers with what to do when it refuses.
import type { Role } from "../../api/contract.ts";

// A record over Role: a role the API gains and this list lacks fails to compile.
const RANK = { viewer: 0, developer: 1, admin: 2, owner: 3 } satisfies Record<Role, number>;

export const ROLES = (Object.keys(RANK) as Role[]).sort((a, b) => RANK[a] - RANK[b]);

/**
 * Whether a role may change Apps (deploy, scale, promote or abort a rollout): developer and above, as the API's
 * permission table says. The console only hides what would be refused; the API still decides.
 */
export function mayWriteApps(role: string | null | undefined): boolean {
  if (role === "platform-admin") return true;
  return role !== null && role !== undefined && role in RANK && RANK[role as Role] >= RANK.developer;
}
