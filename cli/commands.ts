// Every `loco` command, declared once. Implementations live in cli/commands/<name>.ts and load on use.
import { NOTIFICATION_TYPES } from "../crds/notification-types.ts";
import { type CommandDefinition, defineCommand, type FlagDefinition, withImplementation } from "./definition.ts";

const profileFlag = {
  name: "profile",
  short: "p",
  type: "string",
  valueName: "NAME",
  env: "LOCO_PROFILE",
  description: "Profile (environment) to act on; defaults to loco.toml's defaultProfile.",
} as const satisfies FlagDefinition;
const tenantFlag = {
  name: "tenant",
  short: "t",
  type: "string",
  valueName: "NAME",
  env: "LOCO_TENANT",
  description: "Tenant to act in; defaults to the context's tenant.",
} as const satisfies FlagDefinition;
const fileFlag = {
  name: "file",
  short: "f",
  type: "string",
  valueName: "PATH",
  default: "loco.toml",
  description: "Path of the loco.toml to read.",
} as const satisfies FlagDefinition;
// -f is --follow on the commands that stream (logs, run logs: as in kubectl, docker and heroku logs) and --file
// everywhere else (as in kubectl apply -f). No command has both: on those, --file has only its long form.
// cli/definition.test.ts refuses a short flag used twice by one command.
const fileFlagLongOnly = {
  name: fileFlag.name,
  type: fileFlag.type,
  valueName: fileFlag.valueName,
  default: fileFlag.default,
  description: fileFlag.description,
} as const satisfies FlagDefinition;

const appFlag = {
  name: "app",
  short: "a",
  type: "string",
  valueName: "NAME",
  description: "App to act on; defaults to loco.toml's name.",
} as const satisfies FlagDefinition;
const waitFlags = [
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
] as const satisfies readonly FlagDefinition[];
const DEPLOY_JSON =
  '{ app, tenant, profile, deploymentId, unchanged } — with --wait, ndjson: { type: "progress", deploymentId, outcome, conditions } per change, then { type: "result", app, tenant, profile, deploymentId, unchanged, outcome: Available|Failed|Superseded|TimedOut, url: string|null, elapsedMs }';
const ENV_JSON = "{ env: [{ name, value }], secrets: [{ name }] }";
const PIPELINE_VIEW =
  '{ name, tenant, profile, namespace, generation, ready: "True"|"False"|"Unknown", reason: string|null, message: string|null, lost: boolean|null, spec, status }';
const RUN_VIEW =
  "{ name, tenant, profile, namespace, pipeline: string|null, phase: Pending|Queued|Running|Succeeded|Failed, reason: string|null, message: string|null, lost: boolean|null, cancelRequested, parameters, startedBy, createdAt, startTime, completionTime, duration, tasks: [{ name, state, attempts?, startTime?, completionTime?, exitCode?, reason?, message? }], spec, status }";
const RUN_WATCH_JSON =
  '{ type: "progress", run, phase, tasks: [{ name, state, exitCode?, reason?, startTime?, completionTime? }] } per change, then { type: "result", run, pipeline, profile, phase: Succeeded|Failed|TimedOut, reason, failedTask: string|null, tasks, elapsedMs }';
const pipelineNameFlag = {
  name: "name",
  type: "string",
  valueName: "NAME",
  description: "Pipeline name; defaults to the file's metadata.name.",
} as const satisfies FlagDefinition;
const runWatchFlags = [
  {
    name: "timeout",
    type: "string",
    valueName: "DURATION",
    default: "1h",
    description: "Stop watching after this long (90s, 5m, 1h); the run goes on.",
  },
  {
    name: "non-interactive",
    type: "boolean",
    description: "Plain lines instead of the live view, even on a terminal.",
  },
] as const satisfies readonly FlagDefinition[];

const APP_VIEW = `{ name, tenant, profile, namespace, ready: "True"|"False"|"Unknown", reason: string|null, message: string|null, lost: boolean|null, url: string|null, deploymentId: string|null, spec, status }`;
const TOKEN_VIEW = `{ id, name, role, createdBy, createdAt, expiresAt|null, lastUsedAt|null, revokedAt|null, replacedBy|null, rotatedBy|null }`;

export const loginCommand = defineCommand({
  path: ["login"],
  summary: "Log in to a loco API server and make it the current context.",
  description:
    "Without flags, logs in in a browser with the OIDC device flow of the server's OpenID Provider (GET /v1/auth/config): it prints a URL and a code to approve there, and waits. With --token-stdin, reads an API token (loco_…) from stdin instead: the way to log in from CI. Either credential is checked with the server's /v1/whoami and stored in the user's config directory ($XDG_CONFIG_HOME/loco or ~/.config/loco) with mode 0600. A browser login asks for offline_access: when its access token expires, commands renew it with the refresh token, without asking; once the provider refuses that, they say to log in again. The provider's issuer and endpoints must be https:// (plain http:// only on this machine: localhost, 127.0.0.0/8, ::1); otherwise the login stops before sending anything.",
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
});

export const logoutCommand = defineCommand({
  path: ["logout"],
  summary: "Forget the credential of the current context (or --all).",
  flags: [{ name: "all", type: "boolean", description: "Forget the credentials of every context." }],
  exitCodes: ["notFound"],
});

export const whoamiCommand = defineCommand({
  path: ["whoami"],
  summary: "Show who you are logged in as, on which server.",
  output: {
    json: "{ context, server, subject, via: oidc|token, platformAdmin, groups: string[], token?: { id, tenant, role } }",
  },
  exitCodes: ["auth", "unavailable", "timeout"],
});

export const platformCommand = defineCommand({
  path: ["platform"],
  summary:
    "Show the API this context talks to: its version, the health of what it needs, and whether pods are simulated.",
  description:
    "Asks the API for its version and probes (database, Kubernetes and, when configured, the OpenID Provider — the same as its /readyz) and says whether pods run on simulated nodes, as on the local platform, where Apps become Ready but nothing answers on their URLs. Exits 6 when a dependency is failing.",
  output: {
    json: "{ context, server, version, ready, checks: { <name>: ok|failing }, simulatedNodes, console: { available, url } }",
  },
  exitCodes: ["unavailable", "timeout"],
});

export const contextLsCommand = defineCommand({
  path: ["context", "ls"],
  summary: "List contexts (one per API server); * marks the current one.",
  output: {
    json: "{ current: string|null, contexts: [{ name, server, tenant: string|null, current: boolean, loggedIn: boolean }] }",
  },
  exitCodes: [],
});

