// What each condition reason means to the person reading it: which kinds carry it, what causes it and what to do.
// Typed over the whole Reason vocabulary (crds/conditions.ts), so a reason added there without advice here fails
// the type check; docs/reference/troubleshooting.md is generated from this table (hack/generate.ts).
import type { Reason } from "./conditions.ts";

type Kind = "App" | "Profile" | "Pipeline" | "Run";

export interface ReasonAdvice {
  kinds: readonly Kind[];
  /** "ok": progress or success; "wait": loco is waiting for something; "fix": someone must change something. */
  severity: "ok" | "wait" | "fix";
  cause: string;
  fix: string;
}

export const REASON_ADVICE = {
  Available: {
    kinds: ["App", "Profile"],
    severity: "ok",
    cause:
      "The App's current deployment has enough available replicas and its routes are attached; a Profile's Gateway exists.",
    fix: "Nothing.",
  },
  Progressing: {
    kinds: ["App"],
    severity: "wait",
    cause: "A deployment is rolling out: new pods are starting or old ones are still being replaced.",
    fix: "Wait, or follow it with `loco deploy --wait` or `loco status`. If it lasts, look at the pods' events (`kubectl describe pod`).",
  },
  Paused: {
    kinds: ["App"],
    severity: "ok",
    cause: "The App has `spec.paused: true`: loco leaves its Deployment and routes as they are.",
    fix: "Set `spec.paused` to false to let loco reconcile it again.",
  },
  RolloutInProgress: {
    kinds: ["App"],
    severity: "wait",
    cause: "A canary rollout is moving through `spec.rollout.steps`: setting weights, pausing or analysing metrics.",
    fix: "Wait, or run `loco rollout promote <app>` to promote it now, or `loco rollout abort <app>` to stop it.",
  },
  RolledBack: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "The canary's analysis failed more often than `failureLimit` allows; its traffic went back to the stable version and the canary scaled to zero. The message names the metric, its value and the threshold.",
    fix: "Fix the release and deploy again (a new image or config starts a new rollout), or adjust the analysis thresholds.",
  },
  RolloutAborted: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "The canary rollout was aborted (`loco rollout abort`); traffic is on the stable version and the canary scaled to zero.",
    fix: "Deploy a new release to start a new rollout.",
  },
  Pending: {
    kinds: ["Run"],
    severity: "wait",
    cause: "The Run or a task has not started yet (its Job or pod is being created or scheduled).",
    fix: "Wait. A task that stays Pending usually waits for capacity: check its pod's events.",
  },
  Running: {
    kinds: ["Run"],
    severity: "wait",
    cause: "The Run's tasks are running.",
    fix: "Wait, or follow it with `loco run watch <run>`.",
  },
  Completed: {
    kinds: ["Run"],
    severity: "ok",
    cause: "Every task of the Run succeeded (or was skipped as its dependencies asked).",
    fix: "Nothing.",
  },
  Scheduled: {
    kinds: ["Pipeline"],
    severity: "ok",
    cause: "The Pipeline is valid and the next time each trigger fires is known.",
    fix: "Nothing.",
  },
  Reused: {
    kinds: ["Run"],
    severity: "ok",
    cause: "The task was not run again: this Run reruns an earlier one (spec.reuse), where the task succeeded.",
    fix: "Nothing; to run every task, start a new Run instead of a rerun.",
  },
  Resolved: { kinds: ["App"], severity: "ok", cause: "The Profile the App names exists.", fix: "Nothing." },
  Routed: {
    kinds: ["App"],
    severity: "ok",
    cause: "The App's routes are attached to its Profile's Gateway.",
    fix: "Nothing.",
  },
  NoRoutes: {
    kinds: ["App"],
    severity: "ok",
    cause: "The App has no ports, so there is nothing to route.",
    fix: "Nothing; add `ports` if it should serve traffic.",
  },
  InvalidSpec: {
    kinds: ["App", "Pipeline", "Run"],
    severity: "fix",
    cause: "The spec is valid for the schema but cannot be acted on (the message names the field).",
    fix: "Correct the field the message names and apply again.",
  },
  ProfileNotFound: {
    kinds: ["App"],
    severity: "wait",
    cause: "The Profile the App names does not exist (yet).",
    fix: "Deploy to an existing profile (`loco profile ls`), or ask a platform admin to create it; the App proceeds once it exists.",
  },
  PipelineNotFound: {
    kinds: ["Run"],
    severity: "wait",
    cause: "The Pipeline the Run refers to does not exist in its namespace (yet).",
    fix: "Apply the Pipeline (`loco pipeline apply`) or correct the Run's `pipelineRef`; the Run waits for it.",
  },
  GatewayNotFound: {
    kinds: ["Profile"],
    severity: "fix",
    cause: "The Gateway the Profile names (`spec.gateway`) does not exist, so its Apps cannot be routed.",
    fix: "Create the Gateway, or correct `spec.gateway` (name, namespace, sectionName).",
  },
  WaitingForGateway: {
    kinds: ["App"],
    severity: "wait",
    cause: "A Gateway controller runs but has not yet judged the App's current routes.",
    fix: "Wait a few seconds; if it stays, check the Gateway controller's health.",
  },
  RouteNotAccepted: {
    kinds: ["App"],
    severity: "fix",
    cause: "The Gateway controller refused a route of the App; its reason and message are in the condition.",
    fix: "Fix what the message names (often the hostname or a listener the Gateway does not allow), then deploy again.",
  },
  RouteRefsNotResolved: {
    kinds: ["App"],
    severity: "fix",
    cause: "The Gateway controller could not resolve a backend of the App's route (a Service or port it cannot use).",
    fix: "Check the App's ports; if they are right, a platform admin checks the Gateway controller's message.",
  },
  GatewayNotAccepted: {
    kinds: ["App"],
    severity: "fix",
    cause: "The Profile's Gateway was refused by its controller, so no route through it can work.",
    fix: "A platform admin fixes the Gateway (its status names why); the Apps recover by themselves.",
  },
  RouteConflict: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "A hostname or gRPC service the App asks for is already held by another App (named when it is one of your own).",
    fix: "Choose another hostname, or remove it from the App that holds it; the first claim wins.",
  },
  HostnameNotAllowed: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "A hostname is outside the tenant's domain grants in this Profile, is another App's default hostname, or is a wildcard over a shared base domain.",
    fix: "Use the default hostname, or ask a platform admin to grant the domain to your tenant in the Profile (`spec.domainGrants`).",
  },
  NoDefaultHostname: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "A port needs the default hostname, but the tenant's name predates the tenant-name rule ('-' in it), so the default could be another tenant's.",
    fix: "Set the App's hostnames explicitly in `spec.routes`.",
  },
  RegistryNotAllowed: {
    kinds: ["App"],
    severity: "fix",
    cause: "The image's registry is not in the Profile's `allowedRegistries`.",
    fix: "Push the image to an allowed registry (`loco profile show <profile>` lists them) and deploy that image.",
  },
  LimitExceeded: {
    kinds: ["App"],
    severity: "fix",
    cause: "The App asks for more CPU, memory or replicas than the Profile's `limits` allow.",
    fix: "Lower the request (`loco scale`, or loco.toml), or ask a platform admin to raise the Profile's limits.",
  },
  DependencyCycle: {
    kinds: ["Pipeline", "Run"],
    severity: "fix",
    cause: "Tasks depend on each other in a cycle, so none can start.",
    fix: "Break the cycle in the tasks' `dependsOn`.",
  },
  UnknownDependency: {
    kinds: ["Pipeline", "Run"],
    severity: "fix",
    cause: "A task's `dependsOn` names a task that does not exist.",
    fix: "Correct the task name in `dependsOn`.",
  },
  MissingParameter: {
    kinds: ["Run"],
    severity: "fix",
    cause: "The Pipeline declares a parameter without a default, and the Run did not give it.",
    fix: "Start the Run with the parameter: `loco run start <pipeline> --param NAME=value`.",
  },
  InvalidSchedule: {
    kinds: ["Pipeline"],
    severity: "fix",
    cause: "A trigger's cron expression or time zone does not parse.",
    fix: "Correct the trigger's `schedule` or `timeZone` (an IANA name such as Europe/Berlin).",
  },
  TimeoutOutOfBounds: {
    kinds: ["Pipeline", "Run"],
    severity: "fix",
    cause: "A timeout lies outside the bounds the platform allows (the operator's --min-timeout and --max-timeout).",
    fix: "Choose a timeout within the bounds the message gives.",
  },
  TriggerTooFrequent: {
    kinds: ["Pipeline"],
    severity: "fix",
    cause: "A trigger would fire more often than the platform's minimum trigger interval.",
    fix: "Make the schedule or interval less frequent than the minimum the message gives.",
  },
  PodAnnotationNotAllowed: {
    kinds: ["Pipeline", "Run"],
    severity: "fix",
    cause:
      "A task asks for a pod annotation that neither its Profile (`spec.runs.allowedPodAnnotations`) nor the operator allows.",
    fix: "Remove the annotation, or ask a platform admin to allow it in the Profile.",
  },
  ReconcileTimeout: {
    kinds: ["App", "Profile", "Pipeline", "Run"],
    severity: "wait",
    cause:
      "Reconciling the object took longer than the operator's time budget and was abandoned; it is retried with backoff.",
    fix: "Usually passes by itself. If it persists, the operator or the apiserver is overloaded: a platform admin should check the operator's logs and metrics.",
  },
  DuplicateTask: {
    kinds: ["Pipeline"],
    severity: "fix",
    cause: "Two tasks share a name.",
    fix: "Give every task a unique name.",
  },
  DeployNotPermitted: {
    kinds: ["Pipeline", "Run"],
    severity: "fix",
    cause:
      "A deploy step deploys an App that spec.permissions.deploy does not list, so the Run's credential could not.",
    fix: "Add the App (and its profile, if another) to spec.permissions.deploy, or deploy an App it lists.",
  },
  NotOwned: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "An object with the name loco would use for a child (a Deployment, Service, route, …) exists and is not this App's; loco leaves it alone.",
    fix: "Delete or rename the other object, or rename the App.",
  },
  ProgressDeadlineExceeded: {
    kinds: ["App"],
    severity: "fix",
    cause: "The Deployment made no progress within its deadline: image pull failures, crash loops or no capacity.",
    fix: "Read the pods' events and logs (`loco logs`, `kubectl describe pod`), fix the image or configuration and deploy again, or `loco rollback`.",
  },
  PodsRefused: {
    kinds: ["App"],
    severity: "fix",
    cause:
      "The cluster refuses to create the App's pods: the namespace's ResourceQuota is used up, the pod breaks the namespace's Pod Security level, or an admission webhook denied it. The condition's message quotes the cluster's answer.",
    fix: "Free quota (scale down or delete other Apps in this profile, `loco scale`), lower the App's requests, or ask a platform admin to raise the tenant's quota; then deploy again or wait — the pods are retried.",
  },
  TimedOut: {
    kinds: ["Run"],
    severity: "fix",
    cause: "The Run or a task ran past its timeout and was stopped.",
    fix: "Find what was slow (`loco run logs <run>`), or raise the task's or Run's `timeout`.",
  },
  UserCancelled: {
    kinds: ["Run"],
    severity: "ok",
    cause: "Someone cancelled the Run (`loco run cancel`); its running tasks were stopped.",
    fix: "Nothing; start a new Run if it is still needed.",
  },
  AbnormalExit: {
    kinds: ["Run"],
    severity: "fix",
    cause: "A task's container exited with a non-zero code (the message gives it).",
    fix: "Read the task's log (`loco run logs <run> --task <task>`) and fix the command or its input.",
  },
  TaskFailed: {
    kinds: ["Run"],
    severity: "fix",
    cause: "A task failed after its retries, so the Run failed.",
    fix: "See the failed task's own reason and log (`loco run watch <run>` names it).",
  },
  Skipped: {
    kinds: ["Pipeline", "Run"],
    severity: "ok",
    cause:
      "A Pipeline's trigger skipped the slots it missed while the operator was unavailable (its `missedPolicy` says so; a Warning event lists them), or a Run's task did not run because its dependencies' outcome did not call for it.",
    fix: "Nothing, unless the slots or the task should have run: check the trigger's `missedPolicy` or the task's `dependsOn`.",
  },
  DependencyFailed: {
    kinds: ["Run"],
    severity: "ok",
    cause: "A task was skipped because a dependency ended in an outcome its `dependsOn` does not accept.",
    fix: "Fix the dependency that failed; the skipped task follows from it.",
  },
  Queued: {
    kinds: ["Run"],
    severity: "wait",
    cause: "The Run waits for a concurrency slot or a named lock held by another Run.",
    fix: "Wait; `loco run ls --phase Running` shows what holds the slot.",
  },
  Interrupted: {
    kinds: ["Run"],
    severity: "fix",
    cause:
      "The operator or the cluster was unavailable while the Run was in flight (for example a cluster rebuilt by the resurrector); the Run is recorded, not replayed.",
    fix: "Start the Run again if its work is still needed.",
  },
  ConcurrencyLimited: {
    kinds: ["Run"],
    severity: "ok",
    cause: "The Pipeline's concurrency policy Forbid refused the Run while another was in flight.",
    fix: "Start it again when the other Run has finished, or change the Pipeline's `concurrency.policy`.",
  },
  Replaced: {
    kinds: ["Run"],
    severity: "ok",
    cause: "The Pipeline's concurrency policy Replace cancelled the Run in favour of a newer one.",
    fix: "Nothing; follow the newer Run.",
  },
} as const satisfies Record<Reason, ReasonAdvice>;

