// docs/install.md, followed in the test bed: every command of its ```sh blocks, in order, in one shell, against a
// control plane of this test's own (the page installs cluster-wide things — CRDs, ClusterRoles, the Profiles `dev`
// and `prod`, namespaces it deletes by label — that would collide with the suite's shared one). Its files are saved
// as the reader saves them; `helm` is the cached helm binary, `kubectl` the control plane's, `loco` the clone's
// bin/loco.js (as step 7 says). The chart is really installed, with the page's values: its CRDs, RBAC, admission
// policies and Deployments. kwok's simulated node runs the Deployments' pods, and test/support/chart-processes.ts
// runs the program each pod would from the live Deployment (args, env, Secrets, ServiceAccount token), so the API
// and the operator work with exactly the configuration and the rights the chart gave them. Sign-in is the test
// OpenID Provider's device flow: the test plays the browser for the platform admin and for the team's lead.
//
// Where the test bed cannot do what the page says, TEST_BED below says what runs instead and why; inTestBed puts
// the API's loopback URL where the page says https://loco.example.com. Besides the commands, the test bed supplies
// what the page expects the reader to have (beforeAll): the test provider's issuer where the values file says
// https://login.example.com, a self-signed tls.crt/tls.key, and the App's log lines (kwok's pods print nothing).
// Every other command runs exactly as written; one that stops working fails here.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { binaryPaths } from "../../hack/control-plane/versions.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { type ChartProcesses, runChartDeployments } from "../support/chart-processes.ts";
import { createTestDatabase } from "../support/database.ts";
import { docFiles, outputOf, scriptOf, shellCommands } from "../support/doc-commands.ts";
import { approveDeviceLogin } from "../support/e2e-device.ts";
import { eventually } from "../support/kube.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";

const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const page = readFileSync(join(repo, "docs", "install.md"), "utf8");
const commands = shellCommands(page);
const files = docFiles(page);

/** The page's names for what the test bed has at other addresses. */
const PAGE_API = "https://loco.example.com";
const PAGE_ISSUER = "https://login.example.com";
/** The platform admin (in the page's `platform-admins` group) and the team's lead the page makes acme's owner. */
const ADMIN = "pat@example.com";
const OWNER = "jane@example.com";

interface Bed {
  apiUrl: string;
  operatorHealth: number;
  databaseUrl: string;
  work: string;
  appRepo: string;
  adminHome: string;
  ownerHome: string;
}

/**
 * What runs instead of a command of the page, by the command's start, with the reason. Each entry must match
 * exactly one command (a test below checks), so a changed page cannot leave a stale substitute behind.
 */
const TEST_BED: { command: string; why: string; run: (command: string, bed: Bed) => string }[] = [
  {
    command: "helm install eg oci://",
    why: "no registry to pull Envoy Gateway's chart from; the test bed's control plane starts with the Gateway API and Envoy Gateway CRDs it installs (hack/versions.env), which is what loco needs of it",
    run: () => "kubectl get crd gateways.gateway.networking.k8s.io backendtrafficpolicies.gateway.envoyproxy.io",
  },
  {
    command: "kubectl wait --timeout=5m -n envoy-gateway-system",
    why: "no Envoy Gateway controller runs: the Gateway stays unattended, and loco counts routes as served once applied",
    run: () => "true",
  },
  {
    command: "kubectl apply -f https://github.com/kubernetes-sigs/metrics-server",
    why: "no network; no App of this page autoscales",
    run: () => "true",
  },
  {
    command: "docker build",
    why: "no image builds or pulls: kwok runs the pods, chart-processes.ts runs their programs from this checkout",
    run: () => "true",
  },
  { command: "docker push", why: "as docker build", run: () => "true" },
  {
    command: "kubectl -n loco-system create secret generic loco-database",
    why: "the database is the test run's Postgres, not postgres.example.com",
    run: (command, bed) => command.replace(/url='[^']*'/, `url='${bed.databaseUrl}'`),
  },
  {
    command: "kubectl -n loco-system rollout status",
    why: "kwok's pods are Available at once; then wait for the programs chart-processes.ts runs for them to be ready too",
    run: (command, bed) =>
      `${command}\ntimeout 60 bash -c 'until curl -sf ${bed.apiUrl}/readyz >/dev/null && curl -sf http://127.0.0.1:${bed.operatorHealth}/readyz >/dev/null; do sleep 0.3; done'`,
  },
  {
    command: "loco logs -f ",
    why: "it follows until the reader presses Ctrl-C: here it is interrupted after 10 s (timeout's exit 124 is success)",
    run: (command) => `timeout -s INT -k 5 10 ${command} || [ $? -eq 124 ]`,
  },
  {
    command: `loco login ${PAGE_API} --tenant acme`,
    why: "the team's lead signs in on their own machine (a HOME of their own), in the App's repository",
    run: (command, bed) => `cd '${bed.appRepo}'\nexport HOME='${bed.ownerHome}'\n${command}`,
  },
  {
    command: "helm uninstall loco",
    why: "back to the platform engineer's machine and folder",
    run: (command, bed) => `cd '${bed.work}'\nexport HOME='${bed.adminHome}'\n${command}`,
  },
];

