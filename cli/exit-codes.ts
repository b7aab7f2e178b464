// The CLI's exit codes: one closed set, documented in docs/cli.md (generated from this table).
export const EXIT_CODES = {
  ok: { code: 0, meaning: "Success." },
  usage: {
    code: 1,
    meaning: "Usage: an unknown command or flag, a missing argument, an invalid loco.toml or request.",
  },
  auth: {
    code: 2,
    meaning: "Authentication or permission: not logged in, an expired or revoked credential, a role too low.",
  },
  notFound: { code: 3, meaning: "Not found: the app, tenant, token or context does not exist (or is not yours)." },
  deployFailed: { code: 4, meaning: "Deploy failed: the rollout ended without the App becoming Ready." },
  timeout: { code: 5, meaning: "Timeout: waiting (--timeout) or the API request took too long." },
  unavailable: {
    code: 6,
    meaning: "Unavailable or refused: the API could not be reached, answered 5xx, 409 or 429, or anything else failed.",
  },
  runFailed: {
    code: 7,
    meaning: "Run failed: the Run ended without succeeding (a task failed or timed out, or it was cancelled).",
  },
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;
export const exitCode = (name: ExitCodeName): number => EXIT_CODES[name].code;
