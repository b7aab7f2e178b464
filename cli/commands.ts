// Every `loco` command, declared once. Implementations live in cli/commands/<name>.ts and load on use.
import type { CommandDefinition, FlagDefinition } from "./definition.ts";

const profileFlag: FlagDefinition = {
  name: "profile",
  short: "p",
  type: "string",
  valueName: "NAME",
  env: "LOCO_PROFILE",
  description: "Profile (environment) to act on; defaults to loco.toml's defaultProfile.",
};
const tenantFlag: FlagDefinition = {
  name: "tenant",
  short: "t",
  type: "string",
  valueName: "NAME",
  env: "LOCO_TENANT",
  description: "Tenant to act in; defaults to the context's tenant.",
};
const fileFlag: FlagDefinition = {
  name: "file",
  short: "f",
  type: "string",
  valueName: "PATH",
  default: "loco.toml",
  description: "Path of the loco.toml to read.",
};

const appFlag: FlagDefinition = {
  name: "app",
  short: "a",
  type: "string",
  valueName: "NAME",
  description: "App to act on; defaults to loco.toml's name.",
};
const waitFlags: FlagDefinition[] = [
  { name: "wait", short: "w", type: "boolean", description: "Follow the rollout until the App is Ready or fails." },
  {
    name: "timeout",
    type: "string",
    valueName: "DURATION",
    default: "10m",
    description: "With --wait: give up after this long (90s, 5m, 1h).",
  },
  {
    name: "non-interactive",
    type: "boolean",
    description: "Plain lines instead of the live view, even on a terminal.",
  },
];
const DEPLOY_JSON =
  '{ app, tenant, profile, deploymentId, unchanged } — with --wait, ndjson: { type: "progress", deploymentId, outcome, conditions } per change, then { type: "result", app, tenant, profile, deploymentId, unchanged, outcome: Available|Failed|Superseded|TimedOut, url: string|null, elapsedMs }';
const ENV_JSON = "{ env: [{ name, value }], secrets: [{ name }] }";

const APP_VIEW = `{ name, tenant, profile, namespace, ready: "True"|"False"|"Unknown", reason: string|null, url: string|null, deploymentId: string|null, spec, status }`;
const TOKEN_VIEW = `{ id, name, role, createdBy, createdAt, expiresAt|null, lastUsedAt|null, revokedAt|null, replacedBy|null }`;

