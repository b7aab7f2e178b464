// First start: with no tenants, no configured platform admin and no live platform-admin token, the API mints one
// bootstrap token (platform admin) and keeps only its hash (DESIGN.md §5). It expires (--bootstrap-token-ttl), can
// be revoked (DELETE /v1/bootstrap-token, `loco token revoke --bootstrap`, `loco-db revoke-bootstrap`) and is revoked
// by itself once a platform admin signs in with OpenID Connect (auth/authenticate.ts). The secret is shown once: on
// stdout, or only in a file of mode 0600 (--bootstrap-token-file) so that it never reaches the container log.
import { closeSync, constants, fchmodSync, openSync, writeSync } from "node:fs";
import { type Kysely, sql } from "kysely";
import { BOOTSTRAP_MINTER } from "../db/bootstrap-token.ts";
import type { Database } from "../db/schema.ts";
import { countLivePlatformTokens, mintToken } from "./store/tokens.ts";

export interface MintedBootstrapToken {
  id: string;
  secret: string;
  expiresAt: string;
}

export async function bootstrapToken(
  db: Kysely<Database>,
  options: { platformAdminsConfigured: boolean; ttlMs: number },
): Promise<MintedBootstrapToken | undefined> {
  if (options.platformAdminsConfigured) return undefined;
  return db.transaction().execute(async (tx) => {
    // Replicas starting together: one mints, the others see its token.
    await sql`SELECT pg_advisory_xact_lock(hashtext('loco-api-bootstrap'))`.execute(tx);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(tx);
    // An expired or revoked one does not count: an install still without tenants would otherwise be locked out.
    if (Number(rows[0]?.n ?? 0) > 0 || (await countLivePlatformTokens(tx)) > 0) return undefined;
    const { token, secret } = await mintToken(tx, {
      tenant: null,
      name: "bootstrap",
      role: "platform-admin",
      createdBy: BOOTSTRAP_MINTER,
      expiresAt: new Date(Date.now() + options.ttlMs),
      boundToMembership: false,
    });
    return { id: token.id, secret, expiresAt: token.expiresAt! };
  });
}

/** Writes the secret to a new or truncated file readable by its owner only (never following a symlink). */
export function writeBootstrapTokenFile(path: string, secret: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    // An existing file keeps its mode through O_CREAT: narrow it before the secret is in it.
    fchmodSync(fd, 0o600);
    writeSync(fd, `${secret}\n`);
  } finally {
    closeSync(fd);
  }
}

/** What loco-api prints once it minted a bootstrap token: the secret (unless it went to a file), expiry, next steps. */
export function bootstrapNotice(minted: MintedBootstrapToken, file?: string): string {
  const shown = file
    ? `Bootstrap token (platform admin) ${minted.id} written to ${file} (mode 0600); it is not shown here.\n`
    : `Bootstrap token (platform admin) ${minted.id}, shown only now:\n\n  ${minted.secret}\n`;
  return `\n${shown}
It expires at ${minted.expiresAt}. Log in with it through stdin: \`loco login <server> --token-stdin\`.
Create a tenant, configure OIDC and platform admins (--oidc-issuer, --platform-admins): the token is revoked when a
platform admin first signs in. Revoke it sooner with \`loco token revoke --bootstrap\`, or with the API down,
\`loco-db revoke-bootstrap\`.\n\n`;
}