export const contextUseCommand = defineCommand({
  path: ["context", "use"],
  summary: "Make a context the current one.",
  args: [{ name: "name", description: "The context's name, as `loco context ls` shows it.", required: true }],
  exitCodes: ["notFound"],
});

export const initCommand = defineCommand({
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
});

export const deployCommand = defineCommand({
  path: ["deploy"],
  summary: "Deploy this repository's App (loco.toml) to a profile.",
  description:
    "Sends the App spec for the profile (loco.toml's top level merged with [profile.<name>]) and prints the deployment id. Variables set with `loco env set` and replicas, cpu and memory set with `loco scale` stay in effect over loco.toml's values (the deploy lists them; --force-conflicts gives loco.toml the last word). With --wait, follows the rollout until the App is Ready (exit 0, with the deployment id and URL), fails (exit 4) or --timeout runs out (exit 5): a live view on a terminal, one line per change otherwise.",
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
    {
      name: "dry-run",
      type: "boolean",
      description:
        "Show what the deploy would change (spec fields, variable names, replicas, overrides) and change nothing.",
    },
    {
      name: "force-conflicts",
      type: "boolean",
      description:
        "loco.toml's values replace those `loco env set` and `loco scale` gave fields it declares too (by default theirs stay).",
    },
    {
      ...appFlag,
      description:
        "With --image and no loco.toml: deploy this App's current spec with that image (what a Pipeline's deploy step runs).",
    },
    tenantFlag,
    fileFlag,
  ],
  output: {
    json: '{ app, tenant, profile, deploymentId, unchanged, overrides } — with --dry-run: { app, tenant, profile, exists, changed, generation, changes, diff, env: { added, removed }, replicas: { before, after }, overrides } — with --wait, ndjson: { type: "progress", deploymentId, outcome, conditions } per change, then { type: "result", app, tenant, profile, deploymentId, unchanged, outcome: Available|Failed|Superseded|TimedOut, url: string|null, elapsedMs }',
    stream: true,
  },
  exitCodes: ["auth", "notFound", "deployFailed", "timeout", "unavailable"],
  examples: [
    "loco deploy --profile prod --wait",
    "loco deploy --profile prod --dry-run",
    "loco deploy --image registry.example.com/acme/shop-api:$GIT_SHA --wait --timeout 5m -o json",
  ],
});

export const rollbackCommand = defineCommand({
  path: ["rollback"],
  summary:
    "Run again what an earlier release ran — image, spec, env and secret values — as a new release (by default the last good deployment before the current).",
  description:
    "With a release number (see `loco releases`) the App gets that release's whole spec and the secret values it ran (the operator writes them back from their stored versions). With a deployment id, or nothing, the spec of that deployment (the newest Available one before the current) is deployed again and secret values stay as they are.",
  args: [
    {
      name: "release",
      description:
        "Release number to return to, or a deployment id; defaults to the newest Available deployment before the current.",
      required: false,
    },
  ],
  flags: [appFlag, profileFlag, ...waitFlags, tenantFlag, fileFlag],
  output: { json: DEPLOY_JSON, stream: true },
  exitCodes: ["auth", "notFound", "deployFailed", "timeout", "unavailable"],
});

export const promoteCommand = defineCommand({
  path: ["promote"],
  summary:
    "Run an app's current release of one profile in another: the same image, env and secret versions, as a release that names its source.",
  description:
    "The release must be Available in --from. The image is carried as that release recorded it (with its digest when it names one; a tag is carried as the tag), with its command, ports, health checks, env and secret values (restored in --to from their stored versions). Routes, resources, scale, timeouts and the rollout strategy stay --to's (its Profile's defaults for a first promotion), and variables set in --to with `loco env set` or `loco secrets set` keep their values there. Refused (exit 6, the API answers 409 with a reason) when the source has no release, its release is not Available, --to does not exist, or a secret version is no longer stored.",
  args: [{ name: "app", description: "The App to promote (the same name in both profiles).", required: true }],
  flags: [
    { name: "from", type: "string", valueName: "PROFILE", description: "Profile whose current release to promote." },
    { name: "to", type: "string", valueName: "PROFILE", description: "Profile to promote it into." },
    ...waitFlags,
    tenantFlag,
  ],
  output: {
    json: "{ app, tenant, from, to, release: number|null, source: { profile, release, deploymentId }, image, pinned, secrets: { KEY: versionId }, overridden, deploymentId, unchanged } — with --wait, ndjson like deploy's",
    stream: true,
  },
  exitCodes: ["auth", "notFound", "deployFailed", "timeout", "unavailable"],
  examples: ["loco promote shop-api --from dev --to prod --wait", "loco promote shop-api --from uat --to prod -o json"],
});

