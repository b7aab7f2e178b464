// An App's environment: plain variables with their values, secret ones by name only (the API never returns a
// secret's value: here it can be written, never read back). Set or unset through the API's env endpoint, the
// `loco env` field owner; a variable that loco.toml or a manifest declares cannot be unset here, and the API
// says so.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { EnvView } from "../../../api/contract.ts";
import { api } from "../api.ts";
import { ActionError, Done, Empty, ErrorState, Loading } from "../components/states.tsx";

type Edit = { set?: Record<string, string>; unset?: string[]; secret?: boolean };

export function Env({ base, q }: { base: string; q: string }) {
  const queryClient = useQueryClient();
  const key = ["env", base, q];
  const env = useQuery({ queryKey: key, queryFn: () => api<EnvView>(`${base}/env?${q}`) });
  const [done, setDone] = useState<string>();
  const edit = useMutation({
    mutationFn: (body: Edit) => api<EnvView>(`${base}/env?${q}`, { method: "PATCH", body: JSON.stringify(body) }),
    onMutate: () => setDone(undefined),
    onSuccess: (now, body) => {
      queryClient.setQueryData(key, now);
      void queryClient.invalidateQueries({ queryKey: ["timeline"] });
      void queryClient.invalidateQueries({ queryKey: ["releases"] });
      const set = Object.keys(body.set ?? {});
      setDone(
        set.length > 0
          ? `Set ${set.join(", ")}${body.secret ? " (secret)" : ""}; the App rolls out with it.`
          : `Unset ${(body.unset ?? []).join(", ")}; the App rolls out without it.`,
      );
    },
  });
  return (
    <>
      <h2>Environment</h2>
      {done && <Done>{done}</Done>}
      {edit.isError && <ActionError error={edit.error} what="change the environment" />}
      {env.isPending ? (
        <Loading what="environment variables" />
      ) : env.isError ? (
        <ErrorState error={env.error} what="environment variables" />
      ) : env.data.env.length + env.data.secrets.length === 0 ? (
        <Empty>No environment variables set.</Empty>
      ) : (
        <table>
          <caption>Variables; secret values are never shown</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Declared by</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {[
              ...env.data.env.map((v) => ({ name: v.name, value: v.value as string | undefined })),
              ...env.data.secrets.map((v) => ({ name: v.name, value: undefined })),
            ].map((v) => {
              const declared = env.data.declared.includes(v.name);
              return (
                <tr key={v.name}>
                  <th scope="row">
                    <code>{v.name}</code>
                  </th>
                  <td>
                    {v.value === undefined ? (
                      <span className="muted">secret: value never shown</span>
                    ) : (
                      <code>{v.value}</code>
                    )}
                  </td>
                  <td>{declared ? "loco.toml or a manifest" : "loco env or this console"}</td>
                  <td>
                    {!declared && (
                      <button
                        type="button"
                        disabled={edit.isPending}
                        aria-label={`Unset ${v.name}`}
                        onClick={() => edit.mutate({ unset: [v.name] })}
                      >
                        Unset
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <SetVariable
        busy={edit.isPending}
        onSet={(name, value, secret) => edit.mutate({ set: { [name]: value }, secret })}
      />
    </>
  );
}

function SetVariable({
  busy,
  onSet,
}: {
  busy: boolean;
  onSet: (name: string, value: string, secret: boolean) => void;
}) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(false);
  return (
    <form
      className="panel inline-form"
      aria-labelledby="set-variable"
      onSubmit={(event) => {
        event.preventDefault();
        onSet(name.trim(), value, secret);
        // Write-only: the value leaves the page once it is sent.
        setValue("");
      }}
    >
      <h3 id="set-variable">Set a variable</h3>
      <label>
        Name{" "}
        <input
          name="name"
          required
          pattern="[A-Za-z_][A-Za-z0-9_]*"
          title="Letters, digits and _, not starting with a digit"
          spellCheck={false}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </label>{" "}
      <label>
        Value{" "}
        <input
          name="value"
          type={secret ? "password" : "text"}
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
      </label>{" "}
      <label>
        <input type="checkbox" name="secret" checked={secret} onChange={(event) => setSecret(event.target.checked)} />{" "}
        Secret (stored encrypted; never shown again)
      </label>{" "}
      <button type="submit" className="primary" disabled={busy}>
        Set variable
      </button>
    </form>
  );
}
