// A tenant's API tokens: yours, or all of the tenant's for admins and owners (the API decides which). Creating one
// shows its secret once — it is held in this component's state only, never cached or stored — and revoking one
// (confirmed first) stops it at once.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import type { MintedToken, Role, TokenView } from "../../../api/contract.ts";
import { api, apiAll, seg } from "../api.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ActionError, Done, Empty, ErrorState, Loading } from "../components/states.tsx";
import { Badge, When } from "../components/status.tsx";
import { ROLES } from "../roles.ts";

const route = getRouteApi("/tenants/$tenant/tokens");

export function TokensPage() {
  const { tenant } = route.useParams();
  const base = `/v1/tenants/${seg(tenant)}/tokens`;
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens", tenant], queryFn: () => apiAll<TokenView>(base) });
  const [minted, setMinted] = useState<MintedToken>();
  const [revoking, setRevoking] = useState<TokenView>();
  const [revoked, setRevoked] = useState<string>();
  const create = useMutation({
    mutationFn: (body: { name: string; role: Role; expiresInDays: number }) =>
      api<MintedToken>(base, { method: "POST", body: JSON.stringify(body) }),
    onMutate: () => {
      setMinted(undefined);
      setRevoked(undefined);
    },
    onSuccess: (token) => {
      setMinted(token);
      void queryClient.invalidateQueries({ queryKey: ["tokens", tenant] });
    },
  });
  const revoke = useMutation({
    mutationFn: (token: TokenView) => api<void>(`${base}/${seg(token.id)}`, { method: "DELETE" }),
    onMutate: () => setRevoked(undefined),
    onSuccess: (_, token) => {
      setRevoked(token.name);
      void queryClient.invalidateQueries({ queryKey: ["tokens", tenant] });
    },
  });
  return (
    <section>
      <h1>
        API tokens of <span className="name">{tenant}</span>
      </h1>
      {tokens.isPending ? (
        <Loading what="API tokens" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} what="tenant" />
      ) : (
        <>
          {create.isError && <ActionError error={create.error} what="create the token" />}
          {revoke.isError && <ActionError error={revoke.error} what="revoke the token" />}
          {revoked && <Done>Token {revoked} was revoked: it no longer works.</Done>}
          {minted ? (
            <Secret minted={minted} onDone={() => setMinted(undefined)} />
          ) : (
            <CreateToken busy={create.isPending} onCreate={(body) => create.mutate(body)} />
          )}
          {tokens.data.length === 0 ? (
            <Empty>No API tokens yet.</Empty>
          ) : (
            <table>
              <caption>Yours, or all of the tenant's for admins and owners; never their secrets</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">State</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((t) => {
                  const gone = t.revokedAt !== null || (t.expiresAt !== null && new Date(t.expiresAt) < new Date());
                  return (
                    <tr key={t.id}>
                      <th scope="row">{t.name}</th>
                      <td>{t.role}</td>
                      <td>
                        {t.revokedAt ? (
                          <Badge tone="lost">Revoked</Badge>
                        ) : gone ? (
                          <Badge tone="lost">Expired</Badge>
                        ) : (
                          <Badge tone="ok">Active</Badge>
                        )}
                      </td>
                      <td>
                        <code>{t.createdBy}</code>
                      </td>
                      <td>
                        <When time={t.createdAt} />
                      </td>
                      <td>
                        <When time={t.expiresAt} />
                      </td>
                      <td>
                        <When time={t.lastUsedAt} />
                      </td>
                      <td>
                        {!gone && (
                          <button
                            type="button"
                            disabled={revoke.isPending}
                            onClick={() => setRevoking(t)}
                            aria-label={`Revoke ${t.name}`}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title="Revoke token?"
        confirmLabel="Revoke"
        onCancel={() => setRevoking(undefined)}
        onConfirm={() => {
          if (revoking) revoke.mutate(revoking);
          setRevoking(undefined);
        }}
      >
        <p>
          Revoke <strong>{revoking?.name}</strong>? Whatever uses it (a CI job, a script, this console) is refused from
          now on. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** The new token's secret, this once: the API keeps only its hash. */
function Secret({ minted, onDone }: { minted: MintedToken; onDone: () => void }) {
  return (
    <section className="panel" aria-labelledby="minted-title">
      <h2 id="minted-title">Token {minted.token.name} created</h2>
      <p>Copy it now: it is shown only this once, and loco keeps only a hash of it.</p>
      <label htmlFor="minted-secret">Secret</label>{" "}
      <input
        id="minted-secret"
        className="secret"
        readOnly
        value={minted.secret}
        spellCheck={false}
        onFocus={(event) => event.target.select()}
      />{" "}
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function CreateToken(props: {
  busy: boolean;
  onCreate: (body: { name: string; role: Role; expiresInDays: number }) => void;
}) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const [days, setDays] = useState("90");
  return (
    <form
      className="panel inline-form"
      aria-labelledby="create-token"
      onSubmit={(event) => {
        event.preventDefault();
        props.onCreate({ name: name.trim(), role, expiresInDays: Number(days) });
      }}
    >
      <h2 id="create-token">Create a token</h2>
      <label>
        Name{" "}
        <input name="name" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </label>{" "}
      <label>
        Role{" "}
        <select name="role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>{" "}
      <label>
        Expires in days{" "}
        <input
          name="expiresInDays"
          type="number"
          required
          min={1}
          max={3650}
          value={days}
          onChange={(event) => setDays(event.target.value)}
        />
      </label>{" "}
      <button type="submit" className="primary" disabled={props.busy}>
        Create token
      </button>
      <p className="muted">At your own role or lower; the secret is shown once, right here.</p>
    </form>
  );
}
