// Builds the web console into dist/console when its sources changed since the last build: a digest of console/
// (sources, config) and of the versions of the packages it bundles is kept in dist/console/.source-digest, so a
// warm `npm start` or `npm test` skips Vite entirely. `--force` builds anyway.
//   node hack/build-console.ts [--force]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const consoleDir = join(root, "console");
const outDir = join(root, "dist", "console");
const digestFile = join(outDir, ".source-digest");
/** What the bundle is made of besides console/: the API's types it imports and the packages it bundles. */
const BUNDLED = [
  "react",
  "react-dom",
  "@tanstack/react-router",
  "@tanstack/react-query",
  "@xyflow/react",
  "elkjs",
  "vite",
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    // Unit tests are not part of the bundle.
    return entry.isFile() && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

export function consoleSourceDigest(): string {
  const hash = createHash("sha256");
  for (const file of [...filesUnder(consoleDir), join(root, "api", "contract.ts")].sort()) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  for (const name of BUNDLED) {
    const manifest = join(root, "node_modules", name, "package.json");
    const version = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version
      : "-";
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest("hex");
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`Building the web console failed (vite exited with ${code}); see above.`)),
    );
  });
}

/** Builds when the digest differs (or with force); says which it did. */
export async function ensureConsoleBuilt(force = false): Promise<"built" | "fresh"> {
  const digest = consoleSourceDigest();
  const built = existsSync(digestFile) && existsSync(join(outDir, "index.html"));
  if (!force && built && readFileSync(digestFile, "utf8").trim() === digest) return "fresh";
  // Its own process with NODE_ENV=production: Vite and the React plugin take the mode from NODE_ENV, and a caller
  // such as vitest ("test") would otherwise get React's development build.
  const vite = join(root, "node_modules", "vite", "bin", "vite.js");
  await run(process.execPath, [vite, "build", "--config", join(consoleDir, "vite.config.ts"), "--logLevel", "warn"], {
    ...process.env,
    NODE_ENV: "production",
  });
  writeFileSync(digestFile, `${digest}\n`);
  return "built";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const outcome = await ensureConsoleBuilt(process.argv.includes("--force"));
  const size = existsSync(outDir)
    ? readdirSync(join(outDir, "assets")).reduce((sum, f) => sum + statSync(join(outDir, "assets", f)).size, 0)
    : 0;
  process.stdout.write(
    outcome === "built"
      ? `Built the web console into dist/console (${Math.round(size / 1024)} kB of assets) in ${((Date.now() - started) / 1000).toFixed(1)}s\n`
      : "The web console's build is current\n",
  );
}
