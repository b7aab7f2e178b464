// The frame of every page: a skip link, the tenant's navigation, who is signed in, sign-out, and the page itself.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import type { WhoAmI } from "../../../api/contract.ts";
import { api } from "../api.ts";
import { clearSession, readSession } from "../session.ts";

export function Layout() {
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const tenant = /^\/tenants\/([^/]+)/.exec(pathname)?.[1];
  const signedIn = readSession() !== undefined;
  // After moving to another page, keyboard and screen-reader users start at its content, not at the top bar.
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each change of page.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [pathname]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          loco
        </Link>
        {signedIn && tenant && <TenantNav tenant={decodeURIComponent(tenant)} />}
        {signedIn && <Who />}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

function TenantNav({ tenant }: { tenant: string }) {
  return (
    <nav aria-label="Tenant">
      <ul>
        <li>
          <Link to="/tenants/$tenant" params={{ tenant }} activeOptions={{ exact: true }}>
            Overview
          </Link>
        </li>
        <li>
          <Link to="/tenants/$tenant/pipelines" params={{ tenant }}>
            Pipelines and Runs
          </Link>
        </li>
        <li>
          <Link to="/tenants/$tenant/audit" params={{ tenant }}>
            Audit log
          </Link>
        </li>
        <li>
          <Link to="/tenants/$tenant/members" params={{ tenant }}>
            Members
          </Link>
        </li>
        <li>
          <Link to="/tenants/$tenant/tokens" params={{ tenant }}>
            API tokens
          </Link>
        </li>
      </ul>
    </nav>
  );
}

function Who() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const who = useQuery({ queryKey: ["whoami"], queryFn: () => api<WhoAmI>("/v1/whoami") });
  const signOut = () => {
    clearSession();
    queryClient.clear();
    void navigate({ to: "/sign-in", search: { next: undefined } });
  };
  return (
    <div className="who">
      {who.data && (
        <span>
          Signed in as <strong>{who.data.subject}</strong>
          {who.data.via === "token" ? " (API token)" : ""}
        </span>
      )}
      <button type="button" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

export function NotFoundPage() {
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no such page in the console.</p>
      <Link to="/">Go to your tenants</Link>
    </section>
  );
}