/** The shell text for one command of the page: its test-bed substitute, and the API's loopback URL for the page's. */
function inTestBed(command: string, bed: Bed): string {
  const substitute = TEST_BED.find((entry) => command.startsWith(entry.command));
  return (substitute ? substitute.run(command, bed) : command).replaceAll(PAGE_API, bed.apiUrl);
}

/** Who signs in at each `loco login` of the page (the test approves the device code as them). */
const SIGNS_IN: Record<string, string> = {
  [`loco login ${PAGE_API}`]: ADMIN,
  [`loco login ${PAGE_API} --tenant acme`]: OWNER,
};

const root = mkdtempSync(join(tmpdir(), "loco-install-"));
const clusterDir = join(root, "cluster");
let bed: Bed;
let idp: TestOidcProvider;
let database: { url: string; drop(): Promise<void> };
let chart: ChartProcesses | undefined;
let logs: CannedLogs | undefined;
let kubeconfig: string;
/** The page's script while it runs (killed if the test times out). */
let script: ReturnType<typeof spawn> | undefined;

beforeAll(async () => {
  const [cluster, db, provider] = await Promise.all([
    startControlPlane({ dir: clusterDir, ownerPid: process.pid }),
    createTestDatabase("loco_install"),
    startOidcProvider({
      audience: PAGE_API,
      identities: [],
      deviceClient: "loco-cli",
      users: [{ id: ADMIN, groups: ["platform-admins"] }, { id: OWNER }],
    }),
  ]);
  kubeconfig = cluster.kubeconfig;
  database = db;
  idp = provider;
  const [apiPort, operatorHealth] = await Promise.all([freePort(), freePort()]);
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  bed = {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    operatorHealth,
    databaseUrl: database.url,
    work: dir("work"),
    appRepo: dir("shop-api"),
    adminHome: dir("home-admin"),
    ownerHome: dir("home-owner"),
  };
  // The reader's folder: the page's files as saved (the identity provider's issuer is the test provider's), a
  // certificate for the Gateway, and the clone's charts/ folder the commands name.
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(bed.work, name), text.replaceAll(PAGE_ISSUER, idp.issuer));
  symlinkSync(join(repo, "charts"), join(bed.work, "charts"));
  await run(
    `openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=loco.example.com -keyout tls.key -out tls.crt 2>/dev/null`,
    bed.work,
  );
  // The tools on the reader's PATH.
  const bin = dir("bin");
  const bins = binaryPaths();
  symlinkSync(bins.helm, join(bin, "helm"));
  symlinkSync(bins.kubectl, join(bin, "kubectl"));
  symlinkSync(join(repo, "bin", "loco.js"), join(bin, "loco"));
  // What the App prints: kwok's pods run nothing, so their log is canned.
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  logs = await cannedLogs({
    namespace: "acme-dev",
    kubeConfig: config,
    containers: { "*": [{ time: new Date(), line: "shop-api listening on :8080" }] },
  });
  chart = await runChartDeployments({
    kubeconfig,
    namespace: "loco-system",
    deployments: ["loco-api", "loco-operator"],
    ports: { "loco-api": { http: apiPort }, "loco-operator": { health: operatorHealth } },
  });
}, 120_000);

afterAll(async () => {
  const took = marks.map(([command, at], i) => `${Math.round((marks[i + 1]?.[1] ?? at) - at)} ms  ${command}`);
  process.stderr.write(`[install] commands of docs/install.md:\n${took.join("\n")}\n`);
  // The script and what it started (its own process group), if the test timed out while it ran.
  if (script?.pid && script.exitCode === null) {
    try {
      process.kill(-script.pid, "SIGKILL");
    } catch {}
  }
  await chart?.stop();
  await logs?.remove();
  await idp?.stop();
  await stopControlPlane(clusterDir);
  await database?.drop();
  rmSync(root, { recursive: true, force: true });
});

