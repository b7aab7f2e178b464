// The Dockerfile against what the chart and the code expect of the image (no container engine needed): a
// multi-stage build whose runtime stage runs as the chart's non-root uid, compiles every folder the build config
// includes, ships only production dependencies — so every package the runtime code imports must be one — and
// holds the programs the chart starts.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { chartDir } from "../support/helm.ts";

const root = join(import.meta.dirname, "..", "..");
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};
const buildConfig = JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")) as { include: string[] };
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.filter((line) => line.startsWith("FROM "));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1) ?? ""));

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !/\.test(-d)?\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("the Dockerfile", () => {
  it("is multi-stage and its runtime stage runs as the chart's non-root uid", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const user = runtime.filter((line) => line.startsWith("USER ")).at(-1);
    const values = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    expect(user).toBe(`USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
    expect(runtime.some((line) => /npm (ci|install)/.test(line))).toBe(false);
  });

  it("compiles every folder tsconfig.build.json includes", () => {
    for (const folder of buildConfig.include) {
      expect(instructions, folder).toContain(`COPY ${folder}/ ${folder}/`);
    }
  });

  it("holds every program the chart starts, as a package.json bin", () => {
    const programs = readdirSync(join(chartDir, "templates"))
      .flatMap((file) => [...readFileSync(join(chartDir, "templates", file), "utf8").matchAll(/- (dist\/\S+\.js)/g)])
      .map((match) => match[1]);
    expect(new Set(programs)).toEqual(
      // loco-db runs as the retention CronJob (`loco-db prune`).
      new Set(["dist/operator/main.js", "dist/api/main.js", "dist/resurrector/main.js", "dist/db/admin.js"]),
    );
    for (const program of programs) expect(Object.values(packageJson.bin)).toContain(program);
  });

  it("ships only production dependencies, which cover every package the runtime code imports", () => {
    const dependencies = new Set(Object.keys(packageJson.dependencies));
    const missing: string[] = [];
    for (const folder of buildConfig.include) {
      for (const file of sourceFiles(folder)) {
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^".][^"]*)"/gm)) {
          const specifier = match[1] ?? "";
          if (specifier.startsWith("node:")) continue;
          if (/^import\s+type\s/.test(match[0])) continue;
          const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
          if (!dependencies.has(name ?? "")) missing.push(`${name} (${relative(root, file)})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