const SEVERITY = { ok: "progress or success", wait: "waiting", fix: "needs a change" } as const;

/** docs/reference/troubleshooting.md: every reason, grouped by what it asks of the reader, with cause and fix. */
export function troubleshootingPage(): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const entries = Object.entries(REASON_ADVICE) as [Reason, ReasonAdvice][];
  const sections = (["fix", "wait", "ok"] as const).map((severity) => {
    const rows = entries
      .filter(([, advice]) => advice.severity === severity)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, a]) => `| \`${reason}\` | ${a.kinds.join(", ")} | ${cell(a.cause)} | ${cell(a.fix)} |`);
    return [
      `## Reasons: ${SEVERITY[severity]}`,
      "",
      "| reason | on | cause | what to do |",
      "| --- | --- | --- | --- |",
      ...rows,
    ].join("\n");
  });
  return `${[
    "<!-- Generated from crds/condition-advice.ts by `npm run generate`; do not edit. -->",
    "",
    "# Troubleshooting by condition reason",
    "",
    "Every loco object reports its state as conditions: `Ready` on Apps, Profiles and Pipelines, `Succeeded` on Runs,",
    "each with a PascalCase `reason` and a message ([concepts](../concepts.md#status-conditions-not-phases)). `loco status`,",
    "`loco run watch` and `kubectl get loco -A` show them. This page says, for every reason, what causes it and what to do.",
    "",
    ...sections.flatMap((s) => [s, ""]),
  ]
    .join("\n")
    .trimEnd()}\n`;
}
