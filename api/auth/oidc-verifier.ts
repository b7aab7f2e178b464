// Verifies OpenID Connect bearer JWTs against the issuer's published keys (JWKS, found through discovery):
// signature, issuer, audience, expiry and an algorithm allow-list (`alg: none` is never on it).
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { ApiError } from "../errors.ts";

export interface OidcSettings {
  issuer: string;
  audience: string;
  algorithms: string[];
  groupsClaim: string;
  /** Clock tolerance for exp/nbf/iat, in seconds. */
  clockToleranceSeconds?: number;
}

export interface VerifiedIdentity {
  subject: string;
  groups: string[];
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class OidcVerifier {
  private readonly settings: OidcSettings;
  private keys: Promise<KeySet> | undefined;

  constructor(settings: OidcSettings) {
    this.settings = settings;
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  /** Discovery once (retried after a failure), then jose's remote key set, which refetches on unknown key ids. */
  private keySet(): Promise<KeySet> {
    this.keys ??= (async () => {
      const url = `${this.settings.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`OIDC discovery at ${url} answered HTTP ${response.status}`);
      const document = (await response.json()) as { issuer?: string; jwks_uri?: string };
      if (document.issuer !== this.settings.issuer) {
        throw new Error(`OIDC discovery at ${url} names issuer ${document.issuer}, not ${this.settings.issuer}`);
      }
      if (!document.jwks_uri) throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
      return createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: 10_000 });
    })().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  /** Checks that the issuer can be reached (readiness). */
  async ready(): Promise<void> {
    await this.keySet();
  }

  async verify(token: string): Promise<VerifiedIdentity> {
    let keys: KeySet;
    try {
      keys = await this.keySet();
    } catch (error) {
      throw new ApiError(
        "Unavailable",
        "The identity provider's signing keys could not be fetched, so the token cannot be checked; retry shortly.",
        { cause: error },
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.settings.algorithms,
        requiredClaims: ["exp", "sub"],
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
      }));
    } catch (error) {
      throw new ApiError("Unauthenticated", `The bearer token was refused: ${reasonOf(error)} Log in again.`, {
        cause: error,
      });
    }
    const claim = payload[this.settings.groupsClaim];
    const groups = Array.isArray(claim) ? claim.filter((g): g is string => typeof g === "string") : [];
    return { subject: payload.sub as string, groups };
  }
}

/** What to tell the client: which check failed, never the token or key material. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "it has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "it was issued by another identity provider.";
    if (error.claim === "aud") return "it was issued for another audience.";
    if (error.claim === "nbf") return "it is not valid yet.";
    return `its ${error.claim} claim is invalid.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "it is signed with an algorithm this server does not accept.";
  if (error instanceof errors.JWKSNoMatchingKey)
    return "it is signed with a key the identity provider does not publish.";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify.";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return "it is not a valid JWT.";
  if (error instanceof errors.JOSENotSupported) return "it uses an unsupported algorithm or key type.";
  return "it could not be verified.";
}
