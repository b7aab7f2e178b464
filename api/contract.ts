// The API's answers as types, for its clients (the CLI). Each is the output type of the zod schema a route declares
// as its response (the schema that also builds /openapi.json and docs/reference/api.md), so a renamed or retyped
// field fails the client's type check instead of its users. Streams have no response schema: their records are the
// types the API writes them with. Types only: clients import this module with `import type` and load no code of
// the API (hack/import-layers.test.ts).
import type { z } from "zod";
import type { LogRecord as LogLine } from "./log-lines.ts";
import type { PipelineView as PipelineViewSchema } from "./pipelines/pipeline-view.ts";
import type { PodProgress } from "./pod-progress.ts";
import type { EnvView as EnvViewSchema } from "./routes/app-config.ts";
import type { AppPodView as AppPodViewSchema } from "./routes/app-pods.ts";
import type { AppView as AppViewSchema } from "./routes/apps.ts";
import type { AuthConfig as AuthConfigSchema, WhoAmI as WhoAmISchema } from "./routes/auth.ts";
import type { Accepted, DeployDiff as DeployDiffSchema, Deployment as DeploymentSchema } from "./routes/deployments.ts";
import type { MemberView as MemberViewSchema } from "./routes/members.ts";
import type { AppMetrics as AppMetricsSchema } from "./routes/metrics.ts";
import type { PipelineSecretsView as PipelineSecretsViewSchema } from "./routes/pipeline-secrets.ts";
import type { PipelineDiff as PipelineDiffSchema } from "./routes/pipelines.ts";
import type { PlatformInfo as PlatformInfoSchema } from "./routes/platform.ts";
import type { ProfileView as ProfileViewSchema } from "./routes/profiles.ts";
import type { Promoted as PromotedSchema } from "./routes/promotions.ts";
import type {
  ReleaseDetail as ReleaseDetailSchema,
  Release as ReleaseSchema,
  RolledBack as RolledBackSchema,
  SecretsView as SecretsViewSchema,
} from "./routes/releases.ts";
import type { RolloutView as RolloutViewSchema } from "./routes/rollouts.ts";
import type {
  Condition as ConditionSchema,
  pageOf,
  RoleSchema,
  TimelineEntry as TimelineEntrySchema,
} from "./routes/schemas.ts";
import type { TenantRelease as TenantReleaseSchema } from "./routes/tenant-releases.ts";
import type { TenantDetail as TenantDetailSchema, TenantView as TenantViewSchema } from "./routes/tenants.ts";
import type { MintedToken as MintedTokenSchema, TokenView as TokenViewSchema } from "./routes/tokens.ts";
import type { RunView as RunViewSchema } from "./runs/run-view.ts";

export type { RunLogRecord } from "./run-logs.ts";
export type { PodProgress };

/** A page of a list operation (api/pagination.ts): its items and the cursor of the next page. */
export type Page<T> = z.output<ReturnType<typeof pageOf<z.ZodType<T>>>>;

export type Condition = z.output<typeof ConditionSchema>;
export type Role = z.output<typeof RoleSchema>;
export type AuthConfig = z.output<typeof AuthConfigSchema>;
export type WhoAmI = z.output<typeof WhoAmISchema>;
export type PlatformInfo = z.output<typeof PlatformInfoSchema>;
export type Tenant = z.output<typeof TenantViewSchema>;
/** A tenant with its namespace per Profile (POST /v1/tenants, GET /v1/tenants/{tenant}). */
export type TenantDetail = z.output<typeof TenantDetailSchema>;
export type Member = z.output<typeof MemberViewSchema>;
export type AppView = z.output<typeof AppViewSchema>;
/** One of an App's pods (GET …/apps/{app}/pods). */
export type AppPod = z.output<typeof AppPodViewSchema>;
export type RolloutView = z.output<typeof RolloutViewSchema>;
export type ProfileView = z.output<typeof ProfileViewSchema>;
export type TokenView = z.output<typeof TokenViewSchema>;
export type MintedToken = z.output<typeof MintedTokenSchema>;
export type DeploymentAccepted = z.output<typeof Accepted>;
export type Deployment = z.output<typeof DeploymentSchema>;
export type DeploymentOutcome = Deployment["outcome"];
export type DeployDiff = z.output<typeof DeployDiffSchema>;
export type DeployOverride = DeployDiff["overrides"][number];
export type EnvView = z.output<typeof EnvViewSchema>;
export type PipelineView = z.output<typeof PipelineViewSchema>;
export type PipelineDiff = z.output<typeof PipelineDiffSchema>;
export type PipelineSecretsView = z.output<typeof PipelineSecretsViewSchema>;
export type RunView = z.output<typeof RunViewSchema>;
export type RunPhase = RunView["phase"];
export type RunTaskStatus = RunView["tasks"][number];
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;
export type Release = z.output<typeof ReleaseSchema>;
export type ReleaseDetail = z.output<typeof ReleaseDetailSchema>;
/** A release with its App's profile (GET /v1/tenants/{tenant}/releases). */
export type TenantRelease = z.output<typeof TenantReleaseSchema>;
export type RolledBack = z.output<typeof RolledBackSchema>;
/** A promotion accepted (POST …/apps/{app}/promotions). */
export type Promoted = z.output<typeof PromotedSchema>;
export type SecretsView = z.output<typeof SecretsViewSchema>;
/** An App's traffic series and deploy markers (GET …/apps/{app}/metrics). */
export type AppMetrics = z.output<typeof AppMetricsSchema>;

/** The data of a `status` or `end` event of a deployment's stream (GET …/deployments/{id}/events). */
export type DeploymentProgress = Deployment & {
  ready: Condition | null;
  conditions: Condition[];
  pods: PodProgress[];
  replicas: { desired: number | null; ready: number };
};

/** One record of an App's log stream (GET …/apps/{app}/logs): a line, or a replica whose log could not be read. */
export type LogRecord = LogLine | { pod: string; container: string; error: string };
