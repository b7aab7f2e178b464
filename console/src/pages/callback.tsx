// Where the identity provider sends the browser back: trade the code for a token, then go on.

import { Link } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import type { AuthConfig } from "../../../api/contract.ts";
import { api } from "../api.ts";
import { finishOidcSignIn } from "../oidc.ts";
import { safeNext } from "../safe-next.ts";
import { saveSession } from "../session.ts";

export function CallbackPage() {
  const [error, setError] = useState<string>();
  const started = useRef(false);
  useEffect(() => {
    // Once only: a code can be traded once (StrictMode runs effects twice in development).
    if (started.current) return;
    started.current = true;
    (async () => {
      const config = await api<AuthConfig>("/v1/auth/config");
      const result = await finishOidcSignIn(new URLSearchParams(location.search), config.audience);
      saveSession({ via: "oidc", token: result.token, expiresAt: result.expiresAt });
      location.replace(safeNext(result.next));
    })().catch((failure: unknown) => setError((failure as Error).message));
  }, []);
  if (!error) return <p role="status">Signing in…</p>;
  return (
    <section>
      <h1>Sign-in failed</h1>
      <p role="alert">{error}</p>
      <Link to="/sign-in" search={{ next: undefined }}>
        Sign in again
      </Link>
    </section>
  );
}
