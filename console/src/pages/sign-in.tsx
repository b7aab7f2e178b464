// Sign-in: paste an API token, or sign in with the OpenID provider the API names. The credential stays in this
// tab (sessionStorage); afterwards the user returns to the page they were on.

import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import type { AuthConfig, WhoAmI } from "../../../api/contract.ts";
import { ApiProblem, api } from "../api.ts";
import { startOidcSignIn } from "../oidc.ts";
import { safeNext } from "../safe-next.ts";
import { clearSession, saveSession } from "../session.ts";

const route = getRouteApi("/sign-in");

export function SignInPage() {
  const { next } = route.useSearch();
  const config = useQuery({ queryKey: ["auth-config"], queryFn: () => api<AuthConfig>("/v1/auth/config") });
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const goOn = () => {
    // A full load: every query starts afresh with the new credential.
    location.assign(safeNext(next));
  };

  const submitToken = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const value = token.trim();
    if (!value) {
      setError("Paste an API token (it starts with loco_).");
      return;
    }
    setBusy(true);
    saveSession({ via: "token", token: value });
    try {
      await api<WhoAmI>("/v1/whoami");
      goOn();
    } catch (failure) {
      clearSession();
      setError(
        failure instanceof ApiProblem && failure.status === 401
          ? "The API did not accept this token: it is wrong, revoked or expired. Mint a new one with `loco token create`."
          : (failure as Error).message,
      );
      setBusy(false);
    }
  };

  const oidc = async () => {
    setError(undefined);
    try {
      await startOidcSignIn(config.data!, safeNext(next));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <section className="sign-in">
      <h1>Sign in to loco</h1>
      {next && next !== "/" && <p className="muted">Sign in to go on to {next}.</p>}
      {error && (
        <p className="state error" role="alert">
          {error}
        </p>
      )}
      {config.data?.issuer && config.data.clientId && (
        <div className="panel">
          <h2>With your identity provider</h2>
          <button type="button" className="primary" onClick={() => void oidc()}>
            Sign in with OpenID Connect
          </button>
          <p className="muted">Goes to {new URL(config.data.issuer).host} and comes back here.</p>
        </div>
      )}
      <form className="panel" onSubmit={(event) => void submitToken(event)}>
        <h2>With an API token</h2>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="muted">
          Mint one with <code>loco token create</code>. It is kept in this tab only, until you sign out or close it.
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
