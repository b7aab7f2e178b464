// One App: its state and conditions in words, URL and replicas, its canary rollout (step, weights, promote and
// abort), its pods, a link to its live logs, scale, its releases with what each changed and a rollback button
// (confirmed first, showing the spec diff), its deployments, its environment (secret values write-only) and its
// timeline.

import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import type { AppView, Condition, Deployment, Page, TimelineEntry } from "../../../api/contract.ts";
import { api, seg } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { PhaseBadge, ReadyBadge, When } from "../components/status.tsx";
import { Env } from "./app-env.tsx";
import { Pods } from "./app-pods.tsx";
import { Releases } from "./app-releases.tsx";
import { Rollout } from "./app-rollout.tsx";
import { Scale } from "./app-scale.tsx";
import { usePlatform } from "./overview.tsx";

const route = getRouteApi("/tenants/$tenant/apps/$app");

export function AppPage() {
  const { tenant, app: name } = route.useParams();
  const { profile } = route.useSearch();
  const base = `/v1/tenants/${seg(tenant)}/apps/${seg(name)}`;
  const q = `profile=${seg(profile)}`;
  const platform = usePlatform();
  const app = useQuery({
    queryKey: ["app", tenant, profile, name],
    queryFn: () => api<AppView>(`${base}?${q}`),
    refetchInterval: 5_000,
  });
  if (!profile) {
    return <ErrorState error={new Error("This link names no profile (?profile=…).")} what="App" />;
  }
  return (
    <section>
      <h1>
        App <span className="name">{name}</span> <span className="muted">in {profile}</span>
      </h1>
      {app.isPending ? (
        <Loading what="the App" />
      ) : app.isError ? (
        <ErrorState error={app.error} what="App" />
      ) : (
        <>
          <Summary app={app.data} simulated={platform.data?.simulatedNodes} />
          <p>
            <Link to="/tenants/$tenant/apps/$app/logs" params={{ tenant, app: name }} search={{ profile }}>
              Live logs
            </Link>{" "}
            ·{" "}
            <Link
              to="/tenants/$tenant/apps/$app/metrics"
              params={{ tenant, app: name }}
              search={{ profile, range: "1h" }}
            >
              Metrics
            </Link>
          </p>
          <Rollout tenant={tenant} base={base} q={q} />
          <Pods base={base} q={q} current={(app.data.status as { deploymentId?: string }).deploymentId} />
          <Scale base={base} q={q} app={app.data} />
          <Releases base={base} q={q} />
          <Deployments base={base} q={q} current={(app.data.status as { deploymentId?: string }).deploymentId} />
          <Env base={base} q={q} />
          <Timeline base={base} q={q} />
        </>
      )}
    </section>
  );
}

function Summary({ app, simulated }: { app: AppView; simulated: boolean | undefined }) {
  const status = app.status as {
    url?: string;
    replicas?: number;
    readyReplicas?: number;
    conditions?: Condition[];
    deploymentId?: string;
  };
  const spec = app.spec as { image?: string };
  const words = app.lost
    ? "Lost: the loco database has this App, but the cluster does not."
    : app.ready === "True"
      ? "Ready: it runs and passes its checks."
      : app.ready === "False"
        ? `Not ready (${app.reason ?? "no reason given"}).`
        : "Not reported yet: the operator has not said whether it is ready.";
  return (
    <div className="panel">
      <p className="lead">
        <ReadyBadge ready={app.ready} lost={app.lost} /> {words}
      </p>
      {app.message && <p>{app.message}</p>}
      <dl className="facts">
        <dt>URL</dt>
        <dd>
          {status.url ? (
            <>
              <a href={status.url} rel="noreferrer" target="_blank">
                {status.url}
              </a>
              {simulated && <span className="muted"> (simulated nodes: nothing answers here)</span>}
            </>
          ) : (
            "none"
          )}
        </dd>
        <dt>Image</dt>
        <dd>
          <code>{spec.image ?? "—"}</code>
        </dd>
        <dt>Replicas</dt>
        <dd>
          {status.readyReplicas ?? 0} ready of {status.replicas ?? 0}
        </dd>
        <dt>Deployment</dt>
        <dd>
          <code>{status.deploymentId ?? "—"}</code>
        </dd>
      </dl>
      <table>
        <caption>Conditions</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {(status.conditions ?? []).length === 0 ? (
            <tr>
              <td colSpan={5}>No conditions reported yet.</td>
            </tr>
          ) : (
            status.conditions!.map((c) => (
              <tr key={c.type}>
                <th scope="row">{c.type}</th>
                <td>{c.status === "True" ? "Yes" : c.status === "False" ? "No" : "Unknown"}</td>
                <td>{c.reason}</td>
                <td>{c.message}</td>
                <td>
                  <When time={typeof c.lastTransitionTime === "string" ? c.lastTransitionTime : undefined} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function Deployments({ base, q, current }: { base: string; q: string; current: string | undefined }) {
  const deployments = useQuery({
    queryKey: ["deployments", base, q],
    queryFn: () => api<Page<Deployment>>(`${base}/deployments?${q}&limit=20`),
    refetchInterval: 5_000,
  });
  return (
    <>
      <h2>Deployments</h2>
      {deployments.isPending ? (
        <Loading what="deployments" />
      ) : deployments.isError ? (
        <ErrorState error={deployments.error} what="deployments" />
      ) : deployments.data.items.length === 0 ? (
        <Empty>No deployments recorded yet.</Empty>
      ) : (
        <table>
          <caption>Each new pod template and how its rollout ended, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Image</th>
              <th scope="col">Outcome</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {deployments.data.items.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <code>{d.id}</code>
                  {d.id === current && <span className="muted"> (current)</span>}
                </th>
                <td>
                  <code>{d.image}</code>
                </td>
                <td>
                  <PhaseBadge phase={d.outcome} /> {d.reason && <span title={d.message}>{d.reason}</span>}
                </td>
                <td>{d.requestedBy ?? "kubectl or GitOps"}</td>
                <td>
                  <When time={d.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Timeline({ base, q }: { base: string; q: string }) {
  const timeline = useQuery({
    queryKey: ["timeline", base, q],
    queryFn: () => api<Page<TimelineEntry>>(`${base}/timeline?${q}&limit=20`),
    refetchInterval: 5_000,
  });
  return (
    <>
      <h2>Timeline</h2>
      {timeline.isPending ? (
        <Loading what="the timeline" />
      ) : timeline.isError ? (
        <ErrorState error={timeline.error} what="the timeline" />
      ) : timeline.data.items.length === 0 ? (
        <Empty>Nothing happened yet.</Empty>
      ) : (
        <ol className="timeline">
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
