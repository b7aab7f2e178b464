// The capture's pure parts: which attempt a Job is, which pod and container to read, parsing the kubelet's
// timestamped lines, and keeping the tail of a log longer than the limit. Reading real logs through the apiserver
// is tested in test/operator/task-logs.test.ts.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/types.ts";
import {
  attemptOf,
  containerToRead,
  keepTail,
  type LogFetch,
  parseLogBody,
  podToRead,
  readTail,
} from "./task-log-capture.ts";

const job = (labels: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: "ci-1-build-2",
    namespace: "acme-dev",
    labels,
    ...(annotations ? { annotations } : {}),
    ownerReferences: [{ apiVersion: "loco.dev/v1alpha1", kind: "Run", name: "ci-1", uid: "u-1", controller: true }],
  },
});

const pod = (name: string, created: string, phase: string, containers = ["build"]): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, creationTimestamp: created },
  spec: { containers: containers.map((c) => ({ name: c })) },
  status: { phase },
});

describe("attemptOf", () => {
  it("reads the Run, task and attempt from a Run's Job", () => {
    expect(attemptOf(job({ "loco.dev/task": "build", "loco.dev/attempt": "2" }))).toEqual({
      key: "u-1/build/2",
      namespace: "acme-dev",
      run: "ci-1",
      runUid: "u-1",
      task: "build",
      attempt: 2,
      job: "ci-1-build-2",
    });
  });

  it("skips tasks with logging off, and Jobs that are not a Run's attempt", () => {
    expect(
      attemptOf(job({ "loco.dev/task": "build", "loco.dev/attempt": "2" }, { "loco.dev/logging": "false" })),
    ).toBeUndefined();
    expect(attemptOf(job({ "loco.dev/task": "build" }))).toBeUndefined();
    expect(attemptOf({ ...job({ "loco.dev/task": "b", "loco.dev/attempt": "1" }), metadata: {} })).toBeUndefined();
  });
});

describe("podToRead and containerToRead", () => {
  it("prefers the newest pod that started, and the container named after the task", () => {
    const chosen = podToRead([
      pod("old", "2026-01-01T00:00:00Z", "Failed"),
      pod("new", "2026-01-01T00:01:00Z", "Succeeded"),
      pod("newest-never-started", "2026-01-01T00:02:00Z", "Pending"),
    ]);
    expect(chosen?.metadata.name).toBe("new");
    expect(podToRead([pod("waiting", "2026-01-01T00:00:00Z", "Pending")])?.metadata.name).toBe("waiting");
    expect(podToRead([])).toBeUndefined();
    expect(containerToRead(pod("p", "", "Running", ["istio-proxy", "build"]), "build")).toBe("build");
    expect(containerToRead(pod("p", "", "Running", ["istio-proxy", "task"]), "build")).toBe("task");
  });
});

describe("parseLogBody", () => {
  it("splits the kubelet's timestamped lines, keeping blank lines and text after the first space", () => {
    expect(parseLogBody("2026-01-01T00:00:00.5Z hello  world\n2026-01-01T00:00:01Z \r\nno time here\n")).toEqual([
      { time: "2026-01-01T00:00:00.5Z", stream: "stdout", line: "hello  world" },
      { time: "2026-01-01T00:00:01Z", stream: "stdout", line: "" },
      { time: "", stream: "stdout", line: "no time here" },
    ]);
    expect(parseLogBody("")).toEqual([]);
  });
});

describe("keepTail", () => {
  it("keeps the last bytes that fit, from a line boundary", () => {
    expect(keepTail("aaaa\nbbbb\ncccc\n", 10)).toBe("bbbb\ncccc\n");
    expect(keepTail("aaaa\nbbbb\ncccc\n", 12)).toBe("bbbb\ncccc\n");
    expect(keepTail("aaaa\nbbbb\ncccc\n", 100)).toBe("aaaa\nbbbb\ncccc\n");
    // One line longer than the limit: its end.
    expect(keepTail("0123456789\n", 5)).toBe("789\n".padStart(5, "6"));
  });
});

/** Answers like the kubelet: the last `tailLines` lines of `log`, then the first `limitBytes` bytes of those. */
function kubeletLike(log: string): { fetch: LogFetch; requests: number } {
  const lines = log.split(/(?<=\n)/);
  const state = {
    requests: 0,
    fetch: async ({ limitBytes, tailLines }: { limitBytes: number; tailLines?: number }) => {
      state.requests++;
      const window = tailLines === undefined ? lines : lines.slice(Math.max(0, lines.length - tailLines));
      return Buffer.from(window.join("")).subarray(0, limitBytes).toString("utf8");
    },
  };
  return state;
}

describe("readTail", () => {
  it("reads a log that fits in one request", async () => {
    const server = kubeletLike("one\ntwo\n");
    expect(await readTail(server.fetch, 100)).toEqual({ body: "one\ntwo\n", truncated: false });
    expect(server.requests).toBe(1);
  });

  it("keeps the tail of a longer log within the limit, whole lines only", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(i % 97)}\n`);
    const server = kubeletLike(lines.join(""));
    const { body, truncated } = await readTail(server.fetch, 10_000);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(10_000);
    // The tail: ends with the last line, starts at a line start, and is close to the limit.
    expect(body.endsWith(lines.at(-1)!)).toBe(true);
    expect(lines.join("").endsWith(body)).toBe(true);
    expect(body.startsWith("line ")).toBe(true);
    expect(Buffer.byteLength(body)).toBeGreaterThan(10_000 - 200);
    expect(server.requests).toBeLessThanOrEqual(6);
  });

  it("keeps the tail when the first lines are much shorter than the last ones", async () => {
    const log = `${"a\n".repeat(5000)}${`${"z".repeat(500)}\n`.repeat(100)}`;
    const server = kubeletLike(log);
    const { body, truncated } = await readTail(server.fetch, 4096);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
    expect(log.endsWith(body)).toBe(true);
    expect(body.split("\n").length - 1).toBeGreaterThanOrEqual(7);
  });

  it("keeps the start of the last line, with its time, when that line alone is longer than the limit", async () => {
    const log = ["a", "b", "c"].map((c) => `2026-01-01T00:00:0${c === "c" ? 2 : 1}Z ${c.repeat(10_000)}\n`).join("");
    const { body, truncated } = await readTail(kubeletLike(log).fetch, 4096);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(body)).toBe(4096);
    expect(body.startsWith("2026-01-01T00:00:02Z ccc")).toBe(true);
  });
});
