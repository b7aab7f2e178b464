// A tenant at a glance: every App per profile with Ready, reason, URL and replicas; the latest releases; the Runs
// that failed lately.
// Lost Apps (in the mirror, gone from the cluster) and simulated nodes (URLs that answer nothing) are said plainly.

import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import type { AppView, PlatformInfo, RunView } from "../../../api/contract.ts";
import { api, apiAll, seg } from "../api.ts";
import { RowLink } from "../components/row-link.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { PhaseBadge, ReadyBadge, When } from "../components/status.tsx";
import { LatestReleases } from "./latest-releases.tsx";

const route = getRouteApi("/tenants/$tenant");

export function usePlatform() {
  return useQuery({ queryKey: ["platform"], queryFn: () => api<PlatformInfo>("/v1/platform"), staleTime: 60_000 });
}

export function OverviewPage() {
  const { tenant } = route.useParams();
  const platform = usePlatform();
  const apps = useQuery({
    queryKey: ["apps", tenant],
    queryFn: () => apiAll<AppView>(`/v1/tenants/${seg(tenant)}/apps`),
    refetchInterval: 10_000,
  });
  const failing = useQuery({
    queryKey: ["runs", tenant, "failed"],
    queryFn: () => api<{ items: RunView[] }>(`/v1/tenants/${seg(tenant)}/runs?phase=Failed&since=7d&limit=10`),
  });
  const byProfile = new Map<string, AppView[]>();
  for (const app of apps.data ?? []) byProfile.set(app.profile, [...(byProfile.get(app.profile) ?? []), app]);
  return (
    <section>
      <h1>
        Overview of <span className="name">{tenant}</span>
      </h1>
      {platform.data?.simulatedNodes && (
        <p className="notice" role="note">
          This platform runs pods on simulated nodes: Apps become Ready, but nothing answers at their URLs.
        </p>
      )}
      <h2>Apps</h2>
      {apps.isPending ? (
        <Loading what="Apps" />
      ) : apps.isError ? (
        <ErrorState error={apps.error} what="tenant" />
      ) : byProfile.size === 0 ? (
        <Empty>
          No Apps yet. Deploy one with <code>loco deploy</code>.
        </Empty>
      ) : (
        [...byProfile.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([profile, list]) => (
            <AppTable
              key={profile}
              tenant={tenant}
              profile={profile}
              apps={list}
              simulated={platform.data?.simulatedNodes}
            />
          ))
      )}
      <LatestReleases tenant={tenant} />
      <h2>Failed Runs (last 7 days)</h2>
      {failing.isPending ? (
        <Loading what="Runs" />
      ) : failing.isError ? (
        <ErrorState error={failing.error} what="Runs" />
      ) : failing.data.items.length === 0 ? (
        <Empty>No Run failed in the last 7 days.</Empty>
      ) : (
        <ul>
          {failing.data.items.map((r) => (
            <li key={`${r.profile}/${r.name}`}>
              <Link to="/tenants/$tenant/runs/$run" params={{ tenant, run: r.name }} search={{ profile: r.profile }}>
                {r.name}
              </Link>{" "}
              <PhaseBadge phase={r.phase} /> {r.reason} <When time={r.completionTime ?? r.createdAt} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AppTable(props: { tenant: string; profile: string; apps: AppView[]; simulated: boolean | undefined }) {
  return (
    <table>
      <caption>
        Profile <strong>{props.profile}</strong> ({props.apps.length} {props.apps.length === 1 ? "App" : "Apps"})
      </caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Ready</th>
          <th scope="col">Reason</th>
          <th scope="col">URL</th>
          <th scope="col">Replicas (ready/existing)</th>
        </tr>
      </thead>
      <tbody>
        {props.apps
          .slice()
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((app) => {
            const status = app.status as { url?: string; replicas?: number; readyReplicas?: number };
            return (
              <tr key={app.name}>
                <th scope="row">
                  <RowLink
                    href={`/tenants/${seg(props.tenant)}/apps/${seg(app.name)}?profile=${encodeURIComponent(app.profile)}`}
                  >
                    {app.name}
                  </RowLink>
                </th>
                <td>
                  <ReadyBadge ready={app.ready} lost={app.lost} />
                </td>
                <td title={app.message ?? undefined}>{app.reason ?? "—"}</td>
                <td>
                  {status.url ? (
                    <>
                      <a href={status.url} rel="noreferrer" target="_blank">
                        {status.url}
                      </a>
                      {props.simulated && <span className="muted"> (simulated: does not answer)</span>}
                    </>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td>
                  {status.readyReplicas ?? 0}/{status.replicas ?? 0}
                </td>
              </tr>
            );
          })}
      </tbody>
    </table>
  );
}
