// One Run: its phase in words and its parameters, a cancel button while it runs (confirmed first), which task
// failed and why (exit code, reason, last log lines), the task graph, every task's state with its log (live while
// it runs, captured after), and its timeline. Polls while the Run is in flight.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { lazy, Suspense, useState } from "react";
import type { Page, RunLogRecord, RunTaskStatus, RunView, TimelineEntry } from "../../../api/contract.ts";
import { api, apiFetch, seg } from "../api.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ActionError, Done, Empty, ErrorState, Loading } from "../components/states.tsx";
import { PhaseBadge, When } from "../components/status.tsx";
import { NdjsonSplitter } from "../ndjson.ts";
import { graphOf } from "../run-graph-model.ts";
import { TaskLog } from "./task-log.tsx";

const RunGraph = lazy(() => import("../components/run-graph.tsx"));
const route = getRouteApi("/tenants/$tenant/runs/$run");

export function RunPage() {
  const { tenant, run: name } = route.useParams();
  const { profile } = route.useSearch();
  const base = `/v1/tenants/${seg(tenant)}/runs/${seg(name)}`;
  const run = useQuery({
    queryKey: ["run", tenant, profile, name],
    queryFn: () => api<RunView>(`${base}?profile=${seg(profile)}`),
    refetchInterval: (query) => {
      return query.state.data && runFinished(query.state.data) ? false : 2_000;
    },
  });
  return (
    <section>
      <h1>
        Run <span className="name">{name}</span> <span className="muted">in {profile}</span>
      </h1>
      <p>
        <Link to="/tenants/$tenant/pipelines" params={{ tenant }}>
          All Runs
        </Link>
      </p>
      {run.isPending ? (
        <Loading what="the Run" />
      ) : run.isError ? (
        <ErrorState error={run.error} what="Run" />
      ) : (
        <>
          <RunDetail run={run.data} base={base} profile={profile} />
          <RunTimeline base={base} profile={profile} live={!runFinished(run.data)} />
        </>
      )}
    </section>
  );
}

