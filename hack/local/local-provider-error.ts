// The one error type of the local OpenID Provider's start-up: a closed set of codes, each message a sentence that
// says what failed, why and what to do. oidc-main.ts prints the message as one line and exits non-zero.

export type LocalProviderErrorCode = "BadArguments" | "BadDirectory" | "BadKeys" | "PortInUse" | "ListenFailed";

export class LocalProviderError extends Error {
  override readonly name = "LocalProviderError";
  readonly code: LocalProviderErrorCode;
  constructor(code: LocalProviderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
