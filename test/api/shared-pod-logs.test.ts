// Followers of a replica share its live log (api/pod-log-hub.ts), read through the real apiserver from kwok's
// kubelet-like server: one stream for many followers, each sent the lines it lacks from where it joined, a follower
// slower than the log paused (then caught up, or told it fell behind the buffer), every follower ended when the pod
// is gone, and the stream closed once the last follower left.
import { PassThrough, type Readable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogRecord } from "../../api/log-lines.ts";
import { type LogFollower, PodLogHub } from "../../api/pod-log-hub.ts";
import { normaliseLogTime } from "../../db/task-logs.ts";
import { openPodLog } from "../../kube/pod-log.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { eventually, runningPod, type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;
let logs: CannedLogs;
const base = Date.parse("2026-01-02T03:04:05.000Z");
const at = (seconds: number) => new Date(base + seconds * 1000);
const time = (seconds: number) => normaliseLogTime(at(seconds).toISOString())!;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("shared-logs");
  logs = await cannedLogs({
    namespace: ns,
    follow: true,
    containers: { app: Array.from({ length: 10 }, (_, i) => ({ time: at(i), line: `line ${i}` })) },
  });
  const pod: V1Pod = {
    metadata: { name: "talker", namespace: ns },
    spec: { containers: [{ name: "app", image: "registry.example.com/app:1" }] },
  };
  await runningPod(kube, pod);
});
afterAll(async () => {
  await logs?.remove();
  await kube.cleanup();
});

/** A follower that keeps what it is sent; `room` false makes it behind until `drain()`. */
function follower() {
  const lines: string[] = [];
  const state = { ended: false, failed: "", lost: false, room: true };
  let waiting: (() => void) | undefined;
  const self: LogFollower = {
    deliver(record: LogRecord) {
      lines.push(record.line);
      return state.room;
    },
    whenDrained(resume) {
      waiting = resume;
    },
    ended: () => {
      state.ended = true;
    },
    failed: (message) => {
      state.failed = message;
    },
    lost: () => {
      state.lost = true;
    },
  };
  return {
    self,
    lines,
    state,
    drain() {
      state.room = true;
      const go = waiting;
      waiting = undefined;
      go?.();
    },
  };
}

/** The stream's data gathered into one chunk every 100 ms. */
function gathered(stream: Readable): Readable {
  const out = new PassThrough();
  let held: Buffer[] = [];
  const flush = () => {
    if (held.length > 0) out.write(Buffer.concat(held));
    held = [];
  };
  const timer = setInterval(flush, 100);
  stream.on("data", (chunk: Buffer) => held.push(chunk));
  stream.on("end", () => {
    clearInterval(timer);
    flush();
    out.end();
  });
  out.on("close", () => {
    clearInterval(timer);
    stream.destroy();
  });
  return out;
}

/** A hub that counts the streams it opens to the apiserver. */
function countingHub() {
  let opened = 0;
  const hub = new PodLogHub(kube.config, undefined, {
    lingerMs: 200,
    open: (...args) => {
      opened++;
      return openPodLog(...args);
    },
  });
  return { hub, opened: () => opened };
}

