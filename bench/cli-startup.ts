// CLI start-up time: `loco --help` and `loco status -o json` (against an address nothing listens on, so it fails
// fast with exit 6 after loading everything a data command loads) vs `node -e 0`, the floor no Node CLI can beat.
// Each command is timed two ways: the bundled CLI (what `npm install` users run: dist/cli/main.js, built by
// hack/build-cli.ts as `npm run build` does) and the package's bin run from the TypeScript sources (bin/loco.js in a clone: what `npx loco` runs there, Node
// stripping the types on every load). Last, `npx loco --help` from docs/examples with the npm on the user's PATH,
// to show what npm itself adds. The bundle goes to dist/.bench-cli, under the repository so that packages resolve
// as they do from dist/.
//
//   npm run bench:cli-startup      (BENCH_RUNS=50)
//
// Prints its figures and writes bench/results/cli-startup.json (medianMs, floorMedianMs, ratio, …).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { bundleCli } from "../hack/build-cli.ts";

const root = join(import.meta.dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 50);
const log = (message: string) => process.stdout.write(`${message}\n`);

const out = join(root, "dist", ".bench-cli");
rmSync(out, { recursive: true, force: true });
const main = await bundleCli(out);
const bin = join(root, "bin", "loco.js");

const home = mkdtempSync(join(tmpdir(), "loco-bench-cli-"));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  LOCO_SERVER: "http://127.0.0.1:9",
  LOCO_TOKEN: "loco_bench",
  // npm's check for a newer npm asks the registry: not part of what is timed.
  npm_config_update_notifier: "false",
};

// A user's shell has no node_modules/.bin on its PATH (npm run puts it there): `npx` is the machine's own npm.
const userPath = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !dir.endsWith(join("node_modules", ".bin")))
  .join(delimiter);

interface Case {
  command: string;
  args: string[];
  status: number;
  cwd?: string;
  path?: string;
}

function time(c: Case): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(c.command, c.args, {
    env: { ...env, PATH: c.path ?? env.PATH },
    cwd: c.cwd ?? home,
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== c.status) {
    throw new Error(
      `${c.command} ${c.args.join(" ")} exited ${result.status}, expected ${c.status}:\n${result.stderr}`,
    );
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

const node = process.execPath;
const statusArgs = ["status", "web", "--profile", "dev", "--tenant", "acme", "-o", "json"];
const cases = {
  floor: { command: node, args: ["-e", "0"], status: 0 },
  help: { command: node, args: [main, "--help"], status: 0 },
  status: { command: node, args: [main, ...statusArgs], status: 6 },
  sourcesHelp: { command: node, args: [bin, "--help"], status: 0 },
  sourcesStatus: { command: node, args: [bin, ...statusArgs], status: 6 },
  npxHelp: { command: "npx", args: ["loco", "--help"], status: 0, cwd: join(root, "docs", "examples"), path: userPath },
} satisfies Record<string, Case>;
// BENCH_NPX=0 leaves npx out: at about a second a run it is most of the benchmark's time, and not loco's.
if (process.env.BENCH_NPX === "0") delete (cases as Partial<typeof cases>).npxHelp;
type Name = keyof typeof cases;
const loadBefore = loadavg()[0]!;
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<Name, number[]>;
// Warm the file cache (and npx's own cache), then interleave the cases so that load on the machine hits them alike.
for (const c of Object.values(cases)) time(c);
for (let i = 0; i < runs; i++) {
  for (const [name, c] of Object.entries(cases)) samples[name as Name].push(time(c));
}
rmSync(home, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });

const floorMedianMs = round(median(samples.floor));
const helpMedianMs = round(median(samples.help));
const statusMedianMs = round(median(samples.status));
const sourcesHelpMedianMs = round(median(samples.sourcesHelp));
const sourcesStatusMedianMs = round(median(samples.sourcesStatus));
const npxHelpMedianMs = samples.npxHelp?.length ? round(median(samples.npxHelp)) : undefined;
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
  sourcesHelpMedianMs,
  sourcesHelpRatio: ratio(sourcesHelpMedianMs, floorMedianMs),
  sourcesStatusJsonMedianMs: sourcesStatusMedianMs,
  sourcesStatusJsonRatio: ratio(sourcesStatusMedianMs, floorMedianMs),
  ...(npxHelpMedianMs === undefined ? {} : { npxHelpMedianMs }),
  loadAverage1mAfter: round(loadavg()[0]!),
};
log(`node -e 0                 median ${floorMedianMs} ms`);
log(`loco --help               median ${helpMedianMs} ms (ratio ${result.ratio})`);
log(`loco status -o json (→6)  median ${statusMedianMs} ms (ratio ${result.statusJsonRatio})`);
log(`from sources (bin/loco.js):`);
log(`  loco --help               median ${sourcesHelpMedianMs} ms (ratio ${result.sourcesHelpRatio})`);
log(`  loco status -o json (→6)  median ${sourcesStatusMedianMs} ms (ratio ${result.sourcesStatusJsonRatio})`);
if (npxHelpMedianMs !== undefined)
  log(`npx loco --help (docs/examples, the machine's npm)  median ${npxHelpMedianMs} ms`);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "cli-startup.json"), `${JSON.stringify(result, null, 2)}\n`);
