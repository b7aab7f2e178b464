// First start: with no tenants, no configured platform admin and no platform-admin token, the API mints one
// bootstrap token (platform admin), prints it once and keeps only its hash (DESIGN.md §5).
import { type Kysely, sql } from "kysely";
import { countPlatformTokens, mintToken } from "./store/tokens.ts";

export async function bootstrapToken(
  db: Kysely<unknown>,
  options: { platformAdminsConfigured: boolean },
): Promise<string | undefined> {
  if (options.platformAdminsConfigured) return undefined;
  return db.transaction().execute(async (tx) => {
    // Replicas starting together: one mints, the others see its token.
    await sql`SELECT pg_advisory_xact_lock(hashtext('loco-api-bootstrap'))`.execute(tx);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(tx);
    if (Number(rows[0]?.n ?? 0) > 0 || (await countPlatformTokens(tx)) > 0) return undefined;
    const { secret } = await mintToken(tx, {
      tenant: null,
      name: "bootstrap",
      role: "platform-admin",
      createdBy: "loco-api-bootstrap",
      expiresAt: null,
      boundToMembership: false,
    });
    return secret;
  });
}
