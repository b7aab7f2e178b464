// CLI start-up time: `loco --help` and `loco status -o json` (against an address nothing listens on, so it fails
// fast with exit 6 after loading everything a data command loads) vs `node -e 0`, the floor no Node CLI can beat.
// The CLI is compiled to JavaScript first (what `npm install` users run: dist/cli/main.js), into
// node_modules/.cache so packages resolve as they do from dist/.
//
//   npm run bench:cli-startup      (BENCH_RUNS=30)
//
// Prints its figures and writes bench/results/cli-startup.json (medianMs, floorMedianMs, ratio, …).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 30);
const log = (message: string) => process.stdout.write(`${message}\n`);

const out = join(root, "node_modules", ".cache", "loco-bench-cli");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tsconfig = join(out, "tsconfig.json");
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(root, "tsconfig.build.json"),
    compilerOptions: { outDir: out, rootDir: root, sourceMap: false },
    include: [join(root, "cli")],
    exclude: [join(root, "**/*.test.ts")],
  }),
);
const build = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", tsconfig], { encoding: "utf8" });
if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
const main = join(out, "cli", "main.js");

const home = mkdtempSync(join(tmpdir(), "loco-bench-cli-"));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  LOCO_SERVER: "http://127.0.0.1:9",
  LOCO_TOKEN: "loco_bench",
};

function time(args: string[], expectedStatus: number): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, cwd: home, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== expectedStatus) {
    throw new Error(`node ${args.join(" ")} exited ${result.status}, expected ${expectedStatus}:\n${result.stderr}`);
  }
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (n: number) => Math.round(n * 10) / 10;
const ratio = (n: number, floor: number) => Math.round((n / floor) * 100) / 100;

const cases = {
  floor: { args: ["-e", "0"], status: 0 },
  help: { args: [main, "--help"], status: 0 },
  status: { args: [main, "status", "web", "--profile", "dev", "--tenant", "acme", "-o", "json"], status: 6 },
};
const loadBefore = loadavg()[0]!;
const samples: Record<keyof typeof cases, number[]> = { floor: [], help: [], status: [] };
// Warm the file cache, then interleave the cases so that load on the machine hits them alike.
for (const c of Object.values(cases)) time(c.args, c.status);
for (let i = 0; i < runs; i++) {
  for (const [name, c] of Object.entries(cases)) samples[name as keyof typeof cases].push(time(c.args, c.status));
}
rmSync(home, { recursive: true, force: true });

const floorMedianMs = round(median(samples.floor));
const helpMedianMs = round(median(samples.help));
const statusMedianMs = round(median(samples.status));
const result = {
  runs,
  node: process.version,
  medianMs: helpMedianMs,
  floorMedianMs,
  ratio: ratio(helpMedianMs, floorMedianMs),
  statusJsonMedianMs: statusMedianMs,
  statusJsonRatio: ratio(statusMedianMs, floorMedianMs),
  loadAverage1m: round(loadBefore),
  helpP90Ms: round([...samples.help].sort((a, b) => a - b)[Math.floor(runs * 0.9)]!),
};
log(`node -e 0                 median ${floorMedianMs} ms`);
log(`loco --help               median ${helpMedianMs} ms (ratio ${result.ratio})`);
log(`loco status -o json (→6)  median ${statusMedianMs} ms (ratio ${result.statusJsonRatio})`);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "cli-startup.json"), `${JSON.stringify(result, null, 2)}\n`);
