// The Pipeline spec the API accepts: the CRD's schema plus what CEL can't check and the operator would only report
// later as InvalidSchedule — a cron trigger's time zone and expression. Refused here with 400 naming the field,
// so a caller learns at once (the operator still reports them on a Pipeline written with kubectl).
import { cronExpressionProblem, timeZoneProblem } from "../../crds/cron.ts";
import { PipelineSpec } from "../../crds/pipeline.ts";

type PathSegment = string | number;

export const PipelineRequestSpec = PipelineSpec.superRefine((spec, ctx) => {
  // Refinements also run over a spec whose fields already failed: read the triggers defensively, and leave a field
  // that already has an issue (such as a time zone that fails the pattern) to that issue.
  const flagged = new Set(ctx.issues.map((issue) => JSON.stringify(issue.path)));
  const add = (path: PathSegment[], message: string) => {
    if (!flagged.has(JSON.stringify(path))) ctx.addIssue({ code: "custom", path, message, input: spec });
  };
  const triggers: unknown[] = Array.isArray(spec.triggers) ? spec.triggers : [];
  triggers.forEach((trigger, index) => {
    const cron = (trigger as { cron?: { schedule?: unknown; timeZone?: unknown } } | undefined)?.cron;
    if (!cron) return;
    const timeZone = typeof cron.timeZone === "string" ? cron.timeZone : undefined;
    const zone = timeZone === undefined ? undefined : timeZoneProblem(timeZone);
    if (zone) add(["triggers", index, "cron", "timeZone"], `${zone}; leave it out for UTC`);
    if (typeof cron.schedule !== "string") return;
    const expression = cronExpressionProblem(cron.schedule, zone ? "UTC" : (timeZone ?? "UTC"));
    if (expression)
      add(["triggers", index, "cron", "schedule"], `${expression}; write 5 or 6 fields such as '0 3 * * *', or @daily`);
  });
});
