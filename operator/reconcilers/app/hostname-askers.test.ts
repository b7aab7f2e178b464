import { describe, expect, it } from "vitest";
import { LABEL_TENANT } from "../../../crds/app-names.ts";
import { type KubeObject, keyOf } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { InformerHandlers } from "../../runtime/informer.ts";
import { HostnameAskers } from "./hostname-askers.ts";
import { NAMESPACE_INDEX, namespaceIndex, PROFILE_INDEX, profileIndex } from "./indexes.ts";

/** The part of an informer the index reads, over a plain map: the store and handlers, with two of its indexes. */
class Store {
  readonly objects = new Map<string, KubeObject>();
  private readonly handlers: InformerHandlers<KubeObject>[] = [];
  addHandlers(handlers: InformerHandlers<KubeObject>) {
    this.handlers.push(handlers);
  }
  get(key: string) {
    return this.objects.get(key);
  }
  byIndex(name: string, value: string) {
    const fn = name === PROFILE_INDEX ? profileIndex : name === NAMESPACE_INDEX ? namespaceIndex : undefined;
    return [...this.objects.values()].filter((o) => fn?.(o).includes(value));
  }
  upsert(object: KubeObject) {
    const previous = this.objects.get(keyOf(object));
    this.objects.set(keyOf(object), object);
    for (const h of this.handlers) h.onUpsert?.(object, previous);
  }
  remove(object: KubeObject) {
    this.objects.delete(keyOf(object));
    for (const h of this.handlers) h.onDelete?.(object);
  }
}

const profile = (baseDomain: string, generation = 1): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "Profile",
  metadata: { name: "prod", generation },
  spec: {
    baseDomain,
    gateway: { name: "public", namespace: "gateways" },
    hostnameTemplate: "{app}-{tenant}.{baseDomain}",
  },
});
const namespace = (name: string, tenant: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { [LABEL_TENANT]: tenant } },
});
const app = (namespaceName: string, name: string, hostnames?: string[], generation?: number): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name, namespace: namespaceName, ...(generation === undefined ? {} : { generation }) },
  spec: {
    profile: "prod",
    image: "registry.example.com/shop:1",
    ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
    ...(hostnames ? { routes: { http: { hostnames } } } : {}),
  },
});

function world() {
  const caches = { apps: new Store(), profiles: new Store(), namespaces: new Store() };
  const askers = new HostnameAskers(caches as unknown as Pick<WorldCaches, "apps" | "profiles" | "namespaces">);
  const of = (host: string) => [...askers.askers(host)].sort();
  return { ...caches, of };
}

describe("HostnameAskers", () => {
  it("names every App that asks for a hostname, and follows their changes and deletions", () => {
    const { apps, profiles, namespaces, of } = world();
    profiles.upsert(profile("apps.example.com"));
    namespaces.upsert(namespace("acme-prod", "acme"));
    namespaces.upsert(namespace("globex-prod", "globex"));
    const inside = app("acme-prod", "inside", ["shop.example.org"]);
    apps.upsert(inside);
    apps.upsert(app("globex-prod", "copycat", ["shop.example.org"]));
    apps.upsert(app("acme-prod", "api"));
    expect(of("shop.example.org")).toEqual(["acme-prod/inside", "globex-prod/copycat"]);
    expect(of("api-acme.apps.example.com")).toEqual(["acme-prod/api"]);

    apps.upsert(app("globex-prod", "copycat", ["other.example.org"]));
    expect(of("shop.example.org")).toEqual(["acme-prod/inside"]);
    expect(of("other.example.org")).toEqual(["globex-prod/copycat"]);
    apps.remove(inside);
    expect(of("shop.example.org")).toEqual([]);
  });

  it("follows the Profile's base domain and the namespace's tenant, which make the default hostname", () => {
    const { apps, profiles, namespaces, of } = world();
    // The App arrives before its Profile (separate watches): it asks for nothing until the Profile is there.
    apps.upsert(app("acme-prod", "api"));
    expect(of("api-acme.apps.example.com")).toEqual([]);
    namespaces.upsert(namespace("acme-prod", "acme"));
    profiles.upsert(profile("apps.example.com"));
    expect(of("api-acme.apps.example.com")).toEqual(["acme-prod/api"]);

    profiles.upsert(profile("apps.example.net", 2));
    expect(of("api-acme.apps.example.com")).toEqual([]);
    expect(of("api-acme.apps.example.net")).toEqual(["acme-prod/api"]);

    namespaces.upsert(namespace("acme-prod", "initech"));
    expect(of("api-initech.apps.example.net")).toEqual(["acme-prod/api"]);
    expect(of("api-acme.apps.example.net")).toEqual([]);

    profiles.remove(profile("apps.example.net", 2));
    expect(of("api-initech.apps.example.net")).toEqual([]);
  });

  it("recomputes an App's hostnames for a new generation, not for a status write", () => {
    const { apps, profiles, namespaces, of } = world();
    profiles.upsert(profile("apps.example.com"));
    namespaces.upsert(namespace("acme-prod", "acme"));
    apps.upsert(app("acme-prod", "shop", ["shop.example.org"], 1));
    // A status write keeps the generation. (The apiserver never changes a spec without a new generation; this one
    // does, so that the test can tell a recomputation from none.)
    apps.upsert({ ...app("acme-prod", "shop", ["elsewhere.example.org"], 1), status: { observedGeneration: 1 } });
    expect(of("shop.example.org")).toEqual(["acme-prod/shop"]);
    expect(of("elsewhere.example.org")).toEqual([]);
    apps.upsert(app("acme-prod", "shop", ["elsewhere.example.org"], 2));
    expect(of("shop.example.org")).toEqual([]);
    expect(of("elsewhere.example.org")).toEqual(["acme-prod/shop"]);
  });
});
