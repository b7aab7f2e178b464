// An App's live logs: every replica merged, following as lines come; pause (lines keep arriving and wait), filter
// by pod, download what was received. The stream is read with fetch (EventSource cannot send the bearer header).

import { getRouteApi, Link } from "@tanstack/react-router";
import { useEffect, useMemo, useRef, useState } from "react";
import type { LogRecord } from "../../../api/contract.ts";
import { seg } from "../api.ts";
import { ErrorState } from "../components/states.tsx";
import { readNdjsonStream } from "../log-stream.ts";

const route = getRouteApi("/tenants/$tenant/apps/$app/logs");
/** Lines kept in the page; older ones drop off (download has the same window). */
const KEEP = 5_000;

type Line = Extract<LogRecord, { line: string }> & { seq: number };

export function LogsPage() {
  const { tenant, app } = route.useParams();
  const { profile } = route.useSearch();
  const [lines, setLines] = useState<Line[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [state, setState] = useState<"connecting" | "following" | "ended" | "failed">("connecting");
  const [error, setError] = useState<unknown>();
  const [paused, setPaused] = useState(false);
  const [pod, setPod] = useState("");
  const held = useRef<Line[]>([]);
  const pausedRef = useRef(false);
  const seq = useRef(0);
  const box = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setLines([]);
    setState("connecting");
    const path = `/v1/tenants/${seg(tenant)}/apps/${seg(app)}/logs?profile=${seg(profile)}&follow=true&tail=200`;
    readNdjsonStream<LogRecord>(
      path,
      (records) => {
        setState("following");
        const fresh: Line[] = [];
        const errors: string[] = [];
        for (const r of records) {
          if ("error" in r) errors.push(`${r.pod}/${r.container}: ${r.error}`);
          else fresh.push({ ...r, seq: seq.current++ });
        }
        if (errors.length) setProblems((p) => [...p, ...errors].slice(-20));
        if (pausedRef.current) {
          held.current = [...held.current, ...fresh].slice(-KEEP);
          return;
        }
        if (fresh.length) setLines((old) => [...old, ...fresh].slice(-KEEP));
      },
      abort.signal,
    )
      .then(() => !abort.signal.aborted && setState("ended"))
      .catch((failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(failure);
        setState("failed");
      });
    return () => abort.abort();
  }, [tenant, app, profile]);

  const togglePause = () => {
    const next = !paused;
    pausedRef.current = next;
    setPaused(next);
    if (!next && held.current.length) {
      const waiting = held.current;
      held.current = [];
      setLines((old) => [...old, ...waiting].slice(-KEEP));
    }
  };

  const pods = useMemo(() => [...new Set(lines.map((l) => l.pod))].sort(), [lines]);
  const shown = pod ? lines.filter((l) => l.pod === pod) : lines;

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  });

  const download = () => {
    const text = shown.map((l) => `${l.time} ${l.pod}/${l.container} ${l.line}`).join("\n");
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
        <button type="button" onClick={download} disabled={shown.length === 0}>
          Download
        </button>
        <span role="status" className="muted">
          {state === "connecting"
            ? "Connecting…"
            : state === "following"
              ? paused
                ? `Paused (${held.current.length} new lines waiting)`
                : `Following: ${shown.length} lines`
              : state === "ended"
                ? `The stream ended: ${shown.length} lines`
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
        {shown.length === 0 && state !== "failed" ? (
          <li className="muted">No lines yet.</li>
        ) : (
          shown.map((l) => (
            <li key={l.seq}>
              <span className="pod">{l.pod}</span> <span className="line">{l.line}</span>
            </li>
          ))
        )}
      </ol>
    </section>
  );
}
