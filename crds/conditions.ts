// The condition vocabulary shared by the operator (which writes it), the API and CLI (which read it) and the
// reference docs. Plain `as const` objects rather than TS enums: they erase to JavaScript objects as written.

/** Condition types. `Ready` summarises the living kinds (App, Profile, Pipeline), `Succeeded` the batch kind (Run). */
export const ConditionType = {
  Ready: "Ready",
  Succeeded: "Succeeded",
  /** App: the Profile it names exists. */
  ProfileResolved: "ProfileResolved",
  /** App: the Deployment runs the current pod template with enough available replicas. */
  DeploymentReady: "DeploymentReady",
  /** App: every route is accepted by the gateway and no hostname or gRPC service is claimed by another App. */
  RoutesReady: "RoutesReady",
  /**
   * App with rollout strategy canary: no rollout in flight, or the last one completed (True); one in flight
   * (Unknown); the last one ended without promotion (False: RolledBack, RolloutAborted).
   */
  Rollout: "Rollout",
  /** Pipeline: every trigger parses and the next time it fires is known. */
  TriggersReady: "TriggersReady",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const ConditionStatus = { True: "True", False: "False", Unknown: "Unknown" } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** Reasons: PascalCase codes callers may switch on. Messages carry the details. */
export const Reason = {
  // Progress and success.
  Available: "Available",
  Progressing: "Progressing",
  Paused: "Paused",
  Pending: "Pending",
  Running: "Running",
  Completed: "Completed",
  Scheduled: "Scheduled",
  /** Run task: not run again; it succeeded in the Run this one reruns (spec.reuse), whose result it keeps. */
  Reused: "Reused",
  /** App: its Profile was found. */
  Resolved: "Resolved",
  /** App: its routes are attached to the Profile's gateway. */
  Routed: "Routed",
  /** App: it has no ports, so nothing to route. */
  NoRoutes: "NoRoutes",
  /** App: a Gateway controller serves the Profile's gateway and has not yet judged the App's current routes. */
  WaitingForGateway: "WaitingForGateway",
  /** App: a canary rollout is moving through its steps (or is paused, or analysing). */
  RolloutInProgress: "RolloutInProgress",
  /** App: the canary's analysis failed; traffic went back to the stable version (metric, value and threshold follow). */
  RolledBack: "RolledBack",
  /** App: someone aborted the canary rollout (`loco rollout abort`); traffic went back to the stable version. */
  RolloutAborted: "RolloutAborted",
  // The user must change the spec or a dependency.
  InvalidSpec: "InvalidSpec",
  ProfileNotFound: "ProfileNotFound",
  PipelineNotFound: "PipelineNotFound",
  GatewayNotFound: "GatewayNotFound",
  /** App: a hostname it asks for is held by another App (named only when it is one of the tenant's own). */
  RouteConflict: "RouteConflict",
  /**
   * App: a hostname it asks for is outside its tenant's domain grants, another App's default hostname, or a wildcard
   * over a shared base domain.
   */
  HostnameNotAllowed: "HostnameNotAllowed",
  /**
   * App: a port needs the default hostname, but the tenant's name predates the tenant-name rule ('-' in it), so a
   * default could be another tenant's; set spec.routes hostnames.
   */
  NoDefaultHostname: "NoDefaultHostname",
  /** App: the gateway's controller wrote Accepted=False on one of its routes (its reason and message follow). */
  RouteNotAccepted: "RouteNotAccepted",
  /** App: the gateway's controller wrote ResolvedRefs=False on one of its routes (a backend it cannot reach). */
  RouteRefsNotResolved: "RouteRefsNotResolved",
  /** App: the controller of the Profile's gateway refused the Gateway itself, so none of its routes are served. */
  GatewayNotAccepted: "GatewayNotAccepted",
  RegistryNotAllowed: "RegistryNotAllowed",
  LimitExceeded: "LimitExceeded",
  DependencyCycle: "DependencyCycle",
  UnknownDependency: "UnknownDependency",
  MissingParameter: "MissingParameter",
  /** Pipeline: a trigger's cron expression or time zone does not parse. */
  InvalidSchedule: "InvalidSchedule",
  /** Pipeline or Run: a timeout lies outside the bounds the platform allows. */
  TimeoutOutOfBounds: "TimeoutOutOfBounds",
  /** Pipeline: a trigger would fire more often than the platform's minimum trigger interval allows. */
  TriggerTooFrequent: "TriggerTooFrequent",
  /** Pipeline or Run: a task asks for a pod annotation its namespace's Profile does not allow. */
  PodAnnotationNotAllowed: "PodAnnotationNotAllowed",
  /** Reconciling the object took longer than the operator's budget and was abandoned; it is retried with backoff. */
  ReconcileTimeout: "ReconcileTimeout",
  /** Pipeline: two tasks share a name. */
  DuplicateTask: "DuplicateTask",
  /** Pipeline: a deploy step deploys an App its permissions.deploy does not list, so the Run's credential can't. */
  DeployNotPermitted: "DeployNotPermitted",
  /** A child object with loco's name exists but is not controlled by this resource; it is left alone. */
  NotOwned: "NotOwned",
  /** App: the Deployment made no progress within its deadline (image pull failures, crash loops, no capacity). */
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  /** App: the cluster refuses to create the Deployment's pods (a ResourceQuota, Pod Security admission, a webhook). */
  PodsRefused: "PodsRefused",
  // Runs and tasks.
  TimedOut: "TimedOut",
  UserCancelled: "UserCancelled",
  AbnormalExit: "AbnormalExit",
  TaskFailed: "TaskFailed",
  Skipped: "Skipped",
  /** A task was skipped because a dependency ended in an outcome its dependsOn does not accept. */
  DependencyFailed: "DependencyFailed",
  /** Run: waiting for a concurrency slot or a named lock. */
  Queued: "Queued",
  /** The operator was unavailable while the Run was in flight; it is recorded, not replayed. */
  Interrupted: "Interrupted",
  /** Concurrency policy Forbid refused a Run while another was in flight. */
  ConcurrencyLimited: "ConcurrencyLimited",
  /** Concurrency policy Replace cancelled this Run in favour of a newer one. */
  Replaced: "Replaced",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/**
 * An App's Ready=False reasons that no waiting fixes: the spec or a dependency must change first. A deployment that
 * meets one has failed — for `loco deploy --wait` (exit 4) and for the deployment history the mirror keeps.
 */
export const BLOCKING_APP_REASONS: ReadonlySet<string> = new Set([
  Reason.ProfileNotFound,
  Reason.RouteConflict,
  Reason.RegistryNotAllowed,
  Reason.LimitExceeded,
  Reason.GatewayNotFound,
  Reason.NoDefaultHostname,
  Reason.NotOwned,
  Reason.InvalidSpec,
  Reason.ProgressDeadlineExceeded,
  Reason.PodsRefused,
  Reason.RolledBack,
  Reason.RolloutAborted,
]);

/** Which summary condition each kind carries; the CLI derives its status column from it. */
export const SummaryCondition = {
  App: ConditionType.Ready,
  Profile: ConditionType.Ready,
  Pipeline: ConditionType.Ready,
  Run: ConditionType.Succeeded,
} as const;

/** Per-task state in a Run's status. */
export const TaskState = {
  Pending: "Pending",
  Running: "Running",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Skipped: "Skipped",
  Cancelled: "Cancelled",
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const taskStates = Object.values(TaskState) as [TaskState, ...TaskState[]];
