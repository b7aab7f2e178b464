// 0012: where a release came from, as data rather than prose. `actor` is a sentence for people
// ("run:acme-dev/ship-x7k2m (pipeline ship)"); `source` says the same for programs, so that a script or the console
// can ask "which Run made this release?" without parsing it (db/release-source.ts lists the shapes). Releases
// recorded before this migration get theirs from what they hold: the actor, written in one of a few fixed forms by
// the API (api/auth/principal.ts actorOf) and the mirror (field managers), and the Git revision.
import { type Kysely, sql } from "kysely";

const statements = [
  `ALTER TABLE releases ADD COLUMN source jsonb`,
  // Most specific first: a Git revision wins over the field managers that wrote it.
  `
    UPDATE releases SET source = CASE
      WHEN git_revision IS NOT NULL THEN
        jsonb_build_object('kind', 'git', 'revision', git_revision, 'managers', to_jsonb(string_to_array(actor, ', ')))
      WHEN actor LIKE 'run:%' THEN jsonb_build_object(
        'kind', 'run',
        'namespace', split_part(split_part(substring(actor from 5), ' ', 1), '/', 1),
        'run', split_part(split_part(substring(actor from 5), ' ', 1), '/', 2),
        'pipeline', substring(actor from ' \\(pipeline ([^)]*)\\)$'))
      WHEN actor LIKE 'token:%' THEN jsonb_build_object(
        'kind', 'token',
        'token', split_part(substring(actor from 7), ' ', 1),
        'subject', coalesce(substring(actor from '^token:[^ ]* \\((.*)\\)$'), ''))
      WHEN actor LIKE 'oidc:%' THEN jsonb_build_object('kind', 'user', 'subject', substring(actor from 6))
      ELSE jsonb_build_object('kind', 'external', 'managers', to_jsonb(string_to_array(actor, ', ')))
    END
  `,
  `ALTER TABLE releases ALTER COLUMN source SET NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
