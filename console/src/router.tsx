// The console's pages and their URLs. Tenant pages live under /tenants/<tenant>/…, the same URLs `loco open
// dashboard` and `loco open logs` build; the API serves index.html for each of them.
import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext, createRoute, createRouter, redirect } from "@tanstack/react-router";
import { Layout, NotFoundPage } from "./components/layout.tsx";
import { AppPage } from "./pages/app.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { CallbackPage } from "./pages/callback.tsx";
import { LogsPage } from "./pages/logs.tsx";
import { MembersPage } from "./pages/members.tsx";
import { METRICS_RANGES, MetricsPage, type MetricsRange } from "./pages/metrics.tsx";
import { OverviewPage } from "./pages/overview.tsx";
import { PipelinesPage } from "./pages/pipelines.tsx";
import { RunPage } from "./pages/run.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { TenantsPage } from "./pages/tenants.tsx";
import { TokensPage } from "./pages/tokens.tsx";
import { readSession } from "./session.ts";

/** Pages that need a credential: without one, sign in first and come back here. */
function requireSession({ location }: { location: { href: string } }) {
  if (!readSession()) throw redirect({ to: "/sign-in", search: { next: location.href } });
}

const profileSearch = (search: Record<string, unknown>) => ({
  profile: typeof search.profile === "string" ? search.profile : "",
});

const root = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Layout,
  notFoundComponent: NotFoundPage,
});

const tenants = createRoute({
  getParentRoute: () => root,
  path: "/",
  beforeLoad: requireSession,
  component: TenantsPage,
});
export const signIn = createRoute({
  getParentRoute: () => root,
  path: "/sign-in",
  validateSearch: (search: Record<string, unknown>) => ({
    next: typeof search.next === "string" ? search.next : undefined,
  }),
  component: SignInPage,
});
const callback = createRoute({ getParentRoute: () => root, path: "/auth/callback", component: CallbackPage });
export const overview = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant",
  beforeLoad: requireSession,
  component: OverviewPage,
});
export const app = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/apps/$app",
  validateSearch: profileSearch,
  beforeLoad: requireSession,
  component: AppPage,
});
export const logs = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/apps/$app/logs",
  validateSearch: profileSearch,
  beforeLoad: requireSession,
  component: LogsPage,
});
export const metrics = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/apps/$app/metrics",
  validateSearch: (search: Record<string, unknown>) => ({
    ...profileSearch(search),
    range: (METRICS_RANGES as readonly unknown[]).includes(search.range) ? (search.range as MetricsRange) : "1h",
  }),
  beforeLoad: requireSession,
  component: MetricsPage,
});
export const pipelines = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/pipelines",
  beforeLoad: requireSession,
  component: PipelinesPage,
});
export const run = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/runs/$run",
  validateSearch: profileSearch,
  beforeLoad: requireSession,
  component: RunPage,
});
export const audit = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/audit",
  beforeLoad: requireSession,
  component: AuditPage,
});

export const members = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/members",
  beforeLoad: requireSession,
  component: MembersPage,
});
export const tokens = createRoute({
  getParentRoute: () => root,
  path: "/tenants/$tenant/tokens",
  beforeLoad: requireSession,
  component: TokensPage,
});

const routeTree = root.addChildren([
  tenants,
  signIn,
  callback,
  overview,
  app,
  logs,
  metrics,
  pipelines,
  run,
  audit,
  members,
  tokens,
]);

export const router = createRouter({
  routeTree,
  context: { queryClient: undefined as unknown as QueryClient },
  defaultPreload: "intent",
  scrollRestoration: true,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
