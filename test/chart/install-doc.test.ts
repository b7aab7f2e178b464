// docs/install.md, checked as far as the test bed reaches: its files (the `# file:` YAML blocks) and its helm and
// kubectl commands are the ones a platform engineer copies. The chart renders with the page's values file and
// `helm install` flags (so a renamed value fails here), the API's rendered flags parse with loco-api's own loader
// and carry the page's OpenID Connect settings, every rendered object and every object of the page's files is
// accepted by the real kube-apiserver (server-side dry run, strict field validation), and the names the page uses
// across steps agree: the Gateway and listener the Profiles and the API's HTTPRoute attach to, the Deployments it
// waits for. Following the page's commands end to end (helm install, the programs run, sign-in, the first tenant,
// deploy, rollback, uninstall) is test/e2e/install.test.ts's.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadApiConfig } from "../../api/config.ts";
import { kubectl } from "../../hack/control-plane/control-plane.ts";
import type { KubeObject } from "../../kube/types.ts";
import { docFiles } from "../support/doc-commands.ts";
import { chartDir, helm, parseManifest } from "../support/helm.ts";
import { type TestKube, testKube } from "../support/kube.ts";

const page = readFileSync(join(import.meta.dirname, "..", "..", "docs", "install.md"), "utf8");
const state = () => ({ kubeconfig: inject("kubeconfig") });
const dryRun = ["apply", "--server-side", "--dry-run=server", "--validate=strict", "--field-manager=loco-test"];

/** The lines of the page's ```sh blocks, continuation lines joined. */
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    lines.push(
      ...block[1]!
        .replace(/\\\n\s*/g, " ")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return lines;
}

const files = docFiles(page);
const commands = shellLines(page);
const objectsOf = (file: string) =>
  parseAllDocuments(files[file] ?? "")
    .map((d) => d.toJS() as KubeObject)
    .filter(Boolean);

let kube: TestKube;
let ns: string;
let dir: string;
let rendered: KubeObject[];

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("install-doc");
  dir = mkdtempSync(join(tmpdir(), "loco-install-doc-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  // The page's `helm install`, as `helm template` of this checkout's chart into the test's namespace.
  const install = commands.find((c) => c.startsWith("helm install loco "));
  if (!install) throw new Error("docs/install.md has no `helm install loco …` command");
  const args = install.split(/\s+/).slice(2);
  expect(args.slice(0, 2)).toEqual(["loco", "charts/loco"]);
  const flags = args.slice(2).map((arg, i, all) => {
    if (all[i - 1] === "-f") return join(dir, arg);
    if (all[i - 1] === "--namespace") return ns;
    return arg;
  });
  const { stdout } = await helm(["template", "loco", chartDir, ...flags]);
  rendered = parseManifest(stdout);
});

afterAll(async () => {
  await kube.cleanup();
});

describe("docs/install.md", () => {
  it("has the files its commands use", () => {
    expect(Object.keys(files).sort()).toEqual(["gateway.yaml", "loco-values.yaml", "profiles.yaml"]);
    for (const file of Object.keys(files)) {
      expect(
        commands.some((c) => c.includes(`-f ${file}`)),
        `a command uses ${file}`,
      ).toBe(true);
    }
  });

  it("renders the chart with the page's values: the API on, with the page's OpenID Provider and platform admins", () => {
    const api = rendered.find((o) => o.kind === "Deployment" && o.metadata.name === "loco-api") as
      | (KubeObject & { spec: { template: { spec: { containers: { args?: string[] }[] } } } })
      | undefined;
    expect(api, "a Deployment loco-api").toBeDefined();
    const [program, ...argv] = api!.spec.template.spec.containers[0]!.args ?? [];
    expect(program).toBe("dist/api/main.js");
    const config = loadApiConfig(argv, { LOCO_DATABASE_URL: "postgres://loco:secret@postgres:5432/loco" });
    const values = parseAllDocuments(files["loco-values.yaml"]!)[0]!.toJS() as {
      api: { oidc: { issuer: string; audience: string; clientId: string }; platformAdminGroups: string[] };
    };
    expect(config).toMatchObject({
      oidcIssuer: values.api.oidc.issuer,
      oidcAudience: values.api.oidc.audience,
      oidcClientId: values.api.oidc.clientId,
    });
    expect(config.platformAdminGroups).toEqual(values.api.platformAdminGroups);
  });

  it("waits for Deployments the chart makes", () => {
    const names = rendered.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
    const waited = commands
      .filter((c) => c.startsWith("kubectl -n loco-system rollout status"))
      .flatMap((c) => [...c.matchAll(/deployment\/(\S+)/g)].map((m) => m[1]));
    expect(waited.length).toBeGreaterThan(0);
    for (const name of waited) expect(names).toContain(name);
  });

  it("attaches the Profiles and the API's HTTPRoute to a listener of the page's Gateway", () => {
    const gateway = objectsOf("gateway.yaml").find((o) => o.kind === "Gateway") as KubeObject & {
      spec: { listeners: { name: string; tls?: { certificateRefs: { name: string }[] } }[] };
    };
    const listeners = gateway.spec.listeners.map((l) => l.name);
    const profiles = objectsOf("profiles.yaml") as (KubeObject & {
      spec: { gateway: { name: string; namespace: string; sectionName?: string } };
    })[];
    expect(profiles.map((p) => p.metadata.name)).toEqual(["dev", "prod"]);
    for (const profile of profiles) {
      expect(profile.spec.gateway).toMatchObject({
        name: gateway.metadata.name,
        namespace: gateway.metadata.namespace,
      });
      expect(listeners).toContain(profile.spec.gateway.sectionName);
    }
    const route = rendered.find((o) => o.kind === "HTTPRoute") as KubeObject & {
      spec: { parentRefs: { name: string; namespace: string; sectionName: string }[]; hostnames: string[] };
    };
    expect(route.spec.parentRefs).toEqual([
      { name: gateway.metadata.name, namespace: gateway.metadata.namespace, sectionName: "https" },
    ]);
    expect(listeners).toContain("https");
    expect(route.spec.hostnames).toEqual(["loco.example.com"]);
    // The TLS Secret the page creates is the one the Gateway's https listener names.
    const secret = commands.find((c) => c.includes("create secret tls"));
    const tlsName = gateway.spec.listeners.find((l) => l.tls)?.tls?.certificateRefs[0]?.name;
    expect(secret).toContain(`-n ${gateway.metadata.namespace} create secret tls ${tlsName} `);
  });

  it("has objects the real kube-apiserver accepts: the rendered chart, the Gateway and the Profiles", async () => {
    const manifest = rendered.map((o) => JSON.stringify(o)).join("\n---\n");
    const output = await kubectl(state(), [...dryRun, "-f", "-"], manifest);
    const accepted = output.trim().split("\n");
    expect(accepted, output).toHaveLength(rendered.length);
    // The page's own objects; the namespaced ones into the test's namespace (the page's does not exist here).
    const own = [...objectsOf("gateway.yaml"), ...objectsOf("profiles.yaml")].map((o) =>
      o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: ns } } : o,
    );
    const ownOutput = await kubectl(state(), [...dryRun, "-f", "-"], own.map((o) => JSON.stringify(o)).join("\n---\n"));
    const lines = ownOutput.trim().split("\n");
    expect(lines, ownOutput).toHaveLength(own.length);
    for (const line of [...accepted, ...lines]) expect(line).toMatch(/serverside-applied \(server dry run\)$/);
  });
});
