// An App's logs, live from the cluster: every replica's container merged into one stream of records naming the pod
// and container. The stream ends once every replica's log has ended (at once when none is running). A follower that
// comes back with its position (api/log-cursor.ts) gets each replica's log from where it left it, nothing twice.
import type { KubeConfig } from "@kubernetes/client-node";
import type { FastifyBaseLogger } from "fastify";
import { CONTAINER_NAME } from "../crds/app-names.ts";
import { openPodLog, type PodLogOptions } from "../kube/pod-log.ts";
import type { RecordStream } from "./event-stream.ts";
import { formatLogPosition, LogResume } from "./log-cursor.ts";
import { LineSplitter, type LogRecord } from "./log-lines.ts";

export function streamAppLogs(options: {
  kubeConfig: KubeConfig;
  namespace: string;
  pods: string[];
  logOptions: PodLogOptions;
  out: RecordStream;
  log: FastifyBaseLogger;
  /** Where the follower left off; absent: from what logOptions select. */
  resume?: LogResume;
}): void {
  const { kubeConfig, namespace, pods, logOptions, out, log } = options;
  const resume = options.resume ?? new LogResume();
  // The stream's signal aborts every replica's log when the client hangs up (or the response ends).
  const { signal } = out;
  let open = pods.length;
  const finished = () => {
    open--;
    if (open <= 0) out.end();
  };
  for (const pod of pods) {
    const splitter = new LineSplitter(pod, CONTAINER_NAME);
    /** False when the client is behind: the caller pauses this replica's log until the client caught up. */
    const write = (records: (LogRecord | { pod: string; container: string; error: string })[]): boolean => {
      let room = true;
      for (const record of records) {
        if ("error" in record) room = out.write(record) && room;
        else if (resume.accept(record.pod, record.time))
          room = out.write(record, formatLogPosition(resume.position())) && room;
      }
      return room;
    };
    // A resumed pod is read from its last time on (lines before it, and those of that time it had, are passed over
    // by accept); the first request's tail and since no longer apply.
    const sinceTime = resume.sinceTime(pod);
    const { tailLines: _tail, sinceSeconds: _since, ...rest } = logOptions;
    const podOptions = sinceTime ? { ...rest, sinceTime } : logOptions;
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
        stream.on("end", () => {
          write(splitter.flush());
          finished();
        });
        // The client hanging up aborts the stream (an AbortError); unhandled, that error would crash the API.
        stream.on("error", (error: unknown) => {
          if (signal.aborted) return;
          log.info({ pod, err: String(error) }, "Failed to read a pod's logs");
          write([{ pod, container: CONTAINER_NAME, error: "The log of this replica broke off; retry." }]);
          finished();
        });
      })
      .catch((error: unknown) => {
        if (!signal.aborted) log.info({ pod, err: String(error) }, "Failed to read a pod's logs");
        write([{ pod, container: CONTAINER_NAME, error: "The logs of this replica could not be read; retry." }]);
        finished();
      });
  }
  if (pods.length === 0) out.end();
}
