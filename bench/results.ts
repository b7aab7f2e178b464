// Writes a benchmark's figures to bench/results/<name>.json (keys carry their unit: …Seconds, …MB, …Count).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const resultsDir = new URL("./results/", import.meta.url).pathname;

export function writeResults(name: string, figures: Record<string, number | string>): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
