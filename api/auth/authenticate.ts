// Authentication: a bearer credential becomes a Principal, or the request is refused with 401. Three kinds:
// `loco_…` API tokens (looked up by hash), `locorun_…` Run credentials (checked against the Run's Secret and state
// in the cluster) and OpenID Connect JWTs (verified against the issuer's keys).
// The first platform admin to sign in with OpenID Connect retires the bootstrap token: from then on the platform
// has an admin who does not depend on it.
import type { Kysely } from "kysely";
import { RUN_CREDENTIAL_PREFIX } from "../../crds/run-credential.ts";
import { revokeBootstrapTokens } from "../../db/bootstrap-token.ts";
import type { Database } from "../../db/schema.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import type { Logger } from "../../kube/logger.ts";
import { ApiError } from "../errors.ts";
import { findTokenCredential, touchToken } from "../store/tokens.ts";
import { looksLikeTokenSecret, TOKEN_PREFIX } from "./api-token-secret.ts";
import type { OidcVerifier } from "./oidc-verifier.ts";
import { lowerOf, type Principal, type Role } from "./principal.ts";
import { authenticateRunCredential } from "./run-credential.ts";

export interface AuthenticatorOptions {
  db: Kysely<Database>;
  oidc: OidcVerifier | undefined;
  platformAdmins: string[];
  platformAdminGroups: string[];
  now?: () => Date;
  log?: Logger;
  /** Checks Runs' own credentials (locorun_…) against the cluster; without it they are refused. */
  kube?: KubeClient;
}

const TOUCH_INTERVAL_MS = 60_000;
const refused = (why: string) => new ApiError("Unauthenticated", why);

export class Authenticator {
  private readonly options: AuthenticatorOptions;
  /** When this process last recorded each token's use (epoch ms). */
  private readonly touched = new Map<string, number>();
  /** Set once this process has revoked any live bootstrap token after a platform admin signed in. */
  private bootstrapRetired: Promise<void> | undefined;

  constructor(options: AuthenticatorOptions) {
    this.options = options;
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) {
      throw refused(
        "No credentials were sent. Send Authorization: Bearer <token> with an API token (loco_…) or a login token; run `loco login` to get one.",
      );
    }
    const match = /^Bearer[ ]+(\S+)$/i.exec(header.trim());
    if (!match) {
      throw refused("The Authorization header is not a bearer token. Send Authorization: Bearer <token>.");
    }
    const credential = match[1]!;
    if (credential.startsWith(RUN_CREDENTIAL_PREFIX)) {
      return authenticateRunCredential(this.options.kube, credential, (this.options.now ?? (() => new Date()))());
    }
    return credential.startsWith(TOKEN_PREFIX) ? this.apiToken(credential) : this.oidcToken(credential);
  }

  /**
   * Records a token's use (`last_used_at`, minute precision) without a write per request: the first use in a
   * minute from this process writes; the others skip the round trip (the UPDATE itself also skips rows touched
   * in the last minute, which covers several replicas). Revocation and expiry are still read on every request.
   */
  private async touch(id: string, nowMs: number): Promise<void> {
    const last = this.touched.get(id);
    if (last !== undefined && nowMs - last < TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    await touchToken(this.options.db, id);
    this.touched.set(id, nowMs);
  }

  private isPlatformAdmin(subject: string, groups: string[]): boolean {
    return (
      this.options.platformAdmins.includes(subject) || groups.some((g) => this.options.platformAdminGroups.includes(g))
    );
  }

  private async oidcToken(jwt: string): Promise<Principal> {
    const oidc = this.options.oidc;
    if (!oidc) {
      throw refused("This server accepts only API tokens (loco_…): no OpenID Provider is configured.");
    }
    const identity = await oidc.verify(jwt);
    const platformAdmin = this.isPlatformAdmin(identity.subject, identity.groups);
    if (platformAdmin) await this.retireBootstrap(identity.subject);
    return { via: "oidc", subject: identity.subject, groups: identity.groups, platformAdmin };
  }

  /**
   * Revokes the bootstrap token, once per process, when a platform admin first signs in with OpenID Connect (a
   * replica that finds it already revoked does nothing). A failure is logged and retried on the next sign-in
   * rather than refusing the admin's request.
   */
  private retireBootstrap(subject: string): Promise<void> {
    this.bootstrapRetired ??= revokeBootstrapTokens(this.options.db, {
      actor: `oidc:${subject}`,
      reason: "A platform admin signed in with OpenID Connect.",
      requestId: null,
    }).then(
      (revoked) => {
        for (const id of revoked) {
          this.options.log?.info(
            { token: id, platformAdmin: subject },
            "Revoked the bootstrap token: a platform admin signed in with OpenID Connect",
          );
        }
      },
      (error: unknown) => {
        this.bootstrapRetired = undefined;
        this.options.log?.warn({ err: error }, "Failed to revoke the bootstrap token; retrying at the next sign-in");
      },
    );
    return this.bootstrapRetired;
  }

  private async apiToken(secret: string): Promise<Principal> {
    const unknown = () =>
      refused("The API token is not valid: it is unknown or malformed. Create a new one with `loco token create`.");
    if (!looksLikeTokenSecret(secret)) throw unknown();
    const { db } = this.options;
    const found = await findTokenCredential(db, secret);
    if (!found) throw unknown();
    const { token } = found;
    const now = (this.options.now ?? (() => new Date()))();
    // The bootstrap token is the only one without a tenant: `loco token create` cannot replace it.
    const instead =
      token.tenant === null
        ? "log in as a platform admin with `loco login` (OpenID Connect) instead."
        : "create a new one with `loco token create`.";
    if (token.revokedAt) {
      throw refused(
        token.replacedBy
          ? "The API token was rotated and no longer works; use the token that replaced it."
          : `The API token was revoked; ${instead}`,
      );
    }
    if (token.expiresAt && new Date(token.expiresAt) <= now) {
      throw refused(`The API token expired at ${token.expiresAt}; ${instead}`);
    }
    let role = token.role;
    if (token.tenant !== null) {
      if (!found.tenantLive) throw refused("The API token's tenant no longer exists.");
      // A token never outlives, nor outranks, the membership of whoever minted it, nor that of whoever rotated it
      // as a member (they hold its secret).
      if (token.boundToMembership && role !== "platform-admin") {
        if (!found.creatorRole) {
          throw refused(
            "The API token no longer works: whoever created it is no longer a member of its tenant. Ask a tenant admin for a new one.",
          );
        }
        role = lowerOf(role as Role, found.creatorRole);
      }
      if (token.rotatedByBound && role !== "platform-admin") {
        if (!found.rotatorRole) {
          throw refused(
            "The API token no longer works: whoever last rotated it is no longer a member of its tenant. Ask a tenant admin for a new one.",
          );
        }
        role = lowerOf(role as Role, found.rotatorRole);
      }
    }
    await this.touch(token.id, now.getTime());
    return {
      via: "token",
      subject: token.createdBy,
      groups: [],
      platformAdmin: token.role === "platform-admin",
      token: { id: token.id, tenant: token.tenant, role, createdBy: token.createdBy, expiresAt: token.expiresAt },
    };
  }
}
