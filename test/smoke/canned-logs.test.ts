// kwok's kubelet-like server answers pods/log through the real apiserver: canned lines come back with their
// timestamps, per container, honouring tail and follow — what loco's log features are tested against.
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPodLog, PodLogError, readPodLog } from "../../kube/pod-log.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { eventually, runningPod, type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;
let logs: CannedLogs;
const base = Date.parse("2026-01-02T03:04:05.000Z");
const at = (seconds: number) => new Date(base + seconds * 1000);

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("canned");
  logs = await cannedLogs({
    namespace: ns,
    follow: true,
    containers: {
      web: [
        { time: at(0), line: "listening on :8080" },
        { time: at(1), line: "GET / 200" },
        { time: at(2), line: "slow request", stream: "stderr" },
      ],
      "*": [{ time: at(0), line: "sidecar up" }],
    },
  });
  const pod: V1Pod = {
    metadata: { name: "talker", namespace: ns },
    spec: {
      containers: [
        { name: "web", image: "registry.example.com/web:1" },
        { name: "proxy", image: "registry.example.com/proxy:1" },
      ],
    },
  };
  await runningPod(kube, pod);
});
afterAll(async () => {
  await logs?.remove();
  await kube.cleanup();
});

describe("canned pod logs", () => {
  it("serves each container's lines with their timestamps, and tail", async () => {
    const text = await eventually(
      "logs from kwok",
      async () =>
        (await kube.core.readNamespacedPodLog({ name: "talker", namespace: ns, container: "web", timestamps: true })) ||
        undefined,
    );
    // The kubelet format: RFC 3339 with nanoseconds, then the line.
    const parsed = text
      .trim()
      .split("\n")
      .map((line) => {
        const space = line.indexOf(" ");
        return { time: Date.parse(line.slice(0, space)), line: line.slice(space + 1) };
      });
    expect(parsed).toEqual([
      { time: at(0).getTime(), line: "listening on :8080" },
      { time: at(1).getTime(), line: "GET / 200" },
      { time: at(2).getTime(), line: "slow request" },
    ]);
    const tail = await kube.core.readNamespacedPodLog({
      name: "talker",
      namespace: ns,
      container: "web",
      tailLines: 1,
    });
    expect(tail).toBe("slow request\n");
    const other = await kube.core.readNamespacedPodLog({ name: "talker", namespace: ns, container: "proxy" });
    expect(other).toBe("sidecar up\n");
  });

  it("streams appended lines to a follower, and an abort just ends the stream", async () => {
    const received: string[] = [];
    const abort = new AbortController();
    // Like a kubelet, kwok sends the response headers with the first line, so a follow from the end of a quiet log
    // only opens once something is written.
    const opening = openPodLog(
      kube.config,
      { namespace: ns, pod: "talker", container: "web" },
      { follow: true, tailLines: 0 },
      abort.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    logs.append("web", [{ time: new Date(), line: "appended while following" }]);
    const stream = await opening;
    stream.on("data", (chunk: Buffer) => received.push(chunk.toString()));
    const ended = new Promise((resolve) => stream.on("end", resolve));
    await eventually("the appended line", async () =>
      received.join("").includes("appended while following") ? true : undefined,
    );
    abort.abort();
    await ended;
  });

  it("reports a missing pod as a PodLogError with the apiserver's status", async () => {
    const error = await readPodLog(kube.config, { namespace: ns, pod: "nobody", container: "web" }).catch((e) => e);
    expect(error).toBeInstanceOf(PodLogError);
    expect(error.status).toBe(404);
    expect(error.message).toContain('pods "nobody" not found');
  });
});
