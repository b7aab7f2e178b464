// One task's log on the Run page: followed live while the Run runs (the API streams running attempts and ends the
// stream once the Run has finished), read once when it has finished — from what the operator captured, so it is
// there after the task's pods are gone. Each line names its attempt when the task ran more than once.
import { useEffect, useState } from "react";
import type { RunLogRecord } from "../../../api/contract.ts";
import { seg } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { readNdjsonStream } from "../log-stream.ts";

type Line = Extract<RunLogRecord, { line: string }>;
/** Lines kept in the page; older ones are dropped (the download of a long log is the CLI's `loco run logs`). */
const KEEP = 5_000;

export function TaskLog(props: { base: string; profile: string; task: string; live: boolean; onClose: () => void }) {
  const { base, profile, task, onClose } = props;
  // Whether to follow is decided when the log is opened: a followed stream ends by itself when the Run finishes.
  const [live] = useState(props.live);
  const [lines, setLines] = useState<Line[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [state, setState] = useState<"loading" | "following" | "ended" | "failed">("loading");
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const abort = new AbortController();
    setLines([]);
    setProblems([]);
    setState("loading");
    const path = `${base}/logs?profile=${seg(profile)}&task=${seg(task)}&follow=${live}`;
    readNdjsonStream<RunLogRecord>(
      path,
      (records) => {
        const received = records.filter((r): r is Line => "line" in r);
        const errors = records.flatMap((r) => ("error" in r ? [r.error] : []));
        if (live) setState("following");
        if (received.length > 0) setLines((old) => [...old, ...received].slice(-KEEP));
        if (errors.length > 0) setProblems((old) => [...old, ...errors].slice(-20));
      },
      abort.signal,
    )
      .then(() => {
        if (!abort.signal.aborted) setState("ended");
      })
      .catch((failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(failure);
        setState("failed");
      });
    return () => abort.abort();
  }, [base, profile, task, live]);

  const attempts = new Set(lines.map((l) => l.attempt)).size;
  return (
    <section className="panel" aria-labelledby={`log-${task}`}>
      <h2 id={`log-${task}`}>
        Log of task <span className="name">{task}</span>
      </h2>
      <p role="status" aria-live="polite">
        {state === "following"
          ? "Following: new lines appear as the task writes them."
          : state === "ended"
            ? `${lines.length} ${lines.length === 1 ? "line" : "lines"}${live ? "; the Run has finished." : "."}`
            : ""}{" "}
        <button type="button" onClick={onClose}>
          Close the log of {task}
        </button>
      </p>
      {problems.map((problem, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: messages only ever appended.
        <p key={index} className="state error">
          {problem}
        </p>
      ))}
      {state === "loading" ? (
        // A followed log opens with its first line: until then the task may simply not have written yet.
        <Loading what={live ? `the log of ${task} (lines appear as the task writes them)` : `the log of ${task}`} />
      ) : state === "failed" ? (
        <ErrorState error={error} what={`the log of ${task}`} />
      ) : lines.length === 0 ? (
        state === "ended" && problems.length === 0 ? (
          <Empty>It wrote no log lines.</Empty>
        ) : null
      ) : (
        <pre className="logs small" role="log" aria-label={`Log lines of ${task}`}>
          {lines.map((l) => (attempts > 1 ? `[attempt ${l.attempt}] ${l.line}` : l.line)).join("\n")}
        </pre>
      )}
    </section>
  );
}