const target = () => ({ namespace: ns, pod: "talker", container: "app" });
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe("shared pod logs", () => {
  it("serves many followers from one stream, each from its own position, and closes after the last leaves", async () => {
    const { hub, opened } = countingHub();
    const first = follower();
    const leaveFirst = hub.follow(target(), time(3), first.self);
    expect(leaveFirst).toBeDefined();
    await eventually("the first follower's lines", async () => (first.lines.length >= 7 ? true : undefined));
    expect(first.lines).toEqual(numbered(3, 9));

    // Twenty more join later, from the buffer: no stream of their own.
    const more = Array.from({ length: 20 }, () => follower());
    const leaves = more.map((f) => hub.follow(target(), time(6), f.self));
    expect(leaves.every(Boolean)).toBe(true);
    for (const f of more) expect(f.lines).toEqual(numbered(6, 9));

    // A follower from before what the shared log holds is told to read by itself, as is one that wants the whole
    // log (this one was read from a time on); one that wants the last lines gets them from the buffer.
    expect(hub.follow(target(), time(-60), follower().self)).toBeUndefined();
    expect(hub.follow(target(), "beginning", follower().self)).toBeUndefined();
    const tail = follower();
    const leaveTail = hub.follow(target(), { tail: 3 }, tail.self);
    expect(tail.lines).toEqual(numbered(7, 9));
    leaveTail!();

    // A new line reaches everyone once.
    logs.append("app", [{ time: at(10), line: "line 10" }]);
    await eventually("the new line everywhere", async () =>
      [first, ...more].every((f) => f.lines.at(-1) === "line 10") ? true : undefined,
    );
    expect(first.lines).toEqual(numbered(3, 10));
    for (const f of more) expect(f.lines).toEqual(numbered(6, 10));
    expect(opened()).toBe(1);
    expect(hub.size).toBe(1);

    leaveFirst!();
    for (const leave of leaves) leave!();
    await eventually("the shared log closed after its last follower left", async () =>
      hub.size === 0 ? true : undefined,
    );
  });

  it("serves new followers of the whole log or its last lines from one stream read from the beginning", async () => {
    // A first follower of the last lines opens a shared log of them, joins it, and closes it when it leaves.
    const fresh = countingHub();
    const lastThree = follower();
    const leaveLastThree = fresh.hub.follow(target(), { tail: 3 }, lastThree.self);
    expect(leaveLastThree).toBeDefined();
    await eventually("the last three lines", async () => (lastThree.lines.length >= 3 ? true : undefined));
    expect(lastThree.lines).toEqual(numbered(8, 10));
    leaveLastThree!();
    await eventually("that shared log closed", async () => (fresh.hub.size === 0 ? true : undefined));
    expect(fresh.opened()).toBe(1);

    const { hub, opened } = countingHub();
    const first = follower();
    const leaves = [hub.follow(target(), "beginning", first.self)];
    await eventually("the whole log", async () => (first.lines.length >= 11 ? true : undefined));
    expect(first.lines).toEqual(numbered(0, 10));
    const whole = follower();
    const lastTwo = follower();
    const now = follower();
    leaves.push(hub.follow(target(), "beginning", whole.self), hub.follow(target(), { tail: 2 }, lastTwo.self));
    leaves.push(hub.follow(target(), "now", now.self));
    expect(whole.lines).toEqual(numbered(0, 10));
    expect(lastTwo.lines).toEqual(numbered(9, 10));
    expect(now.lines).toEqual([]);
    expect(opened()).toBe(1);
    for (const leave of leaves) leave!();
  });

  it("pauses a follower that is behind, then catches it up from the buffer or tells it that it fell behind", async () => {
    // The stream's chunks are gathered for 100 ms, so that the 30 lines appended below come as one chunk, more
    // than the 20 kept: a follower keeping up must still get them all (it once fell behind with the slow one).
    const hub = new PodLogHub(kube.config, undefined, {
      maxRecords: 20,
      lingerMs: 200,
      open: async (...args) => gathered(await openPodLog(...args)),
    });
    const slow = follower();
    slow.state.room = false;
    const leaveSlow = hub.follow(target(), time(0), slow.self);
    const quick = follower();
    const leaveQuick = hub.follow(target(), time(0), quick.self);
    await eventually("the quick follower's lines", async () => (quick.lines.length >= 11 ? true : undefined));
    // The slow one took one line and waits for its buffer to drain.
    expect(slow.lines).toEqual(["line 0"]);
    slow.drain();
    expect(slow.lines).toEqual(numbered(0, 10));

    // Behind by more than the buffer keeps: told, not sent a gap.
    slow.state.room = false;
    logs.append(
      "app",
      Array.from({ length: 30 }, (_, i) => ({ time: new Date(at(11).getTime() + i), line: `line ${11 + i}` })),
    );
    await eventually("the quick follower's new lines", async () => (quick.lines.length >= 41 ? true : undefined));
    expect(quick.lines).toEqual(numbered(0, 40));
    slow.drain();
    expect(slow.state.lost).toBe(true);
    // What it got has no gap (a chunk may have brought it one more line before it fell behind).
    expect(slow.lines.slice(0, 11)).toEqual(numbered(0, 10));
    expect(slow.lines).toEqual(numbered(0, slow.lines.length - 1));
    leaveSlow!();
    leaveQuick!();
  });

  it("ends every follower when the pod is gone", async () => {
    // kwok keeps a followed log open after its pod is deleted; a kubelet ends it when the container stops. The
    // connection is cut here instead; the read again and the apiserver's 404 are real.
    const cuts: AbortController[] = [];
    const hub = new PodLogHub(kube.config, undefined, {
      reopenDelayMs: 50,
      open: (config, target, options, signal) => {
        const cut = new AbortController();
        signal?.addEventListener("abort", () => cut.abort());
        cuts.push(cut);
        return openPodLog(config, target, options, cut.signal);
      },
    });
    const followers = [follower(), follower()];
    for (const f of followers) expect(hub.follow(target(), time(0), f.self)).toBeDefined();
    await eventually("the stream open", async () => (cuts.length === 1 ? true : undefined));
    await kube.core.deleteNamespacedPod({ name: "talker", namespace: ns, gracePeriodSeconds: 0 });
    await eventually("the pod gone", async () =>
      (await kube.core.readNamespacedPod({ name: "talker", namespace: ns }).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    cuts[0]!.abort();
    await eventually("both followers ended", async () => (followers.every((f) => f.state.ended) ? true : undefined));
    expect(followers.map((f) => f.state.failed)).toEqual(["", ""]);
    expect(cuts).toHaveLength(2);
    expect(hub.size).toBe(0);
  });
});
