// npm start's check of the machine (hack/lib.sh's require_prerequisites, run by hack/up.sh): each missing tool is
// named in one line with how to install it, then the script stops — installing nothing. The tools are stand-in
// scripts on a PATH of their own (a real bash runs the real lib.sh); the control-plane cache is a temp folder.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const hack = import.meta.dirname;
const bash = ["/bin/bash", "/usr/bin/bash"].find((path) => existsSync(path)) ?? "bash";

interface Machine {
  /** Commands on PATH, each a script that succeeds; `go` answers `go env` with goVersion and goToolchain. */
  tools: string[];
  goVersion?: string;
  goToolchain?: string;
  /** Whether the control plane is already built in the cache (every stamp hack/build-control-plane.sh writes). */
  cached?: boolean | "all but kubernetes";
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pinned versions, read as the shell reads them. */
function versions(): Record<string, string> {
  const lines = readFileSync(join(hack, "versions.env"), "utf8").split("\n");
  return Object.fromEntries(
    lines.filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split("=", 2) as [string, string]),
  );
}

function machine(m: Machine): { env: Record<string, string>; aptLog: string } {
  const root = mkdtempSync(join(tmpdir(), "loco-prereq-"));
  made.push(root);
  const bin = join(root, "bin");
  mkdirSync(bin);
  // What lib.sh itself runs, and `id` so that an apt-get through as_root would be reached if anything tried one.
  for (const tool of ["dirname", "id"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  const aptLog = join(root, "apt-get.log");
  script("apt-get", `echo "$@" >> ${aptLog}`);
  script("sudo", `"$@"`);
  for (const tool of m.tools) {
    if (tool === "go") {
      script(
        "go",
        `case "$2" in GOVERSION) echo ${m.goVersion ?? "go1.26.1"};; GOTOOLCHAIN) echo ${m.goToolchain ?? "auto"};; esac`,
      );
    } else script(tool, "exit 0");
  }
  const cache = join(root, "cache");
  if (m.cached) {
    const v = versions();
    const stamps = [
      `bin/etcd-${v.ETCD_VERSION}/.complete`,
      `bin/kwok-${v.KWOK_VERSION}/.complete`,
      `bin/helm-${v.HELM_VERSION}/.complete`,
      `bin/kubernetes-${v.KUBERNETES_VERSION}/.complete`,
      `crds/gateway-api-${v.GATEWAY_API_VERSION}/.complete`,
      `crds/envoy-gateway-${v.ENVOY_GATEWAY_VERSION}/.complete`,
      `crds/kwok-${v.KWOK_VERSION}/.complete`,
      `crds/kwok-${v.KWOK_VERSION}/.complete-crds`,
      `crds/kwok-${v.KWOK_VERSION}/.complete-exec-crds`,
    ].filter((stamp) => m.cached === true || !stamp.startsWith("bin/kubernetes-"));
    for (const stamp of stamps) {
      mkdirSync(join(cache, stamp, ".."), { recursive: true });
      writeFileSync(join(cache, stamp), "");
    }
  }
  return { env: { PATH: bin, HOME: root, LOCO_CACHE_DIR: cache }, aptLog };
}

function check(m: Machine) {
  const { env } = machine(m);
  const result = spawnSync(bash, ["-c", 'source "$1" && require_prerequisites', "bash", join(hack, "lib.sh")], {
    env,
    encoding: "utf8",
  });
  return { status: result.status, lines: result.stderr.split("\n").filter((line) => line !== "") };
}

describe("npm start's prerequisites", () => {
  it("passes when npm, openssl, Go and jq are there", () => {
    expect(check({ tools: ["npm", "openssl", "go", "jq"] })).toEqual({ status: 0, lines: [] });
  });

  it("names each missing one in one line with how to install it, and fails", () => {
    const { status, lines } = check({ tools: [] });
    expect(status).toBe(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^Missing npm, .*sudo apt-get install npm\b/);
    expect(lines[1]).toMatch(/^Missing openssl, .*sudo apt-get install openssl\b/);
    expect(lines[2]).toMatch(
      /^Missing Go, which builds the local control plane .*Go 1\.26 or newer from https:\/\/go\.dev\/dl\//,
    );
    expect(lines[3]).toMatch(/^Missing jq, .*sudo apt-get install jq\b/);
  });

  it("names only what is missing", () => {
    const { status, lines } = check({ tools: ["npm", "go", "jq"] });
    expect(status).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^Missing openssl, /)]);
  });

  it("needs neither Go nor jq once the control plane is built", () => {
    expect(check({ tools: ["npm", "openssl"], cached: true })).toEqual({ status: 0, lines: [] });
  });

  it("needs Go and jq again while any part of the control plane is not built", () => {
    const { status, lines } = check({ tools: ["npm", "openssl"], cached: "all but kubernetes" });
    expect(status).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^Missing Go, /), expect.stringMatching(/^Missing jq, /)]);
  });

  it.each([
    { goVersion: "go1.19.8", goToolchain: "auto", ok: false },
    { goVersion: "go1.22.2", goToolchain: "local", ok: false },
    { goVersion: "go1.22.2", goToolchain: "auto", ok: true },
    { goVersion: "go1.22.2", goToolchain: "go1.22.2+auto", ok: true },
    { goVersion: "go1.26.1", goToolchain: "local", ok: true },
  ])("takes $goVersion with GOTOOLCHAIN=$goToolchain: $ok", ({ goVersion, goToolchain, ok }) => {
    const { status, lines } = check({ tools: ["npm", "openssl", "go", "jq"], goVersion, goToolchain });
    if (ok) expect({ status, lines }).toEqual({ status: 0, lines: [] });
    else {
      expect(status).toBe(1);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^Go ${goVersion} at .*/go is too old .*Go 1\\.26`))]);
    }
  });

  it("stops hack/up.sh before it installs anything", () => {
    const { env, aptLog } = machine({ tools: [] });
    const result = spawnSync(bash, [join(hack, "up.sh")], { env, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n").filter((line) => line !== "")).toHaveLength(4);
    expect(existsSync(aptLog)).toBe(false);
  });
});
