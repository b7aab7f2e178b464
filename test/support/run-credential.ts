// A Run that holds its own credential, for tests that call the API with one: a Pipeline whose Run may deploy the
// tenant's App, with a task kwok keeps running (loco.dev/test-hold) so that the Run — and its credential — lasts.
import { RUN } from "../../crds/kinds.ts";
import { SECRET } from "../../kube/resources.ts";
import type { ApiWorld, TenantFixture } from "./api-world.ts";
import { eventually } from "./kube.ts";

export interface HeldRun {
  run: string;
  namespace: string;
  /** The Run's credential, as its tasks receive it. */
  token: string;
  /** Cancels the Run (its credential then stops working). */
  end(): Promise<void>;
}

export async function startRunWithCredential(
  world: ApiWorld,
  tenant: TenantFixture,
  pipeline: string,
): Promise<HeldRun> {
  const token = await world.token(tenant.members.developer);
  const namespace = `${tenant.name}-${world.profile}`;
  const base = `/v1/tenants/${tenant.name}`;
  const applied = await world.api.call("PUT", `${base}/pipelines/${pipeline}?profile=${world.profile}`, {
    token,
    body: {
      spec: {
        timeout: "1h",
        permissions: { deploy: [{ app: tenant.app }] },
        tasks: [
          {
            name: "hold",
            image: "registry.example.com/tools/busybox:1.37",
            command: ["sleep", "3600"],
            resources: { cpu: "10m", memory: "16Mi" },
            podAnnotations: { "loco.dev/test-hold": "true" },
          },
        ],
      },
    },
  });
  if (applied.status !== 200) throw new Error(`Applying Pipeline ${pipeline} failed: ${await applied.text()}`);
  const started = await world.api.call("POST", `${base}/pipelines/${pipeline}/runs?profile=${world.profile}`, {
    token,
    body: {},
  });
  if (started.status !== 201) throw new Error(`Starting a Run of ${pipeline} failed: ${await started.text()}`);
  const { name: run } = (await started.json()) as { name: string };
  const secretName = await eventually(`the credential of Run ${run}`, async () => {
    const status = (await world.api.kube.get(RUN, namespace, run)).status as
      | { credential?: { secretName: string } }
      | undefined;
    return status?.credential?.secretName;
  });
  const secret = await eventually(`the credential Secret of Run ${run}`, () =>
    world.api.kube.find(SECRET, namespace, secretName),
  );
  return {
    run,
    namespace,
    token: Buffer.from((secret.data as Record<string, string>).token!, "base64").toString("utf8"),
    async end() {
      await world.api.call("POST", `${base}/runs/${run}/cancel?profile=${world.profile}`, { token, body: {} });
    },
  };
}
