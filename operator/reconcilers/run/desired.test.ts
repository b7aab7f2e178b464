import { describe, expect, it } from "vitest";
import { desiredJob, type JobInputs } from "./desired.ts";

const inputs: JobInputs = {
  run: { name: "ci-1", namespace: "acme-dev" },
  owner: {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    name: "ci-1",
    uid: "u1",
    controller: true,
    blockOwnerDeletion: true,
  },
  tenant: "acme",
  pipeline: "ci",
  task: {
    name: "deploy",
    image: "registry.example.com/loco/cli:1",
    script: "loco deploy",
    env: [{ name: "MODE", value: "fast" }],
    secretEnv: [{ name: "LOCO_TOKEN", secretKey: "loco-token" }],
    resources: { cpu: "500m", memory: "256Mi" },
    timeout: "10m",
    retries: 0,
    podAnnotations: { "sidecar.istio.io/inject": "false" },
  },
  attempt: 1,
  jobName: "ci-1-deploy-1",
  parameters: { MODE: "slow", GIT_REF: "main" },
  secretName: "ci-secrets",
  podSecurity: "restricted",
};

describe("desiredJob", () => {
  it("builds one attempt of a task as a Job that never retries by itself", () => {
    const job = desiredJob(inputs);
    expect(job.metadata).toMatchObject({
      name: "ci-1-deploy-1",
      namespace: "acme-dev",
      labels: {
        "app.kubernetes.io/managed-by": "loco",
        "loco.dev/run": "ci-1",
        "loco.dev/task": "deploy",
        "loco.dev/pipeline": "ci",
        "loco.dev/tenant": "acme",
        "loco.dev/attempt": "1",
      },
    });
    const spec = job.spec as {
      backoffLimit: number;
      activeDeadlineSeconds: number;
      template: {
        metadata: { annotations?: Record<string, string> };
        spec: {
          restartPolicy: string;
          containers: { name: string; command: string[]; env: unknown[]; resources: unknown }[];
        };
      };
    };
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec.template.metadata.annotations).toEqual({ "sidecar.istio.io/inject": "false" });
    expect(spec.template.spec.restartPolicy).toBe("Never");
    const container = spec.template.spec.containers[0]!;
    // Named after the task, so that logs and statuses name it.
    expect(container.name).toBe("deploy");
    expect(container.command).toEqual(["sh", "-c", "loco deploy"]);
    expect(container.env).toEqual([
      { name: "GIT_REF", value: "main" },
      { name: "MODE", value: "fast" },
      { name: "LOCO_TOKEN", valueFrom: { secretKeyRef: { name: "ci-secrets", key: "loco-token" } } },
    ]);
    expect(container.resources).toEqual({ requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "256Mi" } });
  });

  it("builds pods that pass the restricted Pod Security Standard unless the Profile chooses baseline", () => {
    type PodSpec = { securityContext?: unknown; containers: { securityContext?: unknown }[] };
    const podOf = (job: ReturnType<typeof desiredJob>) => (job.spec as { template: { spec: PodSpec } }).template.spec;
    const restricted = podOf(desiredJob(inputs));
    expect(restricted.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(restricted.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    const baseline = podOf(desiredJob({ ...inputs, podSecurity: "baseline" }));
    expect(baseline.securityContext).toBeUndefined();
    expect(baseline.containers[0]!.securityContext).toBeUndefined();
  });

  it("gives the task's pod no Kubernetes token", () => {
    const pod = (desiredJob(inputs).spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
  });

  it("is deterministic", () => {
    expect(JSON.stringify(desiredJob(inputs))).toBe(JSON.stringify(desiredJob(inputs)));
  });
});

describe("desiredJob with a Run credential, outputs and a deploy step", () => {
  const container = (job: ReturnType<typeof desiredJob>) =>
    (job.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;

  it("gives every task the Run's credential as LOCO_TOKEN, over any variable of that name", () => {
    const job = desiredJob({
      ...inputs,
      credential: { secretName: "ci-1.run-credential", apiUrl: "https://loco.example.com" },
    });
    const env = container(job).env as { name: string }[];
    expect(env.filter((e) => e.name === "LOCO_TOKEN")).toEqual([
      { name: "LOCO_TOKEN", valueFrom: { secretKeyRef: { name: "ci-1.run-credential", key: "token" } } },
    ]);
    expect(env).toContainEqual({ name: "LOCO_SERVER", value: "https://loco.example.com" });
  });

  it("substitutes earlier tasks' outputs in scripts, arguments and env", () => {
    const outputs = { build: { digest: "sha256:abc" } };
    const scripted = desiredJob({
      ...inputs,
      outputs,
      task: {
        ...inputs.task,
        script: "echo $(tasks.build.outputs.digest)",
        env: [{ name: "D", value: "$(tasks.build.outputs.digest)" }],
      },
    });
    expect(container(scripted).command).toEqual(["sh", "-c", "echo sha256:abc"]);
    expect(container(scripted).env).toContainEqual({ name: "D", value: "sha256:abc" });
    const { script: _script, ...withoutScript } = inputs.task;
    const commanded = desiredJob({
      ...inputs,
      outputs,
      task: { ...withoutScript, command: ["push"], args: ["--digest=$(tasks.build.outputs.digest)"] },
    });
    expect(container(commanded).args).toEqual(["--digest=sha256:abc"]);
  });

  it("runs a deploy step as loco's CLI deploying the published digest to the App", () => {
    const { image: _image, script: _script, ...task } = inputs.task;
    const job = desiredJob({
      ...inputs,
      outputs: { build: { digest: "sha256:abc" } },
      credential: { secretName: "ci-1.run-credential", apiUrl: undefined },
      deployRunner: { image: "ghcr.io/loco-dev/loco:1.2.0", command: ["node", "dist/cli/main.js"] },
      profile: "dev",
      task: { ...task, deploy: { app: "web", image: "registry.example.com/acme/web@$(tasks.build.outputs.digest)" } },
    });
    expect(container(job)).toMatchObject({
      image: "ghcr.io/loco-dev/loco:1.2.0",
      command: ["node", "dist/cli/main.js", "deploy", "--app", "web", "--profile", "dev"],
      args: ["--image", "registry.example.com/acme/web@sha256:abc", "--tenant", "acme", "--wait", "--timeout", "10m"],
    });
  });
});
