import { describe, expect, it } from "vitest";
import { buildAppMap, renderAppMap } from "./app-map.ts";
import type { AppView } from "./client/api-client.ts";

const app = (name: string, profile: string, spec: Record<string, unknown>, ready = "True", url?: string): AppView => ({
  name,
  tenant: "acme",
  profile,
  namespace: `acme-${profile}`,
  ready: ready as AppView["ready"],
  reason: ready === "True" ? null : "ProgressDeadlineExceeded",
  message: null,
  lost: false,
  spec: { profile, image: "x", ...spec },
  status: url ? { url } : {},
});

describe("loco map", () => {
  const apps = [
    app("web", "dev", { project: "shop", ports: [{ port: 8080 }] }, "True", "https://web-acme.dev.example.com"),
    app("api", "dev", { project: "shop", ports: [{ port: 9090 }] }),
    app("worker", "dev", { project: "shop" }, "False"),
    app("solo", "dev", { ports: [{ port: 80 }] }),
    app("web", "prod", { project: "shop", ports: [{ port: 8080 }] }),
  ];

  it("groups by profile and project, and links apps that discover each other (same project, with a port)", () => {
    const map = buildAppMap("acme", apps);
    expect(map.profiles.map((p) => p.profile)).toEqual(["dev", "prod"]);
    const dev = map.profiles[0]!;
    expect(dev.projects.map((p) => p.project)).toEqual(["shop", null]);
    const shop = Object.fromEntries(dev.projects[0]!.apps.map((a) => [a.name, a]));
    expect(shop.web!.discovers).toEqual([{ app: "api", variable: "LOCO_API_URL" }]);
    expect(shop.worker!.discovers.map((d) => d.app)).toEqual(["api", "web"]);
    expect(shop.api!.discoveredBy).toEqual(["web", "worker"]);
    expect(shop.worker!.discoveredBy).toEqual([]); // no port: nobody gets LOCO_WORKER_URL
    expect(dev.projects[1]!.apps[0]!.discovers).toEqual([]); // no project: no discovery
    // Another profile is another namespace: prod's web discovers nothing of dev.
    expect(map.profiles[1]!.projects[0]!.apps[0]!.discovers).toEqual([]);
  });

  it("draws the tree with status, URL and discovery links", () => {
    expect(renderAppMap(buildAppMap("acme", apps))).toEqual([
      "acme",
      "├── dev (acme-dev)",
      "│   ├── shop",
      "│   │   ├── ✓ api  Ready",
      "│   │   │   └── → web (LOCO_WEB_URL)",
      "│   │   ├── ✓ web  Ready  https://web-acme.dev.example.com",
      "│   │   │   └── → api (LOCO_API_URL)",
      "│   │   └── ✗ worker  NotReady (ProgressDeadlineExceeded)",
      "│   │       ├── → api (LOCO_API_URL)",
      "│   │       └── → web (LOCO_WEB_URL)",
      "│   └── (no project)",
      "│       └── ✓ solo  Ready",
      "└── prod (acme-prod)",
      "    └── shop",
      "        └── ✓ web  Ready",
    ]);
    expect(renderAppMap(buildAppMap("acme", []))).toEqual(["acme", "└── (no apps)"]);
  });
});
