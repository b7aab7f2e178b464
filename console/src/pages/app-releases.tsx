// An App's releases, newest first: each change of what it runs (deploy, env, secrets, scale, rollback), who made
// it, and what it changed against the release before (as the API computes it: the image, variable and secret names,
// replicas and the paths of other fields; never a secret's value). "Roll back to this" asks first, and the question
// shows the spec diff of what the rollback would change now — the API's own dry run (POST …/diff) of the release's
// spec against the live App.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { DeployDiff, Page, Release, ReleaseDetail, RolledBack } from "../../../api/contract.ts";
import { api, seg } from "../api.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ActionError, Done, Empty, ErrorState, Loading } from "../components/states.tsx";
import { When } from "../components/status.tsx";

export function Releases({ base, q }: { base: string; q: string }) {
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<Release>();
  const releases = useQuery({
    queryKey: ["releases", base, q],
    queryFn: () => api<Page<Release>>(`${base}/releases?${q}&limit=20`),
    refetchInterval: 5_000,
  });
  const rollback = useMutation({
    mutationFn: (release: number) =>
      api<RolledBack>(`${base}/releases/${release}/rollback?${q}`, { method: "POST", body: JSON.stringify({}) }),
    onSuccess: () => {
      for (const key of ["releases", "deployments", "app", "timeline", "env"])
        void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  const newest = releases.data?.items[0]?.number;
  return (
    <>
      <h2>Releases</h2>
      {rollback.isSuccess && (
        <Done>
          Rollback to release {rollback.data.release} requested: deployment <code>{rollback.data.deploymentId}</code>
          {rollback.data.unchanged ? " (that spec is already running)." : " is rolling out."}
        </Done>
      )}
      {rollback.isError && <ActionError error={rollback.error} what="roll back" />}
      {releases.isPending ? (
        <Loading what="releases" />
      ) : releases.isError ? (
        <ErrorState error={releases.error} what="releases" />
      ) : releases.data.items.length === 0 ? (
        <Empty>No releases recorded yet.</Empty>
      ) : (
        <table>
          <caption>Newest first: what each release changed against the one before</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Made by</th>
              <th scope="col">What changed</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {releases.data.items.map((r) => (
              <tr key={r.number}>
                <th scope="row">
                  Release {r.number}
                  {r.number === newest && <span className="muted"> (current)</span>}
                </th>
                <td>
                  {r.kind}
                  {r.rollbackOf !== null && <> of release {r.rollbackOf}</>}
                </td>
                <td>
                  <Changes changes={r.changes} />
                </td>
                <td>{r.actor}</td>
                <td>
                  <When time={r.createdAt} />
                </td>
                <td>
                  {r.number !== newest && (
                    <button
                      type="button"
                      onClick={() => setTarget(r)}
                      disabled={rollback.isPending}
                      aria-label={`Roll back to release ${r.number}`}
                    >
                      Roll back to this
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={target !== undefined}
        title={`Roll back to release ${target?.number ?? ""}?`}
        confirmLabel="Roll back"
        onCancel={() => setTarget(undefined)}
        onConfirm={() => {
          if (target) rollback.mutate(target.number);
          setTarget(undefined);
        }}
      >
        {target && <RollbackPreview base={base} q={q} release={target.number} />}
      </ConfirmDialog>
    </>
  );
}

/** What one release changed, in words; names only for variables and secrets. */
export function Changes({ changes }: { changes: Release["changes"] }) {
  const lines: React.ReactNode[] = [];
  if (changes.image)
    lines.push(
      <>
        image {changes.image.before ? <code>{changes.image.before}</code> : "none"} → <code>{changes.image.after}</code>
      </>,
    );
  const names = (what: string, list: { added: string[]; removed: string[]; changed: string[] } | undefined) => {
    if (!list) return;
    for (const [verb, items] of [
      ["added", list.added],
      ["removed", list.removed],
      ["changed", list.changed],
    ] as const) {
      if (items.length > 0) lines.push(`${what} ${verb}: ${items.join(", ")}`);
    }
  };
  names("variables", changes.env);
  names("secrets", changes.secrets);
  if (changes.replicas)
    lines.push(`replicas ${changes.replicas.before ?? "default"} → ${changes.replicas.after ?? "default"}`);
  if (changes.fields?.length) lines.push(`fields: ${changes.fields.join(", ")}`);
  if (lines.length === 0) return <span className="muted">nothing in the spec</span>;
  return (
    <ul className="changes">
      {lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list rendered once per release.
        <li key={index}>{line}</li>
      ))}
    </ul>
  );
}

/** The API's dry run of deploying the release's spec now: the spec diff a rollback would make. */
function RollbackPreview({ base, q, release }: { base: string; q: string; release: number }) {
  const diff = useQuery({
    queryKey: ["rollback-diff", base, q, release],
    queryFn: async () => {
      const detail = await api<ReleaseDetail>(`${base}/releases/${seg(String(release))}?${q}`);
      return api<DeployDiff>(`${base}/diff?${q}`, { method: "POST", body: JSON.stringify({ spec: detail.spec }) });
    },
    staleTime: 0,
  });
  return (
    <>
      <p>
        This runs again what release {release} ran — its spec and its secrets' values — as a new release. It changes:
      </p>
      {diff.isPending ? (
        <Loading what="what would change" />
      ) : diff.isError ? (
        <ActionError error={diff.error} what="work out what would change" />
      ) : !diff.data.changed ? (
        <p>Nothing in the spec: it runs already.</p>
      ) : (
        <figure className="diff-figure">
          <figcaption>Spec diff: + added, - removed, ~ before → after</figcaption>
          <pre className="diff">{diff.data.diff}</pre>
        </figure>
      )}
    </>
  );
}
