// Scale an App: set its replicas through the API's scale endpoint (the `loco scale` field owner, so a later deploy
// of loco.toml keeps the count and reports it as an override). The API refuses what the Profile's limits forbid.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AppView } from "../../../api/contract.ts";
import { api } from "../api.ts";
import { ActionError, Done } from "../components/states.tsx";

export function Scale({ base, q, app }: { base: string; q: string; app: AppView }) {
  const queryClient = useQueryClient();
  const spec = app.spec as { replicas?: number; autoscale?: { min: number; max: number } };
  const [replicas, setReplicas] = useState(String(spec.replicas ?? 1));
  const scale = useMutation({
    mutationFn: (count: number) =>
      api<AppView>(`${base}/scale?${q}`, { method: "POST", body: JSON.stringify({ replicas: count }) }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["app"] });
      void queryClient.invalidateQueries({ queryKey: ["timeline"] });
      void queryClient.invalidateQueries({ queryKey: ["releases"] });
    },
  });
  return (
    <>
      <h2 id="scale-title">Scale</h2>
      {spec.autoscale && (
        <p className="muted">
          Autoscaled between {spec.autoscale.min} and {spec.autoscale.max} replicas.
        </p>
      )}
      <form
        className="toolbar"
        aria-labelledby="scale-title"
        onSubmit={(event) => {
          event.preventDefault();
          scale.mutate(Number(replicas));
        }}
      >
        <label htmlFor="replicas">Replicas</label>
        <input
          id="replicas"
          name="replicas"
          type="number"
          min={0}
          max={1000}
          required
          value={replicas}
          onChange={(event) => setReplicas(event.target.value)}
        />
        <button type="submit" disabled={scale.isPending}>
          Scale
        </button>
      </form>
      {scale.isSuccess && (
        <Done>
          Scaling to {scale.variables} {scale.variables === 1 ? "replica" : "replicas"}.
        </Done>
      )}
      {scale.isError && <ActionError error={scale.error} what="scale the App" />}
    </>
  );
}