export const COMMANDS: readonly CommandDefinition[] = [
  {
    path: ["login"],
    summary: "Log in to a loco API server and make it the current context.",
    description:
      "Without flags, logs in in a browser with the OIDC device flow of the server's OpenID Provider (GET /v1/auth/config): it prints a URL and a code to approve there, and waits. With --token-stdin, reads an API token (loco_…) from stdin instead: the way to log in from CI. Either credential is checked with the server's /v1/whoami and stored in the user's config directory ($XDG_CONFIG_HOME/loco or ~/.config/loco) with mode 0600.",
    args: [{ name: "server", description: "API server URL, such as https://loco.example.com.", required: false }],
    flags: [
      {
        name: "token-stdin",
        type: "boolean",
        description: "Read an API token from stdin instead of logging in in a browser.",
      },
      {
        name: "server",
        type: "string",
        valueName: "URL",
        env: "LOCO_SERVER",
        description: "API server URL (instead of the argument).",
      },
      tenantFlag,
    ],
    output: { json: "{ context, server, subject, via, tenant: string|null, role: string|null }" },
    exitCodes: ["auth", "timeout", "unavailable"],
    examples: [
      "loco login https://loco.example.com",
      'echo "$LOCO_TOKEN" | loco login https://loco.example.com --token-stdin',
    ],
    load: () => import("./commands/login.ts"),
  },
  {
    path: ["logout"],
    summary: "Forget the credential of the current context (or --all).",
    flags: [{ name: "all", type: "boolean", description: "Forget the credentials of every context." }],
    exitCodes: ["notFound"],
    load: () => import("./commands/logout.ts"),
  },
  {
    path: ["whoami"],
    summary: "Show who you are logged in as, on which server.",
    output: {
      json: "{ context, server, subject, via: oidc|token, platformAdmin, groups: string[], token?: { id, tenant, role } }",
    },
    exitCodes: ["auth", "unavailable", "timeout"],
    load: () => import("./commands/whoami.ts"),
  },
  {
    path: ["context", "ls"],
    summary: "List contexts (one per API server); * marks the current one.",
    output: {
      json: "{ current: string|null, contexts: [{ name, server, tenant: string|null, current: boolean, loggedIn: boolean }] }",
    },
    exitCodes: [],
    load: () => import("./commands/context-ls.ts"),
  },
  {
    path: ["context", "use"],
    summary: "Make a context the current one.",
    args: [{ name: "name", description: "The context's name, as `loco context ls` shows it.", required: true }],
    exitCodes: ["notFound"],
    load: () => import("./commands/context-use.ts"),
  },
  {
    path: ["init"],
    summary: "Write a loco.toml for this repository.",
    description:
      "Writes a full loco.toml with every section commented, or with --minimal only the required keys. The result is checked against the same schema `loco deploy` uses. An existing file is kept unless --force.",
    flags: [
      { name: "name", type: "string", valueName: "APP", description: "App name; defaults to the directory's name." },
      { name: "image", type: "string", valueName: "REF", description: "Container image to deploy." },
      { name: "minimal", type: "boolean", description: "Only the required keys, no comments." },
      { name: "force", type: "boolean", description: "Overwrite an existing loco.toml." },
      fileFlag,
    ],
    exitCodes: [],
    examples: ["loco init --name shop-api --image registry.example.com/acme/shop-api:1.4.2"],
    load: () => import("./commands/init.ts"),
  },
  {
    path: ["deploy"],
    summary: "Deploy this repository's App (loco.toml) to a profile.",
    description:
      "Sends the App spec for the profile (loco.toml's top level merged with [profile.<name>]) and prints the deployment id. With --wait, follows the rollout until the App is Ready (exit 0, with the deployment id and URL), fails (exit 4) or --timeout runs out (exit 5): a live view on a terminal, one line per change otherwise.",
    flags: [
      profileFlag,
      {
        name: "image",
        type: "string",
        valueName: "REF",
        description: "Deploy this image instead of loco.toml's (e.g. one CI just built).",
      },
      { name: "wait", short: "w", type: "boolean", description: "Follow the rollout until the App is Ready or fails." },
      {
        name: "timeout",
        type: "string",
        valueName: "DURATION",
        default: "10m",
        description: "With --wait: give up after this long (90s, 5m, 1h).",
      },
      {
        name: "non-interactive",
        type: "boolean",
        description: "Plain lines instead of the live view, even on a terminal.",
      },
      tenantFlag,
      fileFlag,
    ],
    output: {
      json: '{ app, tenant, profile, deploymentId, unchanged } — with --wait, ndjson: { type: "progress", deploymentId, outcome, conditions } per change, then { type: "result", app, tenant, profile, deploymentId, unchanged, outcome: Available|Failed|Superseded|TimedOut, url: string|null, elapsedMs }',
      stream: true,
    },
    exitCodes: ["auth", "notFound", "deployFailed", "timeout", "unavailable"],
    examples: [
      "loco deploy --profile prod --wait",
      "loco deploy --image registry.example.com/acme/shop-api:$GIT_SHA --wait --timeout 5m -o json",
    ],
    load: () => import("./commands/deploy.ts"),
  },
  {
    path: ["rollback"],
    summary: "Deploy again what an earlier deployment ran (by default the last good one before the current).",
    args: [
      {
        name: "deployment-id",
        description: "Deployment to return to; defaults to the newest Available one before the current.",
        required: false,
      },
    ],
    flags: [appFlag, profileFlag, ...waitFlags, tenantFlag, fileFlag],
    output: { json: DEPLOY_JSON, stream: true },
    exitCodes: ["auth", "notFound", "deployFailed", "timeout", "unavailable"],
    load: () => import("./commands/rollback.ts"),
  },
  {
    path: ["logs"],
    summary: "Show an app's logs: every replica merged, each line labelled with its pod and container.",
    description:
      "-o table on a terminal shows a table that follows new lines; p or space freezes it (new lines are held, not lost) and resumes, q quits. When piped, lines are `[time] pod/container | text`.",
    flags: [
      { name: "follow", short: "f", type: "boolean", description: "Keep streaming new lines." },
      {
        name: "tail",
        short: "n",
        type: "number",
        valueName: "N",
        description: "Start with the last N lines of each replica.",
      },
      {
        name: "since",
        type: "string",
        valueName: "DURATION",
        description: "Only lines newer than this: 30s, 10m, 2h.",
      },
      {
        name: "pod",
        type: "string",
        valueName: "NAME",
        description: "Only this replica (a pod name, or part of one).",
      },
      appFlag,
      profileFlag,
      tenantFlag,
      fileFlag,
    ],
    output: {
      json: "{ pod, container, time, line } per log line, or { pod, container, error } for a replica whose log could not be read",
      stream: true,
      extraFormats: ["table"],
    },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    examples: ["loco logs -f --tail 100", "loco logs --since 10m -o json | jq -r .line", "loco logs -f -o table"],
    load: () => import("./commands/logs.ts"),
  },
  {
    path: ["scale"],
    summary: "Change an app's replicas, or its cpu and memory per replica.",
    flags: [
      { name: "replicas", short: "r", type: "number", valueName: "N", description: "Number of replicas (0 stops it)." },
      { name: "cpu", type: "string", valueName: "QUANTITY", description: "CPU per replica, such as 500m or 1." },
      { name: "memory", type: "string", valueName: "QUANTITY", description: "Memory per replica, such as 512Mi." },
      appFlag,
      profileFlag,
      tenantFlag,
      fileFlag,
    ],
    output: { json: APP_VIEW },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    examples: ["loco scale --replicas 3", "loco scale --app shop-api --profile prod --cpu 1 --memory 1Gi"],
    load: () => import("./commands/scale.ts"),
  },
  {
    path: ["env", "ls"],
    summary: "List an app's environment variables (secret values are never shown).",
    flags: [appFlag, profileFlag, tenantFlag, fileFlag],
    output: { json: ENV_JSON },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/env-ls.ts"),
  },
  {
    path: ["env", "set"],
    summary: "Set environment variables; the app rolls out with them.",
    description:
      "Plain variables as NAME=value. With --secret, the values go to the App's Secret and are never shown again; `loco env set --secret NAME` reads the value from stdin, so it stays out of shell history.",
    args: [
      {
        name: "variables",
        description: "NAME=value pairs, or with --secret one NAME.",
        required: true,
        variadic: true,
      },
    ],
    flags: [
      { name: "secret", short: "s", type: "boolean", description: "Store the values as secrets." },
      appFlag,
      profileFlag,
      tenantFlag,
      fileFlag,
    ],
    output: { json: ENV_JSON },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    examples: ["loco env set LOG_LEVEL=debug", 'printf %s "$DB_PASSWORD" | loco env set --secret DB_PASSWORD'],
    load: () => import("./commands/env-set.ts"),
  },
  {
    path: ["env", "unset"],
    summary: "Remove environment variables (plain or secret).",
    args: [{ name: "names", description: "Names of the variables.", required: true, variadic: true }],
    flags: [appFlag, profileFlag, tenantFlag, fileFlag],
    output: { json: ENV_JSON },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/env-unset.ts"),
  },
  {
    path: ["destroy"],
    summary: "Delete an app from a profile (its pods, Service and route go with it).",
    description: "On a terminal, asks you to type the app's name; elsewhere --yes is required.",
    flags: [
      { name: "yes", short: "y", type: "boolean", description: "Do not ask for confirmation." },
      appFlag,
      profileFlag,
      tenantFlag,
      fileFlag,
    ],
    output: { json: "{ app, tenant, profile, deleted: true }" },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/destroy.ts"),
  },
  {
    path: ["ls"],
    summary: "List the tenant's apps, optionally of one profile.",
    flags: [{ ...profileFlag, description: "Only apps of this profile." }, tenantFlag],
    output: { json: `{ items: [${APP_VIEW}] }` },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/ls.ts"),
  },
  {
    path: ["status"],
    summary: "Show an app's status: readiness, URL, deployment, conditions.",
    args: [{ name: "app", description: "App name; defaults to loco.toml's name.", required: false }],
    flags: [profileFlag, tenantFlag, fileFlag],
    output: { json: APP_VIEW },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/status.ts"),
  },
  {
    path: ["profile", "ls"],
    summary: "List the profiles (environments) apps can be deployed to.",
    output: { json: "{ items: [{ name, ready: True|False|Unknown, spec, conditions }] }" },
    exitCodes: ["auth", "unavailable", "timeout"],
    load: () => import("./commands/profile-ls.ts"),
  },
  {
    path: ["token", "create"],
    summary: "Mint an API token for CI (shown once).",
    args: [{ name: "name", description: "A name to recognise the token by.", required: true }],
    flags: [
      {
        name: "role",
        type: "string",
        choices: ["viewer", "developer", "admin", "owner"],
        default: "developer",
        description: "Role of the token; at most yours.",
      },
      { name: "expires-in-days", type: "number", valueName: "DAYS", default: 90, description: "Lifetime in days." },
      tenantFlag,
    ],
    output: { json: `{ token: ${TOKEN_VIEW}, secret: "loco_…" }` },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/token-create.ts"),
  },
  {
    path: ["token", "ls"],
    summary: "List API tokens (yours; all of the tenant's for admins).",
    flags: [tenantFlag],
    output: { json: `{ items: [${TOKEN_VIEW}] }` },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/token-ls.ts"),
  },
  {
    path: ["token", "revoke"],
    summary: "Revoke an API token.",
    args: [{ name: "id", description: "The token's id, as `loco token ls` shows it.", required: true }],
    flags: [tenantFlag],
    output: { json: "{ id, revoked: true }" },
    exitCodes: ["auth", "notFound", "unavailable", "timeout"],
    load: () => import("./commands/token-revoke.ts"),
  },
  {
    path: ["completion"],
    summary: "Print a shell completion script.",
    args: [{ name: "shell", description: "bash, zsh or fish.", required: true, choices: ["bash", "zsh", "fish"] }],
    exitCodes: [],
    examples: ["source <(loco completion bash)", "loco completion fish | source"],
    load: () => import("./commands/completion.ts"),
  },
];
