// An App's live logs: every replica merged, following as lines come; pause (lines keep arriving and wait), filter
// by pod, download what was received. The stream is read with fetch (EventSource cannot send the bearer header).
// Built to keep up with thousands of lines a second: records are gathered and shown once per animation frame, as
// an immutable block; blocks already on screen are never rendered again.

import { getRouteApi, Link } from "@tanstack/react-router";
import { memo, useEffect, useRef, useState } from "react";
import type { LogRecord } from "../../../api/contract.ts";
import { seg } from "../api.ts";
import { ErrorState } from "../components/states.tsx";
import { readNdjsonStream } from "../log-stream.ts";

const route = getRouteApi("/tenants/$tenant/apps/$app/logs");
/** Lines kept in the page; older blocks drop off (download has the same window). */
const KEEP = 5_000;

type Line = Extract<LogRecord, { line: string }>;
interface Block {
  id: number;
  lines: Line[];
}

/** Appends a block and drops the oldest ones beyond KEEP lines. */
function appendBlock(blocks: Block[], block: Block): Block[] {
  const next = [...blocks, block];
  let total = next.reduce((sum, b) => sum + b.lines.length, 0);
  while (total > KEEP && next.length > 1) total -= next.shift()!.lines.length;
  return next;
}

export function LogsPage() {
  const { tenant, app } = route.useParams();
  const { profile } = route.useSearch();
  const [blocks, setBlocks] = useState<Block[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [state, setState] = useState<"connecting" | "following" | "ended" | "failed">("connecting");
  const [error, setError] = useState<unknown>();
  const [paused, setPaused] = useState(false);
  const [pod, setPod] = useState("");
  const [pods, setPods] = useState<string[]>([]);
  const pending = useRef<Line[]>([]);
  const pausedRef = useRef(false);
  const frame = useRef<number | undefined>(undefined);
  const nextId = useRef(0);
  const box = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setBlocks([]);
    setState("connecting");
    const seen = new Set<string>();
    const flush = () => {
      frame.current = undefined;
      if (pausedRef.current || pending.current.length === 0) return;
      const lines = pending.current;
      pending.current = [];
      setBlocks((old) => appendBlock(old, { id: nextId.current++, lines }));
    };
    const path = `/v1/tenants/${seg(tenant)}/apps/${seg(app)}/logs?profile=${seg(profile)}&follow=true&tail=200`;
    readNdjsonStream<LogRecord>(
      path,
      (records) => {
        setState("following");
        const errors: string[] = [];
        let newPod = false;
        for (const r of records) {
          if ("error" in r) {
            errors.push(`${r.pod}/${r.container}: ${r.error}`);
            continue;
          }
          pending.current.push(r);
          if (!seen.has(r.pod)) {
            seen.add(r.pod);
            newPod = true;
          }
        }
        if (pending.current.length > KEEP) pending.current = pending.current.slice(-KEEP);
        if (errors.length) setProblems((p) => [...p, ...errors].slice(-20));
        if (newPod) setPods([...seen].sort());
        frame.current ??= requestAnimationFrame(flush);
      },
      abort.signal,
    )
      .then(() => {
        if (abort.signal.aborted) return;
        flush();
        setState("ended");
      })
      .catch((failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(failure);
        setState("failed");
      });
    return () => {
      abort.abort();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
      frame.current = undefined;
      pending.current = [];
    };
  }, [tenant, app, profile]);

  const togglePause = () => {
    const next = !paused;
    pausedRef.current = next;
    setPaused(next);
    if (!next && pending.current.length) {
      const lines = pending.current;
      pending.current = [];
      setBlocks((old) => appendBlock(old, { id: nextId.current++, lines }));
    }
  };

  const count = blocks.reduce(
    (sum, b) => sum + (pod ? b.lines.filter((l) => l.pod === pod).length : b.lines.length),
    0,
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the bottom whenever blocks arrive.
  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [blocks, paused]);

  const download = () => {
    const text = blocks
      .flatMap((b) => b.lines)
      .filter((l) => !pod || l.pod === pod)
      .map((l) => `${l.time} ${l.pod}/${l.container} ${l.line}`)
      .join("\n");
    const url = URL.createObjectURL(new Blob([`${text}\n`], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${app}-${profile}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };

  return (
    <section>
      <h1>
        Logs of <span className="name">{app}</span> <span className="muted">in {profile}</span>
      </h1>
      <p>
        <Link to="/tenants/$tenant/apps/$app" params={{ tenant, app }} search={{ profile }}>
          Back to the App
        </Link>
      </p>
      <div className="toolbar">
        <button type="button" onClick={togglePause} aria-pressed={paused}>
          {paused ? "Resume" : "Pause"}
        </button>
        <label>
          Pod{" "}
          <select value={pod} onChange={(e) => setPod(e.target.value)}>
            <option value="">All pods</option>
            {pods.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={download} disabled={count === 0}>
          Download
        </button>
        <span role="status" className="muted">
          {state === "connecting"
            ? "Connecting…"
            : state === "following"
              ? paused
                ? "Paused: new lines wait until you resume"
                : `Following: ${count} lines`
              : state === "ended"
                ? `The stream ended: ${count} lines`
                : "Failed"}
        </span>
      </div>
      {state === "failed" && <ErrorState error={error} what="logs" />}
      {problems.length > 0 && (
        <ul className="state error">
          {problems.map((p) => (
            <li key={p}>Could not read {p}</li>
          ))}
        </ul>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it. */}
      <ol className="logs" ref={box} tabIndex={0} aria-label="Log lines">
        {count === 0 && state !== "failed" ? (
          <li className="muted">No lines yet.</li>
        ) : (
          blocks.map((block) => <LogBlock key={block.id} lines={block.lines} pod={pod} />)
        )}
      </ol>
    </section>
  );
}

/** One batch of lines; rendered once, unless the pod filter changes. */
const LogBlock = memo(function LogBlock({ lines, pod }: { lines: Line[]; pod: string }) {
  return (
    <>
      {lines.map((l, i) =>
        pod && l.pod !== pod ? null : (
          // biome-ignore lint/suspicious/noArrayIndexKey: a block never changes; a line's place in it is its identity.
          <li key={i}>
            <span className="pod">{l.pod}</span> <span className="line">{l.line}</span>
          </li>
        ),
      )}
    </>
  );
});
