// The Overview's latest releases: the tenant's newest changes across Apps and profiles, each linking to its App.
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { TenantRelease } from "../../../api/contract.ts";
import { api, seg } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { When } from "../components/status.tsx";
import { Changes } from "./app-releases.tsx";

export function LatestReleases({ tenant }: { tenant: string }) {
  const releases = useQuery({
    queryKey: ["releases", tenant, "latest"],
    queryFn: () => api<{ items: TenantRelease[] }>(`/v1/tenants/${seg(tenant)}/releases?limit=10`),
    refetchInterval: 10_000,
  });
  return (
    <>
      <h2>Latest releases</h2>
      {releases.isPending ? (
        <Loading what="releases" />
      ) : releases.isError ? (
        <ErrorState error={releases.error} what="releases" />
      ) : releases.data.items.length === 0 ? (
        <Empty>No releases yet: every deploy, env, scale or rollback of an App makes one.</Empty>
      ) : (
        <table>
          <caption>The tenant's newest releases across its Apps, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Profile</th>
              <th scope="col">Kind</th>
              <th scope="col">What changed</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {releases.data.items.map((r) => (
              <tr key={`${r.profile}/${r.app}/${r.number}`}>
                <th scope="row">
                  <Link to="/tenants/$tenant/apps/$app" params={{ tenant, app: r.app }} search={{ profile: r.profile }}>
                    Release {r.number} of {r.app}
                  </Link>
                </th>
                <td>{r.profile}</td>
                <td>{r.rollbackOf !== null ? `rollback to ${r.rollbackOf}` : r.kind}</td>
                <td>
                  <Changes changes={r.changes} />
                </td>
                <td>{r.actor}</td>
                <td>
                  <When time={r.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