function RunDetail({ run, base, profile }: { run: RunView; base: string; profile: string }) {
  const failed = run.tasks.filter((t) => t.state === "Failed");
  const graph = graphOf(run);
  const [openLog, setOpenLog] = useState<string>();
  return (
    <>
      <div className="panel">
        <p className="lead">
          <PhaseBadge phase={run.phase} /> {run.reason ? `${run.reason}: ` : ""}
          {run.message ?? (run.phase === "Running" ? "running." : "")}
        </p>
        <dl className="facts">
          <dt>Pipeline</dt>
          <dd>{run.pipeline ?? "one-off command"}</dd>
          <dt>Started</dt>
          <dd>
            <When time={run.startTime ?? run.createdAt} />
          </dd>
          <dt>Took</dt>
          <dd>{run.duration ?? "—"}</dd>
          <dt>Parameters</dt>
          <dd>
            {Object.keys(run.parameters).length === 0 ? (
              "none"
            ) : (
              <ul className="changes">
                {Object.entries(run.parameters).map(([name, value]) => (
                  <li key={name}>
                    <code>{name}</code> = <code>{value}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
          {run.lost && (
            <>
              <dt>Lost</dt>
              <dd>The cluster no longer has this Run; it is not running anywhere.</dd>
            </>
          )}
        </dl>
        {!runFinished(run) && <CancelRun base={base} profile={profile} requested={run.cancelRequested} />}
      </div>
      {failed.map((task) => (
        <FailedTask key={task.name} task={task} base={base} profile={profile} />
      ))}
      <h2>Task graph</h2>
      {graph.nodes.length === 0 ? (
        <Empty>The operator has not reported this Run's tasks yet.</Empty>
      ) : (
        <Suspense fallback={<Loading what="the graph" />}>
          <RunGraph graph={graph} />
        </Suspense>
      )}
      <h2>Tasks</h2>
      <table>
        <caption>Each task's state</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Exit code</th>
            <th scope="col">Reason</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Log</th>
          </tr>
        </thead>
        <tbody>
          {run.tasks.length === 0 ? (
            <tr>
              <td colSpan={8}>No task has started yet.</td>
            </tr>
          ) : (
            run.tasks.map((t) => (
              <tr key={t.name}>
                <th scope="row">{t.name}</th>
                <td>
                  <PhaseBadge phase={t.state} />
                </td>
                <td>{t.attempts ?? "—"}</td>
                <td>{t.exitCode ?? "—"}</td>
                <td title={t.message}>{t.reason ?? "—"}</td>
                <td>
                  <When time={t.startTime} />
                </td>
                <td>
                  <When time={t.completionTime} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-pressed={openLog === t.name}
                    onClick={() => setOpenLog(openLog === t.name ? undefined : t.name)}
                  >
                    Show the log of {t.name}
                  </button>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {openLog && (
        <TaskLog
          key={openLog}
          base={base}
          profile={profile}
          task={openLog}
          live={!runFinished(run)}
          onClose={() => setOpenLog(undefined)}
        />
      )}
    </>
  );
}

/** A failed task, named, with its exit code, reason and last log lines (kept after its pods are gone). */
function FailedTask({ task, base, profile }: { task: RunTaskStatus; base: string; profile: string }) {
  const logs = useQuery({
    queryKey: ["run-logs", base, task.name],
    queryFn: async () => {
      const response = await apiFetch(`${base}/logs?profile=${seg(profile)}&task=${seg(task.name)}&tail=20`);
      const splitter = new NdjsonSplitter<RunLogRecord>();
      const records = [...splitter.push(await response.text()), ...splitter.flush()];
      return records.filter(
        (r): r is RunLogRecord & { line: string } => typeof (r as { line?: unknown }).line === "string",
      );
    },
  });
  return (
    <section className="panel failed" aria-labelledby={`failed-${task.name}`}>
      <h2 id={`failed-${task.name}`}>
        Task <span className="name">{task.name}</span> failed
      </h2>
      <p>
        {task.exitCode !== undefined ? `Exit code ${task.exitCode}. ` : ""}
        {task.reason ? `${task.reason}. ` : ""}
        {task.message ?? ""}
      </p>
      {logs.isPending ? (
        <Loading what="its last log lines" />
      ) : logs.isError ? (
        <ErrorState error={logs.error} what="its log" />
      ) : logs.data.length === 0 ? (
        <Empty>It wrote no log lines.</Empty>
      ) : (
        <pre className="logs small">{logs.data.map((r) => r.line).join("\n")}</pre>
      )}
    </section>
  );
}

const runFinished = (run: RunView) => run.phase === "Succeeded" || run.phase === "Failed";

/** Cancel a Run in flight, confirmed first: its running tasks are stopped and it ends with UserCancelled. */
function CancelRun({ base, profile, requested }: { base: string; profile: string; requested: boolean }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const cancel = useMutation({
    mutationFn: () => api<RunView>(`${base}/cancel?profile=${seg(profile)}`, { method: "POST", body: "{}" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["run"] }),
  });
  return (
    <>
      {requested || cancel.isSuccess ? (
        <Done>Cancellation requested: its running tasks are being stopped.</Done>
      ) : (
        <button type="button" className="danger" onClick={() => setAsking(true)} disabled={cancel.isPending}>
          Cancel Run
        </button>
      )}
      {cancel.isError && <ActionError error={cancel.error} what="cancel the Run" />}
      <ConfirmDialog
        open={asking}
        title="Cancel this Run?"
        confirmLabel="Cancel Run"
        cancelLabel="Keep running"
        onCancel={() => setAsking(false)}
        onConfirm={() => {
          cancel.mutate();
          setAsking(false);
        }}
      >
        <p>Its running tasks are stopped and the tasks not yet started never run. It ends as Failed, UserCancelled.</p>
      </ConfirmDialog>
    </>
  );
}

/** What happened to the Run, oldest first: its start, each task's transitions, its end. */
function RunTimeline({ base, profile, live }: { base: string; profile: string; live: boolean }) {
  const timeline = useQuery({
    queryKey: ["run-timeline", base, profile],
    queryFn: () => api<Page<TimelineEntry>>(`${base}/timeline?profile=${seg(profile)}&limit=100`),
    // The database records a Run's events a moment after the cluster reports them: after the end, keep asking now
    // and then, or the last entries (or all of a short Run's) would never show.
    refetchInterval: live ? 2_000 : 10_000,
  });
  return (
    <>
      <h2>Timeline</h2>
      {timeline.isPending ? (
        <Loading what="the timeline" />
      ) : timeline.isError ? (
        <ErrorState error={timeline.error} what="the timeline" />
      ) : timeline.data.items.length === 0 ? (
        <Empty>Nothing recorded yet.</Empty>
      ) : (
        <ol className="timeline" aria-label="Run timeline">
          {timeline.data.items.map((e) => (
            <li key={e.id}>
              <When time={e.occurredAt} /> <strong>{e.reason}</strong> {e.message}
              {e.actor && <span className="muted"> — {e.actor}</span>}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
