// The examples in docs/examples/, loaded for the tests that prove they are valid (zod here, the apiserver in
// test/crds/examples.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const examplesDir = join(import.meta.dirname, "..", "..", "docs", "examples");

export interface Example {
  file: string;
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: unknown };
}

export function yamlExamples(): Example[] {
  return readdirSync(examplesDir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, object: parse(readFileSync(join(examplesDir, file), "utf8")) }));
}

export const locoTomlExample = () => readFileSync(join(examplesDir, "loco.toml"), "utf8");
