import type { Release } from "../client/release-client.ts";
import { listReleases } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { releasesCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";
import { appTarget } from "../project/project.ts";

/** What a release changed, in one cell: names only (`+` added, `~` changed, `-` removed). */
export function changeSummary(release: Pick<Release, "changes" | "rollbackOf">): string {
  const { changes } = release;
  const parts: string[] = [];
  if (release.rollbackOf !== null) parts.push(`rollback to ${release.rollbackOf}`);
  if (changes.image) parts.push(`image ${changes.image.after}`);
  for (const [label, names] of [
    ["env", changes.env],
    ["secrets", changes.secrets],
  ] as const) {
    if (!names) continue;
    const words = [
      ...names.added.map((n) => `+${n}`),
      ...names.changed.map((n) => `~${n}`),
      ...names.removed.map((n) => `-${n}`),
    ];
    if (words.length > 0) parts.push(`${label} ${words.join(" ")}`);
  }
  if (changes.replicas) parts.push(`replicas ${changes.replicas.before ?? "-"}→${changes.replicas.after ?? "-"}`);
  if (changes.fields?.length) parts.push(changes.fields.map((f) => f.replace(/^spec\./, "")).join(", "));
  return parts.join("; ") || "-";
}

/** Who made a release, in one cell, from its structured source (the Run for a Pipeline's deploy step). */
export function sourceLabel(source: Release["source"]): string {
  switch (source.kind) {
    case "user":
      return source.subject;
    case "token":
      return `token ${source.token} (${source.subject})`;
    case "run":
      return `run ${source.run}${source.pipeline ? ` (pipeline ${source.pipeline})` : ""}`;
    case "git":
      return `git ${source.revision.slice(0, 12)} (${source.managers.join(", ")})`;
    case "external":
      return source.managers.join(", ");
    case "promotion":
      return `${sourceLabel(source.by)}, from ${source.profile} v${source.release}`;
  }
}

export async function run(command: ContextOf<typeof releasesCommand>): Promise<number> {
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const limit = command.flags.limit ?? 20;
  const releases: Release[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(`Could not list the releases of ${app} (${profile})`, () =>
      listReleases(client, tenant, app, profile, { cursor, limit: Math.min(limit - releases.length, 100) }),
    );
    releases.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && releases.length < limit);
  if (command.json) {
    printJson(command.io, { app, tenant, profile, releases });
    return 0;
  }
  if (releases.length === 0) {
    command.io.stdout.write(
      `No releases of ${app} (${profile}) yet: each deploy, env, secret, scale or rollback makes one.\n`,
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["release", "kind", "age", "by", "deployment", "changes"],
      releases.map((r) => [
        `v${r.number}`,
        r.kind,
        age(r.createdAt),
        sourceLabel(r.source),
        r.deploymentId ?? "-",
        changeSummary(r),
      ]),
    ),
  );
  return 0;
}
