// What `npm run cluster:status` reports: every process the local platform runs, with its PID, address and health.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type ControlPlaneState, clientCertificates, httpsStatus } from "./control-plane.ts";
import { processAlive } from "./processes.ts";

export interface ComponentStatus {
  name: string;
  pid: number;
  url: string;
  healthy: boolean;
  /** "healthy", or why not, as a short phrase ("process 123 has exited", "/readyz answered 500"). */
  health: string;
}

interface Component {
  name: string;
  /** Its name in the state's pids and ports; `pid` when its process is another component's (one process hosts several). */
  key: string;
  pid?: string;
  url: (state: ControlPlaneState) => string;
  /** The health path, checked on `url` (or on `probe` when the component has no address of its own). */
  path: string;
  probe?: (state: ControlPlaneState) => string;
  /** Off for kube-controller-manager and kube-scheduler: they serve with certificates they made themselves. */
  verify: boolean;
}

const local = (port: number | undefined, scheme = "https") => `${scheme}://127.0.0.1:${port ?? 0}`;

/** In start order; the operator is there only when `npm start` started one. */
const components: Component[] = [
  { name: "etcd", key: "etcd", url: (s) => local(s.ports.etcdClient, "http"), path: "/health", verify: true },
  { name: "kube-apiserver", key: "kubeApiserver", url: (s) => s.server, path: "/readyz", verify: true },
  {
    name: "kube-controller-manager",
    key: "kubeControllerManager",
    url: (s) => local(s.ports.controllerManager),
    path: "/healthz",
    verify: false,
  },
  {
    name: "kube-scheduler",
    key: "kubeScheduler",
    url: (s) => local(s.ports.scheduler),
    path: "/healthz",
    verify: false,
  },
  { name: "kwok", key: "kwok", url: (s) => local(s.ports.kwok), path: "/healthz", verify: true },
  // The local OpenID Provider and the platform process (operator, API and database in one), from `npm start`.
  {
    name: "oidc-provider",
    key: "locoOidc",
    url: (s) => local(s.ports.locoOidc, "http"),
    path: "/healthz",
    verify: false,
  },
  {
    name: "loco-operator",
    key: "locoOperator",
    pid: "locoPlatform",
    url: (s) => local(s.ports.locoOperator, "http"),
    path: "/healthz",
    verify: false,
  },
  {
    name: "loco-api",
    key: "locoApi",
    pid: "locoPlatform",
    url: (s) => local(s.ports.locoApi, "http"),
    path: "/readyz",
    verify: false,
  },
  {
    // Embedded in the platform process; the API's readiness probes it with a query.
    name: "database",
    key: "database",
    pid: "locoPlatform",
    url: databaseOf,
    probe: (s) => local(s.ports.locoApi, "http"),
    path: "/readyz",
    verify: false,
  },
];

/** The platform's folder: `platform/` beside the cluster's (`.loco/platform` for `.loco/cluster`). */
export const platformDirOf = (dir: string) => join(dirname(dir), "platform");

/** Where the platform keeps its data, as its report says. */
function databaseOf(state: ControlPlaneState): string {
  const report = join(platformDirOf(state.dir), "platform.json");
  if (!existsSync(report)) return "(unknown until the platform starts)";
  return (JSON.parse(readFileSync(report, "utf8")) as { database?: string }).database ?? "(unknown)";
}

async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  return response?.status ?? 0;
}

async function check(state: ControlPlaneState, component: Component): Promise<ComponentStatus> {
  const pid = state.pids[component.pid ?? component.key] ?? 0;
  const url = component.url(state);
  const report = (healthy: boolean, health: string) => ({ name: component.name, pid, url, healthy, health });
  if (!processAlive(pid)) return report(false, `process ${pid} has exited`);
  const target = `${component.probe?.(state) ?? url}${component.path}`;
  const code = url.startsWith("https:")
    ? await httpsStatus(target, clientCertificates(state.dir), component.verify)
    : await httpStatus(target);
  if (code === 200) return report(true, "healthy");
  return report(false, code === 0 ? `${component.path} is not answering` : `${component.path} answered ${code}`);
}

/** Checks every recorded component (or those of `keys`, e.g. "locoOperator") at once; each gives up after 2 s. */
export function componentStatuses(state: ControlPlaneState, keys?: string[]): Promise<ComponentStatus[]> {
  const wanted = components.filter(
    (c) => (c.pid ?? c.key) in state.pids && (keys === undefined || keys.includes(c.key)),
  );
  return Promise.all(wanted.map((c) => check(state, c)));
}

/** A table for a terminal: one line per component. */
export function formatStatuses(statuses: ComponentStatus[]): string {
  const header = ["COMPONENT", "PID", "URL", "HEALTH"];
  const rows = [header, ...statuses.map((s) => [s.name, String(s.pid), s.url, s.health])];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
