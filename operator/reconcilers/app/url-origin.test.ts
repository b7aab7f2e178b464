import { describe, expect, it } from "vitest";
import type { AppSpec } from "../../../crds/app.ts";
import type { KubeObject } from "../../../kube/types.ts";
import { appUrls } from "./desired.ts";
import { originOf, urlOrigin } from "./url-origin.ts";

const gatewayWith = (...listeners: { name: string; port: number; protocol: string }[]): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "public", namespace: "gateways" },
  spec: { gatewayClassName: "eg", listeners },
});
const ref = (sectionName?: string) => ({
  name: "public",
  namespace: "gateways",
  ...(sectionName ? { sectionName } : {}),
});
const HTTP = { name: "http", port: 80, protocol: "HTTP" };
const HTTPS = { name: "https", port: 443, protocol: "HTTPS" };

describe("urlOrigin", () => {
  it("follows the listener the Profile names: http on an HTTP listener, https on an HTTPS one", () => {
    const both = gatewayWith(HTTP, HTTPS);
    expect(urlOrigin(ref("http"), both)).toEqual({ secure: false });
    expect(urlOrigin(ref("https"), both)).toEqual({ secure: true });
  });

  it("takes TLS when the route attaches to every listener and one terminates it, plain when none does", () => {
    expect(urlOrigin(ref(), gatewayWith(HTTP, HTTPS))).toEqual({ secure: true });
    expect(urlOrigin(ref(), gatewayWith(HTTP))).toEqual({ secure: false });
    expect(urlOrigin(ref(), gatewayWith({ name: "tls", port: 443, protocol: "TLS" }))).toEqual({ secure: true });
  });

  it("keeps a port that is not the scheme's own", () => {
    expect(urlOrigin(ref(), gatewayWith({ name: "web", port: 8080, protocol: "HTTP" }))).toEqual({
      secure: false,
      port: 8080,
    });
    expect(urlOrigin(ref(), gatewayWith({ name: "web", port: 8443, protocol: "HTTPS" }))).toEqual({
      secure: true,
      port: 8443,
    });
    // 443 is https's own port, not http's: a plain listener there keeps it.
    expect(urlOrigin(ref(), gatewayWith({ name: "odd", port: 443, protocol: "HTTP" }))).toEqual({
      secure: false,
      port: 443,
    });
  });

  it("says https when the Gateway or the named listener cannot be seen", () => {
    expect(urlOrigin(ref("https"), undefined)).toEqual({ secure: true });
    expect(urlOrigin(ref("missing"), gatewayWith(HTTP))).toEqual({ secure: true });
    expect(urlOrigin(ref(), gatewayWith({ name: "tcp", port: 5432, protocol: "TCP" }))).toEqual({ secure: true });
  });
});

describe("the App's URLs", () => {
  const spec = { profile: "dev", image: "registry.example.com/acme/web:1" } as AppSpec;

  it("use the origin for HTTP and gRPC hostnames alike", () => {
    const routes = { http: ["web-acme.apps.example.com"], grpc: ["rpc-acme.apps.example.com"] };
    expect(appUrls(routes, spec, { secure: false })).toEqual([
      "http://web-acme.apps.example.com",
      "grpc://rpc-acme.apps.example.com",
    ]);
    expect(appUrls(routes, spec, { secure: true, port: 8443 })).toEqual([
      "https://web-acme.apps.example.com:8443",
      "grpcs://rpc-acme.apps.example.com:8443",
    ]);
    expect(originOf("http", "a.example.com", { secure: true })).toBe("https://a.example.com");
  });

  it("put the first path prefix after the port", () => {
    const prefixed = { ...spec, routes: { http: { pathPrefixes: ["/shop"] } } } as AppSpec;
    expect(appUrls({ http: ["web.example.com"], grpc: [] }, prefixed, { secure: false, port: 8080 })).toEqual([
      "http://web.example.com:8080/shop",
    ]);
  });
});
