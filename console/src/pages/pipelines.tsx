// A tenant's Pipelines (Ready, last run, next scheduled time, a button to start a Run with parameters) and its
// Runs, newest first.

import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { useState } from "react";
import type { PipelineView, RunView } from "../../../api/contract.ts";
import { api, apiAll, seg } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { PhaseBadge, ReadyBadge, When } from "../components/status.tsx";
import { StartRunDialog } from "./start-run.tsx";

const route = getRouteApi("/tenants/$tenant/pipelines");

type PipelineStatus = {
  lastRun?: { name?: string } | string;
  triggers?: { nextTime?: string; lastTime?: string }[];
};

export function PipelinesPage() {
  const { tenant } = route.useParams();
  const pipelines = useQuery({
    queryKey: ["pipelines", tenant],
    queryFn: () => apiAll<PipelineView>(`/v1/tenants/${seg(tenant)}/pipelines`),
  });
  const [starting, setStarting] = useState<PipelineView>();
  const runs = useQuery({
    queryKey: ["runs", tenant],
    queryFn: () => api<{ items: RunView[] }>(`/v1/tenants/${seg(tenant)}/runs?limit=50`),
    refetchInterval: 5_000,
  });
  return (
    <section>
      <h1>
        Pipelines and Runs of <span className="name">{tenant}</span>
      </h1>
      <h2>Pipelines</h2>
      {pipelines.isPending ? (
        <Loading what="Pipelines" />
      ) : pipelines.isError ? (
        <ErrorState error={pipelines.error} what="tenant" />
      ) : pipelines.data.length === 0 ? (
        <Empty>
          No Pipelines yet. Apply one with <code>loco pipeline apply</code>.
        </Empty>
      ) : (
        <table>
          <caption>Every Pipeline of the tenant</caption>
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Profile</th>
              <th scope="col">Ready</th>
              <th scope="col">Tasks</th>
              <th scope="col">Last run</th>
              <th scope="col">Next scheduled</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {pipelines.data.map((p) => {
              const status = p.status as PipelineStatus;
              const next = (status.triggers ?? [])
                .map((t) => t.nextTime)
                .filter((t): t is string => typeof t === "string")
                .sort()[0];
              const last = typeof status.lastRun === "string" ? status.lastRun : status.lastRun?.name;
              return (
                <tr key={`${p.profile}/${p.name}`}>
                  <th scope="row">{p.name}</th>
                  <td>{p.profile}</td>
                  <td>
                    <ReadyBadge ready={p.ready} lost={p.lost} /> {p.ready === "False" ? p.message : ""}
                  </td>
                  <td>{((p.spec as { tasks?: unknown[] }).tasks ?? []).length}</td>
                  <td>
                    {last ? (
                      <Link
                        to="/tenants/$tenant/runs/$run"
                        params={{ tenant, run: last }}
                        search={{ profile: p.profile }}
                      >
                        {last}
                      </Link>
                    ) : (
                      <span className="muted">none yet</span>
                    )}
                  </td>
                  <td>{next ? <When time={next} /> : <span className="muted">no schedule</span>}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => setStarting(p)}
                      aria-label={`Start a Run of ${p.name} in ${p.profile}`}
                    >
                      Start a Run
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h2>Runs</h2>
      {runs.isPending ? (
        <Loading what="Runs" />
      ) : runs.isError ? (
        <ErrorState error={runs.error} what="Runs" />
      ) : runs.data.items.length === 0 ? (
        <Empty>
          No Runs yet. Start one with <code>loco run start &lt;pipeline&gt;</code>.
        </Empty>
      ) : (
        <table>
          <caption>Newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Pipeline</th>
              <th scope="col">Profile</th>
              <th scope="col">Phase</th>
              <th scope="col">Reason</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((r) => (
              <tr key={`${r.profile}/${r.name}`}>
                <th scope="row">
                  <Link
                    to="/tenants/$tenant/runs/$run"
                    params={{ tenant, run: r.name }}
                    search={{ profile: r.profile }}
                  >
                    {r.name}
                  </Link>
                </th>
                <td>{r.pipeline ?? <span className="muted">one-off command</span>}</td>
                <td>{r.profile}</td>
                <td>
                  <PhaseBadge phase={r.phase} />
                </td>
                <td>{r.reason ?? "—"}</td>
                <td>
                  <When time={r.startTime ?? r.createdAt} />
                </td>
                <td>{r.duration ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <StartRunDialog tenant={tenant} pipeline={starting} onClose={() => setStarting(undefined)} />
    </section>
  );
}
