// The tenant's audit log, newest first (the API lets admins and owners read it).

import { useInfiniteQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import type { Page } from "../../../api/contract.ts";
import { api, apiFetch, seg } from "../api.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { When } from "../components/status.tsx";

const route = getRouteApi("/tenants/$tenant/audit");

interface AuditEntry {
  id: string;
  occurredAt: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  requestId: string;
}

export function AuditPage() {
  const { tenant } = route.useParams();
  const [filter, setFilter] = useState("");
  const entries = useInfiniteQuery({
    queryKey: ["audit", tenant],
    initialPageParam: "",
    queryFn: ({ pageParam }) =>
      api<Page<AuditEntry>>(
        `/v1/tenants/${seg(tenant)}/audit?limit=100${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const all = entries.data?.pages.flatMap((p) => p.items) ?? [];
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? all.filter((e) => [e.actor, e.action, e.target, e.outcome].some((f) => f.toLowerCase().includes(needle)))
    : all;
  return (
    <section>
      <h1>
        Audit log of <span className="name">{tenant}</span>
      </h1>
      <div className="toolbar">
        <label>
          Filter{" "}
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="actor, action…"
          />
        </label>
        <button type="button" onClick={() => void exportAs(tenant, "csv")}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportAs(tenant, "json")}>
          Export JSON
        </button>
      </div>
      {entries.isPending ? (
        <Loading what="the audit log" />
      ) : entries.isError ? (
        <ErrorState error={entries.error} what="audit log" />
      ) : shown.length === 0 ? (
        <Empty>No entries{needle ? " match the filter" : ""}.</Empty>
      ) : (
        <table>
          <caption>Newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id}>
                <td>
                  <When time={e.occurredAt} />
                </td>
                <td>{e.actor}</td>
                <th scope="row">{e.action}</th>
                <td>{e.target}</td>
                <td>{e.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries.hasNextPage && (
        <button type="button" onClick={() => void entries.fetchNextPage()} disabled={entries.isFetchingNextPage}>
          Older entries
        </button>
      )}
    </section>
  );
}

/** The export needs the bearer header, so it is fetched and handed to the browser as a file. */
async function exportAs(tenant: string, format: "csv" | "json") {
  const response = await apiFetch(`/v1/tenants/${seg(tenant)}/audit/export?format=${format}`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `audit-${tenant}.${format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
