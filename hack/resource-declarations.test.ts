// Each Kubernetes resource a loco process addresses is declared once: built-in kinds in kube/resources.ts, loco's
// own in crds/kinds.ts. A second declaration (a local `{ kind: "Pod", plural: "pods" }`) drifts silently when
// one copy changes, so this test fails on any literal REST name outside those two files.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { APP, PIPELINE, PROFILE, RUN } from "../crds/kinds.ts";
import * as builtIn from "../kube/resources.ts";
import type { ResourceType } from "../kube/types.ts";

const root = resolve(import.meta.dirname, "..");
const PRODUCTION = ["crds", "kube", "db", "operator", "resurrector", "api", "cli"];
const HOMES = new Set(["kube/resources.ts", "crds/kinds.ts"]);
const LITERAL_PLURAL = /\bplural:\s*["'`]/;

function productionFiles(): string[] {
  return PRODUCTION.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      .map((entry) => relative(root, join(entry.parentPath, entry.name))),
  );
}

describe("resource declarations", () => {
  it("no production file but kube/resources.ts and crds/kinds.ts declares a resource's REST name", () => {
    const declaring = productionFiles().filter(
      (file) => !HOMES.has(file) && LITERAL_PLURAL.test(readFileSync(join(root, file), "utf8")),
    );
    expect(declaring).toEqual([]);
  });

  it("declares each kind once across the two homes", () => {
    // Lists of resources (TENANT_PARENTS) name declarations, they are not ones.
    const resources = [APP, PROFILE, PIPELINE, RUN, ...Object.values(builtIn)].filter(
      (value): value is ResourceType => typeof value === "object" && !Array.isArray(value) && "kind" in value,
    );
    const keys = resources.map((r) => `${r.group}/${r.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("/Pod");
    expect(keys).toContain("loco.dev/App");
  });
});
