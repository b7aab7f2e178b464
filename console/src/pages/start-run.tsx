// Start a Run of a Pipeline: a form built from the parameters the Pipeline declares (a parameter without a default
// is required), in a modal dialog. The API checks the values against the Pipeline again and answers with the new
// Run's name; the console then opens the Run's page.

import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import type { PipelineView } from "../../../api/contract.ts";
import { api, seg } from "../api.ts";
import { ActionError } from "../components/states.tsx";

type Parameter = { name: string; default?: string; description?: string };

export function StartRunDialog(props: { tenant: string; pipeline: PipelineView | undefined; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const navigate = useNavigate();
  const { pipeline } = props;
  const parameters = ((pipeline?.spec as { parameters?: Parameter[] } | undefined)?.parameters ?? []) as Parameter[];
  const [values, setValues] = useState<Record<string, string>>({});
  const start = useMutation({
    mutationFn: (body: { parameters: Record<string, string> }) =>
      api<{ name: string; profile?: string }>(
        `/v1/tenants/${seg(props.tenant)}/pipelines/${seg(pipeline!.name)}/runs?profile=${seg(pipeline!.profile)}`,
        { method: "POST", body: JSON.stringify(body) },
      ),
    onSuccess: (run) => {
      props.onClose();
      void navigate({
        to: "/tenants/$tenant/runs/$run",
        params: { tenant: props.tenant, run: run.name },
        search: { profile: pipeline!.profile },
      });
    },
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: opens and resets once per Pipeline chosen.
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pipeline && !dialog.open) {
      setValues(Object.fromEntries(parameters.map((p) => [p.name, p.default ?? ""])));
      start.reset();
      dialog.showModal();
    }
    if (!pipeline && dialog.open) dialog.close();
  }, [pipeline]);
  return (
    <dialog ref={ref} aria-labelledby="start-run-title" onClose={props.onClose}>
      <h2 id="start-run-title">Start a Run of {pipeline?.name}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          // Only what differs from a default is sent: the Run records what was asked for.
          const set = Object.fromEntries(
            parameters.filter((p) => values[p.name] !== p.default).map((p) => [p.name, values[p.name] ?? ""]),
          );
          start.mutate({ parameters: set });
        }}
      >
        {parameters.length === 0 ? (
          <p>This Pipeline declares no parameters.</p>
        ) : (
          <fieldset className="parameters">
            <legend>Parameters</legend>
            {parameters.map((p) => {
              const id = `parameter-${p.name}`;
              return (
                <div key={p.name} className="field">
                  <label htmlFor={id}>
                    {p.name}
                    {p.default === undefined && <span className="muted"> (required)</span>}
                  </label>
                  <input
                    id={id}
                    name={p.name}
                    required={p.default === undefined}
                    spellCheck={false}
                    value={values[p.name] ?? ""}
                    onChange={(event) => setValues({ ...values, [p.name]: event.target.value })}
                    {...(p.description ? { "aria-describedby": `${id}-help` } : {})}
                  />
                  {p.description && (
                    <p id={`${id}-help`} className="muted">
                      {p.description}
                      {p.default !== undefined && p.default !== "" && <> (default: {p.default})</>}
                    </p>
                  )}
                </div>
              );
            })}
          </fieldset>
        )}
        {start.isError && <ActionError error={start.error} what="start the Run" />}
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={start.isPending}>
            Start Run
          </button>
        </div>
      </form>
    </dialog>
  );
}
