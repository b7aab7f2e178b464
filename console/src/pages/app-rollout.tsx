// An App's canary rollout (ADR 0010), live: its phase, the step it is at (n of m), how the routes split traffic
// between the stable and the canary Service, the current analysis' counts and the operator's message; and the two
// requests a person can make of a rollout in flight — promote now, or abort (traffic back to stable) — each
// confirmed first. The buttons are offered only to roles that may write Apps; the API decides either way.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { RolloutView, TenantDetail } from "../../../api/contract.ts";
import { api, seg } from "../api.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ActionError, Done, ErrorState, Loading } from "../components/states.tsx";
import { Badge, When } from "../components/status.tsx";
import { mayWriteApps } from "../roles.ts";
import { rolloutFacts } from "../rollout-model.ts";

type Request = "promote" | "abort";

const PHASE_TONES: Record<string, "ok" | "bad" | "wait" | "lost"> = {
  Completed: "ok",
  RolledBack: "bad",
  Aborted: "bad",
};

export function Rollout({ tenant, base, q }: { tenant: string; base: string; q: string }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<Request>();
  const rollout = useQuery({
    queryKey: ["rollout", base, q],
    queryFn: () => api<RolloutView>(`${base}/rollout?${q}`),
    // A pause of a few seconds is a step: follow it closer than the rest of the page.
    refetchInterval: 2_000,
  });
  // The caller's role decides whether Promote and Abort are offered: asked only when there is a rollout to act on.
  const access = useQuery({
    queryKey: ["tenant", tenant],
    queryFn: () => api<TenantDetail>(`/v1/tenants/${seg(tenant)}`),
    enabled: rollout.data?.inFlight === true,
  });
  const request = useMutation({
    mutationFn: (verb: Request) =>
      api<RolloutView>(`${base}/rollout/${verb}?${q}`, { method: "POST", body: JSON.stringify({}) }),
    onSuccess: () => {
      for (const key of ["rollout", "app", "timeline", "deployments"])
        void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  if (rollout.isPending) return <Loading what="the rollout" />;
  if (rollout.isError) return <ErrorState error={rollout.error} what="the rollout" />;
  const view = rollout.data;
  // A rolling App that never had a canary has nothing to show here.
  if (view.strategy === "rolling" && !view.rollout) return null;
  const facts = rolloutFacts(view);
  const r = view.rollout;
  const canWrite = access.data ? mayWriteApps(access.data.role) : false;
  return (
    <>
      <h2 id="rollout-title">Rollout</h2>
      <div className="panel">
        {!facts || !r ? (
          <p>
            No canary rollout yet: the App's first release is its stable version, and the next one starts a canary (
            {view.steps} {view.steps === 1 ? "step" : "steps"}).
          </p>
        ) : (
          <>
            <p className="lead">
              <Badge tone={PHASE_TONES[r.phase] ?? "wait"}>{r.phase}</Badge> {r.message}
            </p>
            <dl className="facts">
              <dt>Deployment</dt>
              <dd>
                <code>{r.deploymentId}</code>
              </dd>
              <dt>Step</dt>
              <dd>{facts.step}</dd>
              <dt>Traffic</dt>
              <dd>
                <span>
                  stable {facts.stable}% · canary {facts.canary}%
                </span>
                <span className="weights" aria-hidden="true">
                  <span className="stable" style={{ width: `${facts.stable}%` }} />
                  <span className="canary" style={{ width: `${facts.canary}%` }} />
                </span>
              </dd>
              {facts.analysis && (
                <>
                  <dt>Analysis</dt>
                  <dd>
                    {facts.analysis}
                    {r.analysis?.lastValue !== undefined && <> (last value {r.analysis.lastValue})</>}
                  </dd>
                </>
              )}
              <dt>Step began</dt>
              <dd>
                <When time={r.stepStartedAt} />
              </dd>
            </dl>
          </>
        )}
        {facts?.actionable &&
          (canWrite ? (
            <div className="toolbar">
              <button type="button" disabled={request.isPending} onClick={() => setAsking("promote")}>
                Promote
              </button>
              <button type="button" className="danger" disabled={request.isPending} onClick={() => setAsking("abort")}>
                Abort
              </button>
            </div>
          ) : (
            access.data && (
              <p className="muted">
                Your role ({access.data.role ?? "none"}) may not promote or abort a rollout; a developer or above can.
              </p>
            )
          ))}
        {request.isSuccess && (
          <Done>
            Asked to {request.variables} deployment <code>{request.data.rollout?.deploymentId}</code>; the operator acts
            on it at its next reconcile.
          </Done>
        )}
        {request.isError && <ActionError error={request.error} what={`${request.variables} the rollout`} />}
      </div>
      <ConfirmDialog
        open={asking !== undefined}
        title={asking === "promote" ? "Promote the canary now?" : "Abort the rollout?"}
        confirmLabel={asking === "promote" ? "Promote" : "Abort rollout"}
        onCancel={() => setAsking(undefined)}
        onConfirm={() => {
          if (asking) request.mutate(asking);
          setAsking(undefined);
        }}
      >
        {asking === "promote" ? (
          <p>
            The stable version takes the canary's template now, skipping the remaining steps; once it is available all
            traffic goes to it.
          </p>
        ) : (
          <p>
            All traffic goes back to the stable version and the canary scales to zero. The deployment is recorded as
            failed; deploy a new release to try again.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}
