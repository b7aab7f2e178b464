// An App's logs, live from the cluster: every replica's container merged into one stream of records naming the pod
// and container. Not following, the stream ends once every replica's log has (at once when none is running);
// following, once every replica's pod is gone or the client leaves. A follower that
// comes back with its position (api/log-cursor.ts) gets each replica's log from where it left it, nothing twice; a
// followed replica's log that breaks off on the apiserver's side is read again from there the same way.
//
// Followers share each replica's live log (api/pod-log-hub.ts): a follower whose position, tail or whole log the
// shared log keeps joins it at once; any other (or one asking since a duration) first reads that past by itself,
// with a read that ends, then joins from its last line. It reads on by itself only when the shared log no longer
// holds what it needs.
import type { FastifyBaseLogger } from "fastify";
import { CONTAINER_NAME } from "../crds/app-names.ts";
import type { KubeAccess } from "../kube/kube-access.ts";
import { openPodLog, PodLogError, type PodLogOptions } from "../kube/pod-log.ts";
import type { RecordStream } from "./event-stream.ts";
import { formatLogPosition, LogResume } from "./log-cursor.ts";
import { LineSplitter, type LogRecord } from "./log-lines.ts";
import {
  type FollowFrom,
  type LogFollower,
  type PodLogHub,
  REOPEN_DELAY_MS,
  REOPEN_MAX_DELAY_MS,
  REOPEN_QUICK_MS,
} from "./pod-log-hub.ts";

