// Turns a bare local control plane into a local loco: loco's CRDs, a Gateway, the example dev and prod Profiles,
// a tenant's namespaces, and the operator running in the background (stopped with the control plane).
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ControlPlaneState, kubectl, waitForCrdsEstablished } from "./control-plane.ts";
import { freePort } from "./free-port.ts";
import { launchSupervised } from "./processes.ts";

const repoRoot = new URL("../..", import.meta.url).pathname;

export interface LocalLoco {
  operatorLog: string;
  healthPort: number;
}

export async function bootstrapLocalLoco(state: ControlPlaneState, tenant = "acme"): Promise<LocalLoco> {
  const generated = join(repoRoot, "crds", "generated");
  const crds = readdirSync(generated).filter((f) => /^loco\.dev_.*\.yaml$/.test(f));
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    ...crds.flatMap((f) => ["-f", join(generated, f)]),
  ]);
  await waitForCrdsEstablished(state, state.dir, "app.kubernetes.io/part-of=loco");

  const namespaces = ["dev", "prod"].map((profile) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: `${tenant}-${profile}`, labels: { "loco.dev/tenant": tenant, "loco.dev/profile": profile } },
  }));
  const manifests = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "loco-system" } },
    ...namespaces,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: "loco-system" },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
  ];
  await kubectl(
    state,
    ["apply", "--server-side", "--field-manager=loco-hack", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }),
  );
  const examples = join(repoRoot, "docs", "examples");
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    "-f",
    join(examples, "profile-dev.yaml"),
    "-f",
    join(examples, "profile-prod.yaml"),
  ]);

  const healthPort = await freePort();
  state.pids.locoOperator = launchSupervised(state.dir, "loco-operator", 0, process.execPath, [
    join(repoRoot, "operator", "main.ts"),
    "--kubeconfig",
    state.kubeconfig,
    "--no-leader-elect",
    "--health-address",
    `127.0.0.1:${healthPort}`,
  ]);
  state.ports.locoOperator = healthPort;
  writeFileSync(join(state.dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  return { operatorLog: join(state.dir, "loco-operator.log"), healthPort };
}
