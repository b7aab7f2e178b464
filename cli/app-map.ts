// `loco map`: a tenant's apps grouped by profile and project, with their status and URL, and which apps
// discover which. Discovery follows the operator's rule (operator/reconcilers/app/app-world.ts): an App of a
// project gets LOCO_<OTHER>_URL for every other App of the same project in the same namespace that has a port.
// Pure: the API's app views in, the map and its lines out.
import { discoveryVariable } from "../crds/app-names.ts";
import type { AppView } from "./client/api-client.ts";

export interface MapApp {
  name: string;
  ready: string;
  reason: string | null;
  url: string | null;
  deploymentId: string | null;
  /** Apps this one reaches through LOCO_<APP>_URL. */
  discovers: { app: string; variable: string }[];
  /** Apps that reach this one. */
  discoveredBy: string[];
}

export interface AppMap {
  tenant: string;
  profiles: {
    profile: string;
    namespace: string;
    projects: { project: string | null; apps: MapApp[] }[];
  }[];
}

interface Spec {
  project?: string;
  ports?: { port?: number }[];
}

const byName =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a).localeCompare(key(b));

export function buildAppMap(tenant: string, apps: readonly AppView[]): AppMap {
  const profiles = [...new Set(apps.map((a) => a.profile))].sort();
  return {
    tenant,
    profiles: profiles.map((profile) => {
      const inProfile = apps.filter((a) => a.profile === profile);
      const projectOf = (a: AppView) => (a.spec as Spec).project ?? null;
      const projects = [...new Set(inProfile.map(projectOf))].sort((a, b) =>
        a === null ? 1 : b === null ? -1 : a.localeCompare(b),
      );
      return {
        profile,
        namespace: inProfile[0]?.namespace ?? "",
        projects: projects.map((project) => {
          const members = inProfile.filter((a) => projectOf(a) === project && project !== null);
          const reachable = members.filter((a) => (a.spec as Spec).ports?.[0]?.port !== undefined);
          return {
            project,
            apps: inProfile
              .filter((a) => projectOf(a) === project)
              .sort(byName((a) => a.name))
              .map((app) => {
                const view = app as AppView & { url?: string | null; deploymentId?: string | null };
                const inProject = project !== null;
                return {
                  name: app.name,
                  ready: app.ready,
                  reason: app.reason,
                  url: view.url ?? app.status.url ?? null,
                  deploymentId: view.deploymentId ?? app.status.deploymentId ?? null,
                  discovers: inProject
                    ? reachable
                        .filter((other) => other.name !== app.name)
                        .sort(byName((a) => a.name))
                        .map((other) => ({ app: other.name, variable: discoveryVariable(other.name) }))
                    : [],
                  discoveredBy:
                    inProject && reachable.some((r) => r.name === app.name)
                      ? members
                          .filter((other) => other.name !== app.name)
                          .map((other) => other.name)
                          .sort()
                      : [],
                };
              }),
          };
        }),
      };
    }),
  };
}

const mark = (ready: string) => (ready === "True" ? "✓" : ready === "False" ? "✗" : "…");
const statusText = (app: MapApp) =>
  app.ready === "True"
    ? "Ready"
    : `${app.ready === "False" ? "NotReady" : "Pending"}${app.reason ? ` (${app.reason})` : ""}`;

/** The map as a tree: tenant, profiles, projects, apps, and under each app whom it discovers. */
export function renderAppMap(map: AppMap): string[] {
  const lines = [map.tenant];
  if (map.profiles.length === 0) return [...lines, "└── (no apps)"];
  map.profiles.forEach((profile, p) => {
    const lastProfile = p === map.profiles.length - 1;
    lines.push(`${lastProfile ? "└── " : "├── "}${profile.profile} (${profile.namespace})`);
    const indent1 = lastProfile ? "    " : "│   ";
    profile.projects.forEach((project, j) => {
      const lastProject = j === profile.projects.length - 1;
      lines.push(`${indent1}${lastProject ? "└── " : "├── "}${project.project ?? "(no project)"}`);
      const indent2 = indent1 + (lastProject ? "    " : "│   ");
      project.apps.forEach((app, k) => {
        const lastApp = k === project.apps.length - 1;
        lines.push(
          `${indent2}${lastApp ? "└── " : "├── "}${mark(app.ready)} ${app.name}  ${statusText(app)}${app.url ? `  ${app.url}` : ""}`,
        );
        const indent3 = indent2 + (lastApp ? "    " : "│   ");
        app.discovers.forEach((d, m) => {
          lines.push(`${indent3}${m === app.discovers.length - 1 ? "└── " : "├── "}→ ${d.app} (${d.variable})`);
        });
      });
    });
  });
  return lines;
}