export const logsCommand = defineCommand({
  path: ["logs"],
  summary: "Show an app's logs: every replica merged, each line labelled with its pod and container.",
  description:
    "-o table on a terminal shows a table that follows new lines; p or space freezes it (new lines are held, not lost) and resumes, q quits. When piped, lines are `[time] pod/container | text`.",
  flags: [
    {
      name: "follow",
      short: "f",
      type: "boolean",
      description:
        "Keep streaming new lines; after a break (an API restart) it reconnects and goes on from the last line, none lost or repeated.",
    },
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
    fileFlagLongOnly,
  ],
  output: {
    json: "{ pod, container, time, line } per log line, or { pod, container, error } for a replica whose log could not be read",
    stream: true,
    extraFormats: ["table"],
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco logs -f --tail 100", "loco logs --since 10m -o json | jq -r .line", "loco logs -f -o table"],
});

export const execCommand = defineCommand({
  path: ["exec"],
  summary: "Run a command in a running replica of an app, print its output and exit with its exit code.",
  description:
    "The command goes after -- and runs as is in the App's container (name a shell to get one: `-- sh -c '…'`), in the replica named by --pod or else the first ready one. Its stdout and stderr are printed as they come, and loco exits with the command's exit code (so codes 1–7 can't be told apart from loco's own: use -o json for the exact outcome), or 7 when it ended without one. It needs the developer role; the tenant's audit log records who ran which program in which pod (not its arguments). With -i the command reads loco's stdin (piped input reaches it, its end too); with --tty (`loco exec -it <app> -- sh`) it runs in a terminal: keystrokes (Ctrl-C included) and window sizes go to it, and your terminal is put back when it ends. --tty needs loco's stdin to be a terminal; -o json goes only without -i/--tty.",
  args: [
    { name: "app", description: "The App to run the command in.", required: true },
    { name: "command", description: "The command and its arguments, after --.", required: true, variadic: true },
  ],
  flags: [
    {
      name: "pod",
      type: "string",
      valueName: "NAME",
      description: "The replica (pod) to run in, as `loco status` shows it.",
    },
    {
      name: "interactive",
      short: "i",
      type: "boolean",
      description: "Forward stdin to the command (a two-way session; output is written as it comes).",
    },
    {
      name: "tty",
      type: "boolean",
      description: "Run the command in a terminal (implies -i); `-it` is --interactive --tty.",
    },
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: {
    json: 'ndjson: { stream: "stdout"|"stderr", data } per chunk of output, then { exitCode: number|null, pod, message? }',
    stream: true,
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout", "runFailed"],
  examples: [
    "loco exec shop-api -- ./manage check",
    "loco exec -it shop-api -- sh",
    "loco exec shop-api --profile prod --pod shop-api-7d9f-x2 -- env",
  ],
});

export const scaleCommand = defineCommand({
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
});

const ROLLOUT_JSON =
  "{ app, profile, strategy, steps, inFlight, rollout: { deploymentId, step, weight, phase, message, stepStartedAt, analysis? } | null, condition: { status, reason, message } | null }";

export const rolloutStatusCommand = defineCommand({
  path: ["rollout", "status"],
  summary: "Show an app's canary rollout: step, traffic weight, phase and analysis checks.",
  args: [{ name: "app", description: "The App whose rollout to show.", required: true }],
  flags: [profileFlag, tenantFlag, fileFlag],
  output: { json: ROLLOUT_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco rollout status shop-api --profile prod"],
});

export const rolloutPromoteCommand = defineCommand({
  path: ["rollout", "promote"],
  summary: "Promote an app's canary now, skipping its remaining steps.",
  description:
    "Asks the operator to promote the canary rollout in flight: the stable version takes the canary's template, then all traffic goes to it and the canary scales to zero. Refused (exit 6, the API answers 409) when no rollout is in flight.",
  args: [{ name: "app", description: "The App whose canary to promote.", required: true }],
  flags: [profileFlag, tenantFlag, fileFlag],
  output: { json: ROLLOUT_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco rollout promote shop-api --profile prod"],
});

export const rolloutAbortCommand = defineCommand({
  path: ["rollout", "abort"],
  summary: "Abort an app's canary: traffic back to the stable version, the canary scaled to zero.",
  description:
    "Asks the operator to abort the canary rollout in flight. The App's Ready condition then says RolloutAborted until a new release starts a new rollout. Refused (exit 6, the API answers 409) when no rollout is in flight.",
  args: [{ name: "app", description: "The App whose canary to abort.", required: true }],
  flags: [profileFlag, tenantFlag, fileFlag],
  output: { json: ROLLOUT_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco rollout abort shop-api --profile prod"],
});

export const envLsCommand = defineCommand({
  path: ["env", "ls"],
  summary: "List an app's environment variables (secret values are never shown).",
  flags: [appFlag, profileFlag, tenantFlag, fileFlag],
  output: { json: ENV_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const envSetCommand = defineCommand({
  path: ["env", "set"],
  summary: "Set environment variables; the app rolls out with them.",
  description:
    "Plain variables as NAME=value. With --secret, one NAME whose value is read from stdin or --from-file and goes to the App's Secret, never shown again; a secret value on the command line is refused, because it would stay in shell history and be visible to other users of the machine.",
  args: [
    {
      name: "variables",
      description: "NAME=value pairs, or with --secret one NAME.",
      required: true,
      variadic: true,
    },
  ],
  flags: [
    {
      name: "secret",
      short: "s",
      type: "boolean",
      description: "Store the value as a secret (from stdin or --from-file).",
    },
    { name: "from-file", type: "string", description: "With --secret: read the value from this file." },
    appFlag,
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: { json: ENV_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: [
    "loco env set LOG_LEVEL=debug",
    'printf %s "$DB_PASSWORD" | loco env set --secret DB_PASSWORD',
    "loco env set --secret TLS_KEY --from-file ./tls.key",
  ],
});

export const envUnsetCommand = defineCommand({
  path: ["env", "unset"],
  summary: "Remove environment variables (plain or secret).",
  args: [{ name: "names", description: "Names of the variables.", required: true, variadic: true }],
  flags: [appFlag, profileFlag, tenantFlag, fileFlag],
  output: { json: ENV_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const envSyncCommand = defineCommand({
  path: ["env", "sync"],
  summary: "Push a .env file: set what differs, optionally remove what is missing; shows the plan first.",
  description:
    "Compares the file with the App's variables and prints the plan (+ add, ~ change, * secret, - remove), then applies it in one rollout per kind (plain, secret) — or with --dry-run only prints it. Keys named in --secret are stored as secrets; their current values are never read back, so they are always set and never shown. Variables the App has and the file lacks are kept unless --prune.",
  args: [{ name: "file", description: "The .env file (NAME=value lines); defaults to .env.", required: false }],
  flags: [
    {
      name: "secret",
      short: "s",
      type: "string",
      valueName: "NAMES",
      description: "Comma-separated keys of the file to store as secrets.",
    },
    { name: "prune", type: "boolean", description: "Remove variables (plain and secret) that the file lacks." },
    { name: "dry-run", type: "boolean", description: "Print the plan and change nothing." },
    appFlag,
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: {
    json: "{ app, tenant, profile, plan: { add: [{ name, value }], change: [{ name, from: string|null, value }], secrets: string[], remove: string[], keep: string[], unchanged: string[] }, applied: boolean, env: { env: [{ name, value }], secrets: [{ name }] } }",
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco env sync --dry-run", "loco env sync .env.production --secret DB_PASSWORD,API_KEY --prune"],
});

export const destroyCommand = defineCommand({
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
});

export const lsCommand = defineCommand({
  path: ["ls"],
  summary: "List the tenant's apps, optionally of one profile.",
  flags: [{ ...profileFlag, description: "Only apps of this profile." }, tenantFlag],
  output: { json: `{ items: [${APP_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const mapCommand = defineCommand({
  path: ["map"],
  summary: "Show the tenant's apps as a tree: per profile and project, with status, URL and who discovers whom.",
  description:
    "Apps of one project in one profile reach each other through LOCO_<APP>_URL (for every other app of the project with a port); the tree shows these links under each app as → target (VARIABLE).",
  flags: [{ ...profileFlag, description: "Only apps of this profile." }, tenantFlag],
  output: {
    json: "{ tenant, profiles: [{ profile, namespace, projects: [{ project: string|null, apps: [{ name, ready, reason: string|null, url: string|null, deploymentId: string|null, discovers: [{ app, variable }], discoveredBy: string[] }] }] }] }",
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco map", "loco map --profile prod -o json"],
});

export const openCommand = defineCommand({
  path: ["open"],
  summary:
    "Open the app's URL, its page in the web console, the tenant's console overview, the app's logs page or loco's docs in a browser.",
  description:
    "Prints the URL instead when stdout is not a terminal or with --print. The browser is $BROWSER, else open (macOS), start (Windows) or xdg-open. console, dashboard and logs are pages of the web console the API serves (GET /v1/platform says where); LOCO_DASHBOARD_URL overrides its address. docs is https://loco.dev/docs unless LOCO_DOCS_URL says otherwise.",
  args: [
    {
      name: "target",
      description: "What to open; defaults to app.",
      required: false,
      choices: ["app", "console", "dashboard", "logs", "docs"],
    },
  ],
  flags: [
    { name: "print", type: "boolean", description: "Print the URL instead of opening it." },
    appFlag,
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: { json: "{ target, url }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: [
    "loco open",
    "loco open console --profile prod",
    "loco open logs --profile prod",
    "loco open docs --print",
  ],
});

export const statusCommand = defineCommand({
  path: ["status"],
  summary: "Show an app's status: readiness, URL, deployment, conditions.",
  args: [{ name: "app", description: "App name; defaults to loco.toml's name.", required: false }],
  flags: [profileFlag, tenantFlag, fileFlag],
  output: { json: APP_VIEW },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const profileLsCommand = defineCommand({
  path: ["profile", "ls"],
  summary: "List the profiles (environments) apps can be deployed to.",
  output: { json: "{ items: [{ name, ready: True|False|Unknown, spec, conditions }] }" },
  exitCodes: ["auth", "unavailable", "timeout"],
});

export const tokenCreateCommand = defineCommand({
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
});

export const tokenLsCommand = defineCommand({
  path: ["token", "ls"],
  summary: "List API tokens (yours; all of the tenant's for admins).",
  flags: [tenantFlag],
  output: { json: `{ items: [${TOKEN_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const tokenRevokeCommand = defineCommand({
  path: ["token", "revoke"],
  summary: "Revoke an API token, or the bootstrap token.",
  description:
    "Revokes one of the tenant's API tokens by id. With --bootstrap instead of an id, a platform admin revokes the token loco-api minted on its first start (DELETE /v1/bootstrap-token); it is also revoked when a platform admin first logs in with OpenID Connect, and expires by itself.",
  args: [{ name: "id", description: "The token's id, as `loco token ls` shows it.", required: false }],
  flags: [
    tenantFlag,
    { name: "bootstrap", type: "boolean", description: "Revoke the first-start bootstrap token (platform admins)." },
  ],
  output: { json: "{ id, revoked: true } — with --bootstrap: { bootstrap: true, revoked: true }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco token revoke 01JD6Z7Q5V8K2M4N6P8R0T2W4Y", "loco token revoke --bootstrap"],
});

const WEBHOOK_VIEW = `{ id, url, format: loco|slack, events: string[], description, createdBy, createdAt }`;
const DELIVERY_VIEW = `{ id, eventId, eventType, state: pending|delivered|failed, attempts, nextAttemptAt|null, lastError|null, responseCode|null, createdAt, finishedAt|null }`;
const webhookIdArg = {
  name: "id",
  description: "The webhook's id, as `loco webhook ls` shows it.",
  required: true,
} as const;

export const webhookAddCommand = defineCommand({
  path: ["webhook", "add"],
  summary: "Send the tenant's release and run notifications to a URL, signed (the secret is shown once).",
  description:
    "Adds a webhook: each notification (release started, succeeded, failed or rolled back; run failed) is POSTed to the URL as JSON, or as a Slack-compatible message with --format slack, signed with HMAC-SHA256 over the timestamp and body (docs/notifications.md says how to verify it). Failed deliveries are retried with backoff. URLs that reach loopback, private, link-local or unique-local addresses are refused unless a platform admin allows them. Needs the admin or owner role.",
  args: [{ name: "url", description: "The http(s) URL that receives the notifications.", required: true }],
  flags: [
    {
      name: "format",
      type: "string",
      choices: ["loco", "slack"],
      default: "loco",
      description: "loco: the notification as JSON; slack: a { text } message for Slack and look-alikes.",
    },
    {
      name: "event",
      type: "string",
      choices: NOTIFICATION_TYPES,
      multiple: true,
      valueName: "TYPE",
      description: "A notification to send; repeat for more (default: all).",
    },
    { name: "description", type: "string", valueName: "TEXT", description: "What the webhook is for." },
    tenantFlag,
  ],
  output: { json: `{ webhook: ${WEBHOOK_VIEW}, secret: "whsec_…" }` },
  exitCodes: ["usage", "auth", "notFound", "unavailable", "timeout"],
  examples: [
    "loco webhook add https://hooks.example.com/loco --event release.failed --event run.failed",
    "loco webhook add https://hooks.slack.com/services/T000/B000/XXXX --format slack",
  ],
});

export const webhookLsCommand = defineCommand({
  path: ["webhook", "ls"],
  summary: "List the tenant's webhooks (never their secrets).",
  flags: [tenantFlag],
  output: { json: `{ items: [${WEBHOOK_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const webhookRmCommand = defineCommand({
  path: ["webhook", "rm"],
  summary: "Remove a webhook, its pending deliveries and its delivery log.",
  args: [webhookIdArg],
  flags: [tenantFlag],
  output: { json: "{ id, removed: true }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const webhookDeliveriesCommand = defineCommand({
  path: ["webhook", "deliveries"],
  summary: "Show a webhook's delivery log, newest first: state, attempts, response code and last error.",
  args: [webhookIdArg],
  flags: [
    { name: "limit", type: "number", valueName: "N", default: 20, description: "How many deliveries to show." },
    tenantFlag,
  ],
  output: { json: `{ items: [${DELIVERY_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const webhookTestCommand = defineCommand({
  path: ["webhook", "test"],
  summary: "Queue a signed test notification (webhook.test) to a webhook; see it in its deliveries.",
  args: [webhookIdArg],
  flags: [tenantFlag],
  output: { json: "{ deliveryId, eventId }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const pipelineApplyCommand = defineCommand({
  path: ["pipeline", "apply"],
  summary: "Create or update a pipeline from a YAML or JSON file.",
  description:
    "The file holds a Pipeline manifest (kind: Pipeline, metadata.name, spec) or just its spec (then pass --name). The API validates it with the Pipeline schema and names any field it refuses.",
  args: [{ name: "file", description: "Path of the pipeline file (.yaml, .yml or .json).", required: true }],
  flags: [pipelineNameFlag, profileFlag, tenantFlag],
  output: { json: PIPELINE_VIEW },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco pipeline apply ci.yaml --profile dev", "loco pipeline apply spec.json --name nightly"],
});

export const pipelineDiffCommand = defineCommand({
  path: ["pipeline", "diff"],
  summary: "Show what applying a pipeline file would change in the running pipeline; changes nothing.",
  description:
    "The API dry-runs the apply (defaults and validation included) and compares the result with the running Pipeline, field by field; tasks are matched by name. Lines read `+ added`, `- removed`, `~ old → new`.",
  args: [{ name: "file", description: "Path of the pipeline file (.yaml, .yml or .json).", required: true }],
  flags: [pipelineNameFlag, profileFlag, tenantFlag],
  output: {
    json: "{ name, profile, exists, changed, generation: number|null, changes: [{ path, op: added|removed|changed, before?, after? }], diff }",
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco pipeline diff ci.yaml --profile prod"],
});

export const pipelineLsCommand = defineCommand({
  path: ["pipeline", "ls"],
  summary: "List the tenant's pipelines, optionally of one profile.",
  flags: [{ ...profileFlag, description: "Only pipelines of this profile." }, tenantFlag],
  output: { json: `{ items: [${PIPELINE_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

const PIPELINE_SECRETS_JSON = "{ pipeline, profile, secret, names: string[] } — names only, never values";
const pipelineArg = { name: "pipeline", description: "Name of the pipeline.", required: true } as const;

export const pipelineSecretsLsCommand = defineCommand({
  path: ["pipeline", "secrets", "ls"],
  summary: "List the names of a pipeline's secret values (never the values).",
  args: [pipelineArg],
  flags: [profileFlag, tenantFlag],
  output: { json: PIPELINE_SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const pipelineSecretsSetCommand = defineCommand({
  path: ["pipeline", "secrets", "set"],
  summary: "Store a secret value for a pipeline's tasks (read from stdin or --from-file, never shown again).",
  description:
    "The value goes to the pipeline's Secret <pipeline>.pipeline-secrets under NAME, which a task reads with secretEnv: [{ name: VARIABLE, secretKey: NAME }]; Jobs started from then on see it. A value on the command line is refused, because it would stay in shell history and be visible to other users of the machine. The value is stored encrypted in loco's database and restored with the pipeline after a disaster.",
  args: [pipelineArg, { name: "name", description: "Name of the value (the secretKey tasks name).", required: true }],
  flags: [
    { name: "from-file", type: "string", valueName: "PATH", description: "Read the value from this file." },
    profileFlag,
    tenantFlag,
  ],
  output: { json: PIPELINE_SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: [
    'printf %s "$NPM_TOKEN" | loco pipeline secrets set ci NPM_TOKEN',
    "loco pipeline secrets set release SIGNING_KEY --from-file ./signing.key --profile prod",
  ],
});

export const pipelineSecretsUnsetCommand = defineCommand({
  path: ["pipeline", "secrets", "unset"],
  summary: "Remove secret values of a pipeline.",
  args: [pipelineArg, { name: "names", description: "Names of the values.", required: true, variadic: true }],
  flags: [profileFlag, tenantFlag],
  output: { json: PIPELINE_SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const runCommand = defineCommand({
  path: ["run"],
  summary: "Run a one-off command as an app (its image, env and secrets) and exit with the command's exit code.",
  description:
    "The command goes after --. It runs once, in a Run of its own, as the App named by --app or loco.toml (the App's image, env, secret env and resources; --image and --env override them), or without an App in --image. Its log lines are printed as they come, and loco exits with the command's exit code: 0 when it succeeded, its own code when it failed (so codes 1–7 can't be told apart from loco's own: use -o json for the exact outcome), 7 when it ended without an exit code (timed out, cancelled, never started), 5 when loco stopped watching. With --detach, prints the run's name and returns at once. The Run is a Run like any other: `loco run logs`, `watch`, `cancel` and `timeline` take its name. -i/--tty (`loco run -it`) are refused, saying so: a Run's command starts without stdin or a TTY and loco does not attach to it yet; for an interactive shell as the App, use `loco exec -it <app> -- sh`.",
  args: [{ name: "command", description: "The command and its arguments, after --.", required: true, variadic: true }],
  flags: [
    { ...appFlag, description: "App to run the command as; defaults to loco.toml's name (none with only --image)." },
    {
      name: "image",
      type: "string",
      valueName: "REF",
      description: "Run this image instead of the App's; without an App, the image to run the command in.",
    },
    {
      name: "env",
      short: "e",
      type: "string",
      valueName: "NAME=VALUE",
      multiple: true,
      description: "A variable for the command, over the App's; repeat for more.",
    },
    {
      name: "pod-annotation",
      type: "string",
      valueName: "KEY=VALUE",
      multiple: true,
      description:
        "An annotation on the command's pod (only keys the platform allows), such as sidecar.istio.io/inject=false.",
    },
    {
      name: "timeout",
      type: "string",
      valueName: "DURATION",
      default: "1h",
      description: "Longest the command may run before it fails with TimedOut (90s, 15m, 1h).",
    },
    { name: "detach", short: "d", type: "boolean", description: "Start the run, print its name and return." },
    {
      name: "interactive",
      short: "i",
      type: "boolean",
      description: "Attach stdin (with --tty, a terminal): refused for now; `loco exec -it <app> -- sh` gives a shell.",
    },
    { name: "tty", type: "boolean", description: "Attach a terminal; `-it` is --interactive --tty." },
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: {
    json: `ndjson: { type: "log", task, attempt, pod, time, line } per log line, then { type: "result", run, profile, phase: Succeeded|Failed|TimedOut, reason, exitCode: number|null, exit } — with --detach: ${RUN_VIEW}`,
    stream: true,
  },
  exitCodes: ["auth", "notFound", "timeout", "unavailable", "runFailed"],
  examples: [
    "loco run -- ./manage migrate",
    "loco run --app shop-api --profile prod -- sh -c 'echo $DATABASE_URL | cut -c1-12'",
    "loco run --image busybox:1.37 --detach -- sleep 60",
  ],
});

export const runStartCommand = defineCommand({
  path: ["run", "start"],
  summary: "Start a run of a pipeline; with --watch, follow it and exit with its result.",
  description:
    "Parameters are checked against the ones the pipeline declares (unknown or missing ones are refused, by name). With --watch: a live task tree on a terminal (each task's state and duration, the last log lines of running tasks), one line per change when piped, ndjson with -o json; exits 0 when the run succeeds, 7 naming the failing task when it fails, 5 when --timeout runs out first.",
  args: [{ name: "pipeline", description: "Name of the pipeline to run.", required: true }],
  flags: [
    {
      name: "param",
      type: "string",
      valueName: "NAME=VALUE",
      multiple: true,
      description: "A parameter value; repeat for more.",
    },
    ...runWatchFlags,
    { name: "watch", short: "w", type: "boolean", description: "Follow the run until it finishes." },
    profileFlag,
    tenantFlag,
  ],
  output: { json: `${RUN_VIEW} — with --watch, ndjson: ${RUN_WATCH_JSON}`, stream: true },
  exitCodes: ["auth", "notFound", "runFailed", "timeout", "unavailable"],
  examples: [
    "loco run start ci --watch",
    "loco run start release --param version=1.4.2 --param channel=beta -w -o json",
  ],
});

export const runWatchCommand = defineCommand({
  path: ["run", "watch"],
  summary: "Follow a run until it finishes, and exit with its result.",
  description:
    "A live task tree on a terminal (each task's state and duration, the last log lines of running tasks), one line per change when piped, ndjson with -o json. Exits 0 when the run succeeds, 7 naming the failing task when it fails, 5 when --timeout runs out first.",
  args: [{ name: "run", description: "Name of the run, as `loco run ls` shows it.", required: true }],
  flags: [...runWatchFlags, profileFlag, tenantFlag],
  output: { json: RUN_WATCH_JSON, stream: true },
  exitCodes: ["auth", "notFound", "runFailed", "timeout", "unavailable"],
});

export const runLsCommand = defineCommand({
  path: ["run", "ls"],
  summary: "List runs, newest first, by pipeline, phase and age.",
  flags: [
    { name: "pipeline", type: "string", valueName: "NAME", description: "Only runs of this pipeline." },
    {
      name: "phase",
      type: "string",
      valueName: "PHASES",
      description: "Only runs in these phases, comma-separated: Pending, Queued, Running, Succeeded, Failed.",
    },
    {
      name: "since",
      type: "string",
      valueName: "WHEN",
      description: "Only runs started within this duration (30m, 12h, 7d) or after this RFC 3339 time.",
    },
    { name: "limit", short: "n", type: "number", valueName: "N", default: 20, description: "Most runs to show." },
    { ...profileFlag, description: "Only runs of this profile." },
    tenantFlag,
  ],
  output: { json: `{ items: [${RUN_VIEW}], nextCursor: string|null }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco run ls --pipeline ci --phase Failed --since 7d"],
});

export const runLogsCommand = defineCommand({
  path: ["run", "logs"],
  summary: "Show a run's logs: one task's, or every task's merged by time.",
  description:
    "Finished tasks' logs are kept after their pods are gone. Lines read `time task | text` (task#N for a retry's attempt N). With -f, follows while the run runs and ends when it has finished.",
  args: [{ name: "run", description: "Name of the run.", required: true }],
  flags: [
    { name: "task", type: "string", valueName: "NAME", description: "Only this task's lines." },
    { name: "follow", short: "f", type: "boolean", description: "Keep streaming until the run has finished." },
    {
      name: "tail",
      short: "n",
      type: "number",
      valueName: "N",
      description: "The last N lines of each task attempt.",
    },
    profileFlag,
    tenantFlag,
  ],
  output: {
    json: "{ task, attempt, pod, time, line, stream? } per log line, or { task, pod, error } for an attempt whose log could not be read",
    stream: true,
  },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: [
    "loco run logs ci-m3x9k2ab",
    "loco run logs ci-m3x9k2ab --task test -f",
    "loco run logs ci-m3x9k2ab -o json | jq -r .line",
  ],
});

export const runCancelCommand = defineCommand({
  path: ["run", "cancel"],
  summary: "Cancel a run: its running tasks are stopped and it ends with reason UserCancelled.",
  args: [{ name: "run", description: "Name of the run.", required: true }],
  flags: [profileFlag, tenantFlag],
  output: { json: RUN_VIEW },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const runRerunCommand = defineCommand({
  path: ["run", "rerun"],
  summary: "Rerun a finished pipeline run with the same parameters, reusing the tasks that succeeded.",
  description:
    "A new run of the same pipeline, with the same parameters and timeout. Tasks that succeeded in the earlier run are not run again: they show as Skipped (reused from run <run>) and count as succeeded for the tasks after them. With --from, that task and everything downstream of it run again, whatever they did before. The pipeline's current spec is used; a task it no longer has cannot be reused. With --watch, follows the new run like `loco run watch`.",
  args: [{ name: "run", description: "Name of the finished run.", required: true }],
  flags: [
    {
      name: "from",
      type: "string",
      valueName: "TASK",
      description: "Run this task and every task after it again; reuse the rest that succeeded.",
    },
    ...runWatchFlags,
    { name: "watch", short: "w", type: "boolean", description: "Follow the new run until it finishes." },
    profileFlag,
    tenantFlag,
  ],
  output: { json: `${RUN_VIEW} — with --watch, ndjson: ${RUN_WATCH_JSON}`, stream: true },
  exitCodes: ["auth", "notFound", "runFailed", "timeout", "unavailable"],
  examples: ["loco run rerun ci-m3x9k2ab --watch", "loco run rerun ci-m3x9k2ab --from build -o json"],
});

export const runTimelineCommand = defineCommand({
  path: ["run", "timeline"],
  summary: "Show what happened to a run, oldest first: its start, each task's transitions, its end.",
  args: [{ name: "run", description: "Name of the run.", required: true }],
  flags: [profileFlag, tenantFlag],
  output: { json: "{ items: [{ id, occurredAt, type: Normal|Warning, reason, message, actor: string|null }] }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

// ---- Releases and secrets (issue 17) ----------------------------------------------------------------------------
const RELEASE_VIEW =
  "{ number, app, namespace, kind: deploy|apply|env|secrets|scale|rollback|promote, actor, source: { kind: user, subject }|{ kind: token, token, subject }|{ kind: run, namespace, run, pipeline: string|null }|{ kind: git, revision, managers }|{ kind: external, managers }|{ kind: promotion, profile, release, deploymentId, by }, createdAt, changes: { image?, env?: { added, removed, changed }, secrets?: { added, removed, changed }, replicas?, fields? }, secrets: { KEY: versionId|null }, deploymentId: string|null, rollbackOf: number|null }";
const SECRETS_JSON =
  "{ secrets: [{ name, version: string|null, versions: [{ id: string|null, createdAt, deletedAt: string|null }] }] }";

export const releasesCommand = defineCommand({
  path: ["releases"],
  summary:
    "List an app's releases, newest first: every deploy, env, secret, scale and rollback, by whom and what changed.",
  description:
    "Each change of what the App runs is a numbered release. Changes are shown by name (+ added, ~ changed, - removed); secret values never appear, only that a secret got a new version. `loco rollback N` returns to release N.",
  flags: [
    { name: "limit", short: "n", type: "number", valueName: "N", description: "Show at most N releases (default 20)." },
    appFlag,
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: { json: `{ app, tenant, profile, releases: [${RELEASE_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco releases", "loco releases --profile prod -n 5 -o json"],
});

export const secretsLsCommand = defineCommand({
  path: ["secrets", "ls"],
  summary: "List an app's secrets by name, with the version of each value (never the value).",
  flags: [appFlag, profileFlag, tenantFlag, fileFlag],
  output: { json: SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const secretsSetCommand = defineCommand({
  path: ["secrets", "set"],
  summary: "Set a secret from stdin or a file; a new value is a new version and a new release.",
  description:
    "The value is read from stdin or --from-file, never from the command line (it would stay in shell history and be visible to other users of the machine), and is never echoed or logged. The App rolls out with it; `loco rollback` to an earlier release brings the earlier value back.",
  args: [{ name: "name", description: "Name of the secret variable.", required: true }],
  flags: [
    { name: "from-file", type: "string", description: "Read the value from this file." },
    appFlag,
    profileFlag,
    tenantFlag,
    fileFlag,
  ],
  output: { json: SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: [
    'printf %s "$DB_PASSWORD" | loco secrets set DB_PASSWORD',
    "loco secrets set TLS_KEY --from-file ./tls.key",
  ],
});

export const secretsUnsetCommand = defineCommand({
  path: ["secrets", "unset"],
  summary: "Remove secrets from an app (their stored versions stay for rollbacks, up to the retention).",
  args: [{ name: "names", description: "Names of the secret variables.", required: true, variadic: true }],
  flags: [appFlag, profileFlag, tenantFlag, fileFlag],
  output: { json: SECRETS_JSON },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const completionCommand = defineCommand({
  path: ["completion"],
  summary: "Print a shell completion script.",
  args: [{ name: "shell", description: "bash, zsh or fish.", required: true, choices: ["bash", "zsh", "fish"] }],
  exitCodes: [],
  examples: ["source <(loco completion bash)", "loco completion fish | source"],
});

// Administration: tenants (platform admins), their members (the tenant's owners and admins) and Profiles.
const TENANT_DETAIL = "{ name, displayName, createdAt, role: string|null, namespaces: [{ profile, namespace }] }";
const MEMBER_VIEW = "{ tenant, subject, role: viewer|developer|admin|owner, createdAt }";
const ROLES = ["viewer", "developer", "admin", "owner"] as const;

export const tenantCreateCommand = defineCommand({
  path: ["tenant", "create"],
  summary: "Create a tenant and its namespace per Profile (platform admins).",
  description:
    "Creates the tenant and, for every Profile, its namespace <tenant>-<profile> with the platform's quota, RBAC and network policy. --owner makes a user (their OIDC subject, as `loco whoami` shows it) the tenant's first owner; without it, only platform admins can act in the tenant until someone is added with `loco member add`. A name already taken, or a namespace of that name that is not the tenant's, is refused (exit 6).",
  args: [
    {
      name: "name",
      description: "Tenant name: lowercase letters and digits, without '-', at most 40.",
      required: true,
    },
  ],
  flags: [
    {
      name: "owner",
      type: "string",
      valueName: "SUBJECT",
      description: "OIDC subject of the user made the tenant's first owner.",
    },
    { name: "display-name", type: "string", valueName: "TEXT", description: "A human-readable name." },
  ],
  output: { json: TENANT_DETAIL },
  exitCodes: ["auth", "unavailable", "timeout"],
  examples: ["loco tenant create acme --owner alice@example.com --display-name 'ACME Corp'"],
});

export const tenantLsCommand = defineCommand({
  path: ["tenant", "ls"],
  summary: "List the tenants you belong to (every tenant, for platform admins), with your role in each.",
  output: { json: "{ items: [{ name, displayName, createdAt, role: string|null }] }" },
  exitCodes: ["auth", "unavailable", "timeout"],
});

export const tenantShowCommand = defineCommand({
  path: ["tenant", "show"],
  summary: "Show a tenant: your role in it and its namespace per Profile.",
  args: [{ name: "name", description: "Tenant name; defaults to --tenant or the context's tenant.", required: false }],
  flags: [tenantFlag],
  output: { json: TENANT_DETAIL },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const tenantDeleteCommand = defineCommand({
  path: ["tenant", "delete"],
  summary: "Delete a tenant: its namespaces and everything in them, its members and API tokens (platform admins).",
  description:
    "A tenant that still has Apps, Pipelines or Runs is refused (exit 6) unless --force, which deletes them with it. The tenant's audit log and history stay in loco's database, and its name is never given to another tenant. On a terminal, asks you to type the tenant's name; elsewhere --yes is required.",
  args: [{ name: "name", description: "The tenant's name.", required: true }],
  flags: [
    { name: "force", type: "boolean", description: "Delete its Apps, Pipelines and Runs with it." },
    { name: "yes", short: "y", type: "boolean", description: "Do not ask for confirmation." },
  ],
  output: { json: "{ name, deleted: true, namespaces: string[] }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco tenant delete acme", "loco tenant delete acme --force --yes"],
});

export const memberLsCommand = defineCommand({
  path: ["member", "ls"],
  summary: "List a tenant's members and their roles.",
  flags: [tenantFlag],
  output: { json: `{ tenant, items: [${MEMBER_VIEW}] }` },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const memberAddCommand = defineCommand({
  path: ["member", "add"],
  summary: "Add a member to a tenant, or change a member's role (owners and admins).",
  description:
    "The member is a user's OIDC subject (as `loco whoami` shows it). Nobody grants or changes a role above their own (an admin cannot make an owner), and the tenant's last owner cannot be demoted.",
  args: [{ name: "subject", description: "The user's OIDC subject.", required: true }],
  flags: [
    { name: "role", type: "string", choices: ROLES, default: "developer", description: "The member's role." },
    tenantFlag,
  ],
  output: { json: MEMBER_VIEW },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco member add bob@example.com --role admin --tenant acme"],
});

export const memberRmCommand = defineCommand({
  path: ["member", "rm"],
  summary: "Remove a member from a tenant; the API tokens they minted stop working.",
  description: "Nobody removes a member whose role is above their own, and the tenant's last owner stays.",
  args: [{ name: "subject", description: "The member's OIDC subject, as `loco member ls` shows it.", required: true }],
  flags: [tenantFlag],
  output: { json: "{ tenant, subject, removed: true }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const profileShowCommand = defineCommand({
  path: ["profile", "show"],
  summary: "Show a profile: its readiness, conditions and spec (domain, gateway, defaults, limits).",
  args: [{ name: "name", description: "The profile's name, as `loco profile ls` shows it.", required: true }],
  output: { json: "{ name, ready: True|False|Unknown, spec, conditions }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
});

export const profileApplyCommand = defineCommand({
  path: ["profile", "apply"],
  summary: "Create or update profiles from a YAML or JSON file of Profile manifests (platform admins).",
  description:
    "The file holds one or more Profile manifests (kind: Profile, metadata.name, spec), as `kubectl apply -f` takes them; YAML documents are separated by `---`. They are applied in the file's order; the API validates each spec with the Profile schema and names any field it refuses.",
  args: [{ name: "file", description: "Path of the file (.yaml, .yml or .json).", required: true }],
  output: { json: "{ items: [{ name, generation: number|null }] }" },
  exitCodes: ["auth", "notFound", "unavailable", "timeout"],
  examples: ["loco profile apply profiles.yaml"],
});

/** Every command, in the order `loco --help` lists them, each with the module that implements it. */
export const COMMANDS: readonly CommandDefinition[] = [
  withImplementation(loginCommand, () => import("./commands/login.ts")),
  withImplementation(logoutCommand, () => import("./commands/logout.ts")),
  withImplementation(whoamiCommand, () => import("./commands/whoami.ts")),
  withImplementation(platformCommand, () => import("./commands/platform.ts")),
  withImplementation(contextLsCommand, () => import("./commands/context-ls.ts")),
  withImplementation(contextUseCommand, () => import("./commands/context-use.ts")),
  withImplementation(initCommand, () => import("./commands/init.ts")),
  withImplementation(deployCommand, () => import("./commands/deploy.ts")),
  withImplementation(rollbackCommand, () => import("./commands/rollback.ts")),
  withImplementation(promoteCommand, () => import("./commands/promote.ts")),
  withImplementation(logsCommand, () => import("./commands/logs.ts")),
  withImplementation(execCommand, () => import("./commands/exec.ts")),
  withImplementation(scaleCommand, () => import("./commands/scale.ts")),
  withImplementation(rolloutStatusCommand, () => import("./commands/rollout.ts")),
  withImplementation(rolloutPromoteCommand, () => import("./commands/rollout.ts")),
  withImplementation(rolloutAbortCommand, () => import("./commands/rollout.ts")),
  withImplementation(envLsCommand, () => import("./commands/env-ls.ts")),
  withImplementation(envSetCommand, () => import("./commands/env-set.ts")),
  withImplementation(envUnsetCommand, () => import("./commands/env-unset.ts")),
  withImplementation(envSyncCommand, () => import("./commands/env-sync.ts")),
  withImplementation(destroyCommand, () => import("./commands/destroy.ts")),
  withImplementation(lsCommand, () => import("./commands/ls.ts")),
  withImplementation(mapCommand, () => import("./commands/map.ts")),
  withImplementation(openCommand, () => import("./commands/open.ts")),
  withImplementation(statusCommand, () => import("./commands/status.ts")),
  withImplementation(profileLsCommand, () => import("./commands/profile-ls.ts")),
  withImplementation(profileShowCommand, () => import("./commands/profile-show.ts")),
  withImplementation(profileApplyCommand, () => import("./commands/profile-apply.ts")),
  withImplementation(tenantDeleteCommand, () => import("./commands/tenant-delete.ts")),
  withImplementation(tenantCreateCommand, () => import("./commands/tenant-create.ts")),
  withImplementation(tenantLsCommand, () => import("./commands/tenant-ls.ts")),
  withImplementation(tenantShowCommand, () => import("./commands/tenant-show.ts")),
  withImplementation(memberLsCommand, () => import("./commands/member-ls.ts")),
  withImplementation(memberAddCommand, () => import("./commands/member-add.ts")),
  withImplementation(memberRmCommand, () => import("./commands/member-rm.ts")),
  withImplementation(tokenCreateCommand, () => import("./commands/token-create.ts")),
  withImplementation(tokenLsCommand, () => import("./commands/token-ls.ts")),
  withImplementation(tokenRevokeCommand, () => import("./commands/token-revoke.ts")),
  withImplementation(webhookAddCommand, () => import("./commands/webhook-add.ts")),
  withImplementation(webhookLsCommand, () => import("./commands/webhook-ls.ts")),
  withImplementation(webhookRmCommand, () => import("./commands/webhook-rm.ts")),
  withImplementation(webhookDeliveriesCommand, () => import("./commands/webhook-deliveries.ts")),
  withImplementation(webhookTestCommand, () => import("./commands/webhook-test.ts")),
  withImplementation(pipelineApplyCommand, () => import("./commands/pipeline-apply.ts")),
  withImplementation(pipelineDiffCommand, () => import("./commands/pipeline-diff.ts")),
  withImplementation(pipelineLsCommand, () => import("./commands/pipeline-ls.ts")),
  withImplementation(pipelineSecretsLsCommand, () => import("./commands/pipeline-secrets-ls.ts")),
  withImplementation(pipelineSecretsSetCommand, () => import("./commands/pipeline-secrets-set.ts")),
  withImplementation(pipelineSecretsUnsetCommand, () => import("./commands/pipeline-secrets-unset.ts")),
  withImplementation(runCommand, () => import("./commands/run.ts")),
  withImplementation(runStartCommand, () => import("./commands/run-start.ts")),
  withImplementation(runWatchCommand, () => import("./commands/run-watch.ts")),
  withImplementation(runLsCommand, () => import("./commands/run-ls.ts")),
  withImplementation(runLogsCommand, () => import("./commands/run-logs.ts")),
  withImplementation(runCancelCommand, () => import("./commands/run-cancel.ts")),
  withImplementation(runRerunCommand, () => import("./commands/run-rerun.ts")),
  withImplementation(runTimelineCommand, () => import("./commands/run-timeline.ts")),
  withImplementation(releasesCommand, () => import("./commands/releases.ts")),
  withImplementation(secretsLsCommand, () => import("./commands/secrets-ls.ts")),
  withImplementation(secretsSetCommand, () => import("./commands/secrets-set.ts")),
  withImplementation(secretsUnsetCommand, () => import("./commands/secrets-unset.ts")),
  withImplementation(completionCommand, () => import("./commands/completion.ts")),
];
