// The one error type of the CLI: a closed set of codes (each one exit code), and for the user what failed, why
// and what to do, plus the API request id when a request was involved. Everything else is mapped at the
// boundary (cli/main.ts) into an "unavailable" CliError with the cause kept for the debug log.
import { type ExitCodeName, exitCode } from "./exit-codes.ts";

export interface CliErrorFields {
  code: ExitCodeName;
  /** What failed, as a sentence fragment: "Could not list apps". */
  what: string;
  /** Why, as a sentence. */
  why: string;
  /** What to do about it, as a sentence. */
  fix: string;
  requestId?: string;
  cause?: unknown;
}

export class CliError extends Error {
  readonly code: ExitCodeName;
  readonly what: string;
  readonly why: string;
  readonly fix: string;
  readonly requestId: string | undefined;

  constructor(fields: CliErrorFields) {
    super(`${fields.what}: ${fields.why}`, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "CliError";
    this.code = fields.code;
    this.what = fields.what;
    this.why = fields.why;
    this.fix = fields.fix;
    this.requestId = fields.requestId;
  }

  get exitCode(): number {
    return exitCode(this.code);
  }
}

export const usageError = (what: string, why: string, fix: string) => new CliError({ code: "usage", what, why, fix });

/** The error's lines as shown when stderr is not a terminal (and inside the Ink error box). */
export function errorLines(error: CliError): { label: string; text: string }[] {
  const lines = [
    { label: "Error", text: error.what },
    { label: "Why", text: error.why },
    { label: "Fix", text: error.fix },
  ];
  if (error.requestId) lines.push({ label: "Request id", text: error.requestId });
  return lines;
}

export function formatErrorPlain(error: CliError): string {
  return `${errorLines(error)
    .map(({ label, text }) => `${`${label}:`.padEnd(12)}${text}`)
    .join("\n")}\n`;
}
