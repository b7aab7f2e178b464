// How the resurrector reports: a human summary, or one JSON document (never secret values: plans carry names only).
import type { ClusterHealth } from "./cluster.ts";
import type { Action, Plan, PlanItem } from "./plan.ts";
import type { ApplyResult, PlanResult } from "./resurrect.ts";

const SYMBOL: Record<Action, string> = {
  create: "+",
  update: "~",
  unchanged: "=",
  differs: "!",
  extra: "?",
  interrupt: "x",
  archive: "-",
  stale: ".",
};

const itemName = (item: PlanItem) => `${item.kind} ${item.namespace ? `${item.namespace}/` : ""}${item.name}`;

/** Plan items without the objects they carry (those hold secret values). */
export const publicItems = (plan: Plan) => plan.items.map(({ object: _object, row: _row, ...item }) => item);

export function healthText(health: ClusterHealth): string {
  const lines = [`Cluster ${health.server}: ${health.ready ? "ready" : `NOT READY — ${health.problem}`}`];
  if (health.ready) {
    lines.push(`  identity:     kube-system uid ${health.clusterUid}`);
    lines.push(
      `  loco CRDs:    ${health.missingCrds.length === 0 ? "all present" : `missing ${health.missingCrds.join(", ")}`}`,
    );
    lines.push(
      `  sentinel:     ${health.sentinel.present ? `present (since ${health.sentinel.restoredAt ?? "unknown"})` : "missing"}`,
    );
    lines.push(`  loco objects: ${health.locoObjects} (Profiles, Apps, Pipelines)`);
  }
  return `${lines.join("\n")}\n`;
}

export function planText(result: PlanResult): string {
  const { plan, health } = result;
  const shown = plan.items.filter((item) => item.action !== "unchanged");
  const lines = [`Plan for ${health.server} (cluster ${health.clusterUid}):`];
  for (const item of shown) {
    lines.push(
      `  ${SYMBOL[item.action]} ${item.action.padEnd(9)} ${itemName(item)}${item.reason ? `  — ${item.reason}` : ""}`,
    );
  }
  const s = plan.summary;
  lines.push(
    plan.pending === 0
      ? `Nothing to do: ${s.unchanged} objects are as the database says.`
      : `To apply: ${s.create} to create, ${s.update} to update, ${s.interrupt + s.archive} Runs to retire (${s.interrupt} interrupted); ${s.unchanged} unchanged.`,
  );
  if (s.differs + s.extra + s.stale > 0) {
    lines.push(
      `Left alone: ${s.differs} differ from the database (--force overwrites), ${s.extra} exist only in the cluster (never deleted), ${s.stale} were deleted here since the last mirror write.`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function applyText(result: ApplyResult): string {
  const { outcome } = result;
  const lines = [
    `Restored into ${result.health.server} in ${outcome.seconds.toFixed(1)}s: ${outcome.created} created, ${outcome.updated} updated, ${outcome.runsRetired} Runs retired, ${outcome.skipped.length} skipped, ${outcome.failed.length} failed.`,
  ];
  for (const { item, reason } of outcome.skipped) lines.push(`  skipped ${itemName(item)}: ${reason}`);
  for (const { item, error } of outcome.failed) lines.push(`  FAILED  ${itemName(item)}: ${error}`);
  if (outcome.failed.length > 0)
    lines.push("Fix the causes above and run apply again: it only does what is still missing.");
  else if (result.plan.pending === 0) lines.push("Nothing was missing.");
  else lines.push("The operator now rebuilds each App's Deployment, Service and routes.");
  return `${lines.join("\n")}\n`;
}

export function planJson(result: PlanResult) {
  return {
    cluster: result.health,
    summary: result.plan.summary,
    pending: result.plan.pending,
    items: publicItems(result.plan),
  };
}

export function applyJson(result: ApplyResult) {
  return {
    ...planJson(result),
    result: {
      created: result.outcome.created,
      updated: result.outcome.updated,
      runsRetired: result.outcome.runsRetired,
      seconds: result.outcome.seconds,
      sentinelWritten: result.sentinelWritten,
      skipped: result.outcome.skipped.map(({ item, reason }) => ({
        kind: item.kind,
        namespace: item.namespace,
        name: item.name,
        reason,
      })),
      failed: result.outcome.failed.map(({ item, error }) => ({
        kind: item.kind,
        namespace: item.namespace,
        name: item.name,
        error,
      })),
    },
  };
}
