// What `loco deploy` says about fields loco.toml declares that `loco env set` or `loco scale` set too: whose value
// the App has (the command's by rule, loco.toml's with --force-conflicts), and how to choose the other. Pure.
import type { DeployDiff, DeployOverride } from "./client/api-client.ts";

const show = (value: unknown) => (value === undefined ? "(unset)" : JSON.stringify(value));
const command = (o: DeployOverride) => (o.setBy === "loco env" ? "loco env set" : "loco scale");

/** One line per override. */
export function overrideLines(overrides: readonly DeployOverride[]): string[] {
  return overrides.map((o) =>
    o.inEffect === "command"
      ? `${o.field}: ${show(o.current)} from \`${command(o)}\` stays in effect over loco.toml's ${show(o.declared)}`
      : `${o.field}: loco.toml's ${show(o.declared)} replaces ${show(o.current)} from \`${command(o)}\``,
  );
}

/** The overrides block printed after a deploy or its dry run; empty when there are none. */
export function overridesText(overrides: readonly DeployOverride[]): string {
  if (overrides.length === 0) return "";
  const kept = overrides.some((o) => o.inEffect === "command");
  const hint = kept
    ? "Values set with `loco env set` or `loco scale` win over loco.toml; deploy with --force-conflicts to use loco.toml's (or `loco env unset NAME`, then deploy)."
    : "With --force-conflicts, loco.toml's values replace those the commands set; later deploys keep loco.toml's.";
  return `${overrideLines(overrides)
    .map((line) => `  ${line}`)
    .join("\n")}\n${hint}\n`;
}

/** What `loco deploy --dry-run` prints. */
export function dryRunText(diff: DeployDiff, app: string, profile: string): string {
  const parts: string[] = [];
  if (!diff.changed) parts.push(`No changes: ${app} (${profile}) already runs this configuration.`);
  else {
    parts.push(
      diff.exists
        ? `Deploying would change ${app} (${profile}, generation ${diff.generation}):`
        : `${app} does not exist in ${profile}; deploying would create it:`,
    );
    parts.push(...diff.diff.split("\n").map((line) => `  ${line}`));
    if (diff.env.added.length > 0) parts.push(`Variables added: ${diff.env.added.join(", ")}`);
    if (diff.env.removed.length > 0) parts.push(`Variables removed: ${diff.env.removed.join(", ")}`);
    if (diff.replicas.before !== diff.replicas.after)
      parts.push(`Replicas: ${diff.replicas.before ?? "(default)"} → ${diff.replicas.after ?? "(default)"}`);
  }
  const overrides = overridesText(diff.overrides);
  return `${parts.join("\n")}\n${overrides ? `Fields loco.toml and a command both set:\n${overrides}` : ""}Nothing was changed (--dry-run).\n`;
}
