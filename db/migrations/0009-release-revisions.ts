// 0009: the Git commit a release came from. A change applied outside the API (Argo CD syncing a repository,
// kubectl) is recorded as a release by the operator's mirror; when the App carries the annotation
// loco.dev/git-revision (filled in by the GitOps tool at sync time), the release names that commit. Null for releases
// the API recorded and for changes that named no commit.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE releases ADD COLUMN git_revision text`.execute(db);
}
