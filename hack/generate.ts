// `npm run generate` writes every file derived from the zod schemas in crds/, the CLI's command declarations
// (docs/cli.md) and the API's route declarations (docs/reference/api.md, docs/reference/openapi.json); `npm run generate:check` (--check) writes nothing and exits 1, listing the stale
// files, when any differs from what its source produces.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { apiReference, openApiJson } from "../api/reference.ts";
import { cliReference } from "../cli/docs.ts";
import { troubleshootingPage } from "../crds/condition-advice.ts";
import { generatedFiles } from "../crds/generator/generated-files.ts";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");

const stale: string[] = [];
const derived = [
  ...generatedFiles(),
  { path: "docs/cli.md", content: cliReference() },
  { path: "docs/reference/api.md", content: apiReference() },
  { path: "docs/reference/openapi.json", content: openApiJson() },
  { path: "docs/reference/troubleshooting.md", content: troubleshootingPage() },
];
for (const file of derived) {
  const target = join(root, file.path);
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current === file.content) continue;
  stale.push(file.path);
  if (!check) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

if (check && stale.length > 0) {
  process.stderr.write(
    `Generated files are out of date with crds/*.ts, cli/commands.ts or api/routes/:\n${stale.map((p) => `  ${p}`).join("\n")}\nRun \`npm run generate\` and commit the result.\n`,
  );
  process.exit(1);
}
process.stdout.write(
  check
    ? "Generated files are up to date.\n"
    : `Wrote ${stale.length} file(s)${stale.length ? `: ${stale.join(", ")}` : ""}.\n`,
);