function run(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${script} failed: ${output}`))));
  });
}

/** When each command of the page started, in ms from the script's start (printed after the test, for its budget). */
const marks: [string, number][] = [];

/** Runs the page's script; approves each device login it prints as the person SIGNS_IN names. */
function follow(text: string): Promise<{ code: number | null; output: string; approvals: string[] }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", text], {
      cwd: bed.work,
      detached: true,
      env: {
        PATH: `${join(root, "bin")}:${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: bed.adminHome,
        LANG: "C.UTF-8",
        KUBECONFIG: kubeconfig,
        // No terminal: the CLI prints plain lines, as in a script.
        CI: "true",
        DATABASE_URL: "postgres://shop:not-a-real-password@db.example.com:5432/shop",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    script = child;
    let output = "";
    const approvals: string[] = [];
    const approving: Promise<void>[] = [];
    const started = performance.now();
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const mark of chunk.toString().matchAll(/^\$ (.+)$/gm)) marks.push([mark[1]!, performance.now() - started]);
      const prompts = [...output.matchAll(/open (\S+)\n(?:and check|and enter) the code (\S+) /g)];
      for (const prompt of prompts.slice(approvals.length)) {
        const before = output.slice(0, prompt.index);
        const command = before.slice(before.lastIndexOf("\n$ ") + 3).split("\n")[0]!;
        const user = SIGNS_IN[command] ?? `nobody (no SIGNS_IN entry for ${command})`;
        approvals.push(user);
        approving.push(
          approveDeviceLogin({ url: prompt[1]!, userCode: prompt[2]!, user }).catch((error: Error) => {
            output += `\n[test] approving the login as ${user} failed: ${error.message}\n`;
          }),
        );
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", async (code) => {
      await Promise.all(approving);
      resolve({ code, output, approvals });
    });
  });
}

describe("docs/install.md, followed in the test bed", () => {
  it("has a substitute for each command the test bed cannot run, and each substitute still has its command", () => {
    for (const entry of TEST_BED) {
      expect(
        commands.filter((c) => c.startsWith(entry.command)),
        `one command of the page starts with "${entry.command}"`,
      ).toHaveLength(1);
    }
    expect(Object.keys(files).sort()).toEqual(["gateway.yaml", "loco-values.yaml", "profiles.yaml"]);
    expect(Object.keys(SIGNS_IN).every((login) => commands.includes(login))).toBe(true);
  });

  it("installs loco, signs in, makes the first tenant, deploys, rolls back and uninstalls", {
    timeout: 300_000,
  }, async () => {
    const { code, output, approvals } = await follow(scriptOf(commands, (command) => inTestBed(command, bed)));
    const failedAt = output.lastIndexOf("\n$ ");
    expect(
      code,
      `stopped at:\n${output.slice(failedAt, failedAt + 4000)}\n--- programs:\n${chart?.output().slice(-6000)}`,
    ).toBe(0);
    expect(approvals).toEqual([ADMIN, OWNER]);
    const of = (command: string) => outputOf(output, command) ?? "";

    // The chart installed with the API on; the programs ran with what it rendered.
    expect(of("helm install loco charts/loco --namespace loco-system -f loco-values.yaml")).toMatch(/STATUS: deployed/);
    expect(of(`loco login ${PAGE_API}`)).toContain(ADMIN);
    expect(of("loco whoami")).toMatch(/^pat@example\.com on .*, platform admin$/m);
    expect(of("loco platform")).toMatch(/database\s+ok/i);
    expect(of("loco profile ls")).toMatch(/\bdev\b[\s\S]*\bprod\b/);
    // The first tenant, by CLI, with a namespace per Profile and its owner; the members the owner's admin added.
    expect(of('loco tenant create acme --owner jane@example.com --display-name "ACME Corp"')).toMatch(
      /acme-dev[\s\S]*acme-prod|acme-prod[\s\S]*acme-dev/,
    );
    const members = of("loco member ls --tenant acme");
    for (const [who, role] of [
      [OWNER, "owner"],
      ["bob@example.com", "developer"],
      ["carol@example.com", "admin"],
    ]) {
      expect(members).toMatch(new RegExp(`${who!.replaceAll(".", "\\.")}\\s+${role}`));
    }
    // The team's first deploy, Ready behind the page's Gateway listener (https), and the day-to-day commands.
    expect(of("loco deploy --profile dev --wait")).toMatch(
      /Deployed shop-api \(dev\)[\s\S]*https:\/\/shop-api-acme\.dev\.apps\.example\.com/,
    );
    expect(of("loco logs -f --tail 100 --profile dev")).toContain("shop-api listening on :8080");
    // deploy, env set --secret, scale: three releases, each numbered.
    expect(of("loco releases --profile dev")).toMatch(/^v1\s[\s\S]*^v2\s[\s\S]*^v3\s|^v3\s[\s\S]*^v2\s[\s\S]*^v1\s/m);
    expect(of("loco rollback --profile dev --wait")).toMatch(/https:\/\/shop-api-acme\.dev\.apps\.example\.com/);
    expect(of("loco token create ci --role developer --tenant acme")).toMatch(/loco_\S+/);
    // Uninstalled: the release's programs stopped with their Deployments.
    expect(of("helm uninstall loco --namespace loco-system")).toContain("uninstalled");
    await eventually("the programs stopped", async () =>
      chart?.pod("loco-api") === undefined && chart?.pod("loco-operator") === undefined ? true : undefined,
    );
  });
});
