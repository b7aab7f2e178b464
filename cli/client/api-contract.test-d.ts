// Type-level checks, run by `tsc --noEmit` (npm run typecheck), never executed: the CLI's response types are the
// output types of the response schemas the API's routes declare (api/routes/*.ts), not copies of them. A field
// renamed or retyped in a route's schema changes these types, so every line of the CLI that reads the old field
// fails the type check. The @ts-expect-error lines fail the check if a type were widened to accept any field.
import { expectTypeOf } from "vitest";
import type { z } from "zod";
import type { PipelineView as PipelineViewSchema } from "../../api/pipelines/pipeline-view.ts";
import type { EnvView as EnvViewSchema } from "../../api/routes/app-config.ts";
import type { AppView as AppViewSchema } from "../../api/routes/apps.ts";
import type { WhoAmI as WhoAmISchema } from "../../api/routes/auth.ts";
import type { Accepted, Deployment as DeploymentSchema } from "../../api/routes/deployments.ts";
import type { PipelineDiff as PipelineDiffSchema } from "../../api/routes/pipelines.ts";
import type { ProfileView as ProfileViewSchema } from "../../api/routes/profiles.ts";
import type { TimelineEntry as TimelineEntrySchema } from "../../api/routes/schemas.ts";
import type { TenantView as TenantViewSchema } from "../../api/routes/tenants.ts";
import type { MintedToken as MintedTokenSchema, TokenView as TokenViewSchema } from "../../api/routes/tokens.ts";
import type { RunView as RunViewSchema } from "../../api/runs/run-view.ts";
import type {
  AppView,
  Deployment,
  DeploymentAccepted,
  EnvView,
  MintedToken,
  Page,
  ProfileView,
  Tenant,
  TokenView,
  WhoAmI,
} from "./api-client.ts";
import type { PipelineDiff, PipelineView, RunView, TimelineEntry } from "./run-client.ts";

type Declared<S extends z.ZodType> = z.output<S>;

// Whole answers: the same type as the route's response schema.
expectTypeOf<WhoAmI>().toEqualTypeOf<Declared<typeof WhoAmISchema>>();
expectTypeOf<Tenant>().toEqualTypeOf<Declared<typeof TenantViewSchema>>();
expectTypeOf<ProfileView>().toEqualTypeOf<Declared<typeof ProfileViewSchema>>();
expectTypeOf<TokenView>().toEqualTypeOf<Declared<typeof TokenViewSchema>>();
expectTypeOf<MintedToken>().toEqualTypeOf<Declared<typeof MintedTokenSchema>>();
expectTypeOf<DeploymentAccepted>().toEqualTypeOf<Declared<typeof Accepted>>();
expectTypeOf<Deployment>().toEqualTypeOf<Declared<typeof DeploymentSchema>>();
expectTypeOf<EnvView>().toEqualTypeOf<Declared<typeof EnvViewSchema>>();
expectTypeOf<PipelineDiff>().toEqualTypeOf<Declared<typeof PipelineDiffSchema>>();
expectTypeOf<TimelineEntry>().toEqualTypeOf<Declared<typeof TimelineEntrySchema>>();
expectTypeOf<Page<TokenView>>().toEqualTypeOf<{ items: TokenView[]; nextCursor: string | null }>();

// Views whose spec or status the API passes through as an open record: every field but those is the API's, and
// those are still the API's record (the CLI only reads known keys of it, typed from crds/).
expectTypeOf<Omit<AppView, "status">>().toEqualTypeOf<Omit<Declared<typeof AppViewSchema>, "status">>();
expectTypeOf<AppView["status"]>().toExtend<Declared<typeof AppViewSchema>["status"]>();
expectTypeOf<Omit<PipelineView, "spec" | "status">>().toEqualTypeOf<
  Omit<Declared<typeof PipelineViewSchema>, "spec" | "status">
>();
expectTypeOf<Omit<RunView, "status">>().toEqualTypeOf<Omit<Declared<typeof RunViewSchema>, "status">>();
expectTypeOf<RunView["phase"]>().toEqualTypeOf<"Pending" | "Queued" | "Running" | "Succeeded" | "Failed">();

// No field the API does not declare.
// @ts-expect-error: the App view has `ready`, not `readiness`.
expectTypeOf<AppView>().toHaveProperty("readiness");
// @ts-expect-error: a deployment's answer names `deploymentId`, not `id`.
expectTypeOf<DeploymentAccepted>().toHaveProperty("id");
// @ts-expect-error: a Run's tasks are `tasks`, not `steps`.
expectTypeOf<RunView>().toHaveProperty("steps");