export function streamAppLogs(options: {
  kubeConfig: KubeAccess;
  namespace: string;
  pods: string[];
  logOptions: PodLogOptions;
  out: RecordStream;
  log: FastifyBaseLogger;
  /** Where the follower left off; absent: from what logOptions select. */
  resume?: LogResume;
  /** Followed replicas' shared logs; absent: each follower reads every replica by itself. */
  shared?: PodLogHub;
}): void {
  const { kubeConfig, namespace, pods, logOptions, out, log, shared } = options;
  const resume = options.resume ?? new LogResume();
  // The stream's signal aborts every replica's log when the client hangs up (or the response ends).
  const { signal } = out;
  let open = pods.length;
  const finished = () => {
    open--;
    if (open <= 0) out.end();
  };
  const follow = logOptions.follow === true;
  /** How to leave the shared logs joined, once the client has gone. */
  const joined: (() => void)[] = [];
  signal.addEventListener("abort", () => {
    for (const leave of joined.splice(0)) leave();
  });
  for (const pod of pods) {
    /** Lines of this replica sent to the follower (a read again that sends none brought nothing new). */
    let sent = 0;
    /** False when the client is behind: the caller pauses this replica's log until the client caught up. */
    const write = (records: (LogRecord | { pod: string; container: string; error: string })[]): boolean => {
      let room = true;
      for (const record of records) {
        if ("error" in record) room = out.write(record) && room;
        else if (resume.accept(record.pod, record.time)) {
          sent++;
          room = out.write(record, formatLogPosition(resume.position())) && room;
        }
      }
      return room;
    };
    let quickEnds = 0;
    /** Reads the replica's log; `thenJoin`: a read of its past only (not followed), then that instead of its end. */
    const read = (reopened: boolean, thenJoin?: () => void) => {
      const splitter = new LineSplitter(pod, CONTAINER_NAME);
      // A resumed (or reopened) pod is read from its last time on (lines before it, and those of that time it had,
      // are passed over by accept); the first request's tail and since no longer apply.
      const sinceTime = resume.sinceTime(pod);
      const { tailLines: _tail, sinceSeconds: _since, ...rest } = logOptions;
      const asked = sinceTime ? { ...rest, sinceTime } : logOptions;
      const podOptions = thenJoin ? { ...asked, follow: false } : asked;
      const followed = podOptions.follow === true;
      const opened = Date.now();
      const sentBefore = sent;
      // Not awaited: a follow from the end of a quiet log only opens with its first line.
      openPodLog(kubeConfig, { namespace, pod, container: CONTAINER_NAME }, podOptions, signal)
        .then((stream) => {
          // A follower that reads slower than the log grows holds one buffer's worth, not the whole backlog: the
          // replica's log is paused (and the apiserver's connection with it) until the follower caught up.
          stream.on("data", (chunk: Buffer) => {
            if (write(splitter.push(chunk.toString("utf8")))) return;
            stream.pause();
            out.whenDrained(() => stream.resume());
          });
          // openPodLog's stream never errors; should one, it is reported like a replica that could not be read.
          stream.on("error", (error: unknown) => {
            if (signal.aborted) return;
            log.info({ pod, err: String(error) }, "Failed to read a pod's logs");
            write([{ pod, container: CONTAINER_NAME, error: "The log of this replica broke off; retry." }]);
            finished();
          });
          stream.on("end", () => {
            if (signal.aborted) return;
            if (!followed) {
              write(splitter.flush());
              return (thenJoin ?? finished)();
            }
            // A followed log that ends while the follower is still here was cut (by the apiserver, the kubelet, a
            // proxy) or its container stopped (and may restart). It is read again from the follower's position for
            // as long as the pod exists; reads that end at once with nothing new back off, up to REOPEN_MAX_DELAY_MS.
            // A line cut in the middle is not sent: read again, it comes whole (its first half sent alone was a
            // wrong line).
            quickEnds = sent === sentBefore && Date.now() - opened < REOPEN_QUICK_MS ? quickEnds + 1 : 0;
            resume.rewind(pod);
            const delay = Math.min(REOPEN_MAX_DELAY_MS, REOPEN_DELAY_MS * 2 ** quickEnds);
            setTimeout(() => read(true), delay).unref();
          });
        })
        .catch((error: unknown) => {
          if (signal.aborted) return finished();
          // Read again and gone (the pod was deleted): its log has ended, nothing to report.
          if (reopened && error instanceof PodLogError && error.status === 404) return finished();
          log.info({ pod, err: String(error) }, "Failed to read a pod's logs");
          write([{ pod, container: CONTAINER_NAME, error: "The logs of this replica could not be read; retry." }]);
          finished();
        });
    };

    if (!follow || !shared || signal.aborted) {
      read(false);
      continue;
    }
    const follower: LogFollower = {
      deliver: (record) => write([record]),
      whenDrained: (go) => out.whenDrained(go),
      ended: finished,
      failed: (message) => {
        write([{ pod, container: CONTAINER_NAME, error: message }]);
        finished();
      },
      // Behind what the shared log keeps: on by itself, from its own position.
      lost: () => {
        resume.rewind(pod);
        read(true);
      },
    };
    /** Joins the replica's shared log from where the follower starts; false if it does not keep what it needs. */
    const join = (from: FollowFrom): boolean => {
      if (signal.aborted) return true;
      const leave = shared.follow({ namespace, pod, container: CONTAINER_NAME }, from, follower);
      if (leave) joined.push(leave);
      return leave !== undefined;
    };
    // From its position; a new follower from its tail, the whole log, or from now (tail=0), without a read of its
    // own when the shared log keeps those lines. Lines since a duration are read by itself (the node's clock).
    const position = resume.sinceTime(pod);
    const { tailLines, sinceSeconds } = logOptions;
    const from: FollowFrom | undefined =
      position ??
      (sinceSeconds !== undefined
        ? undefined
        : tailLines === 0
          ? "now"
          : tailLines !== undefined
            ? { tail: tailLines }
            : "beginning");
    if (from !== undefined && join(from)) continue;
    read(false, () => {
      // Its past read: on from its last line (the lines of that time it had are passed over), else by itself (an
      // empty past gives no line to go on from without trusting the node's clock).
      resume.rewind(pod);
      const last = resume.sinceTime(pod);
      if (last === undefined || !join(last)) read(true);
    });
  }
  if (pods.length === 0) out.end();
}
