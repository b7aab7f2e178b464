import { describe, expect, it } from "vitest";
import { ConfigError, loadApiConfig } from "./config.ts";

describe("loadApiConfig", () => {
  it("has safe defaults", () => {
    const config = loadApiConfig([], {});
    expect(config).toMatchObject({
      address: { host: "0.0.0.0", port: 8080 },
      bodyLimit: 1024 * 1024,
      requestTimeout: 30_000,
      maxPageSize: 500,
      oidcAlgorithms: ["RS256", "ES256", "EdDSA"],
      platformAdmins: [],
      tenantQuota: { "requests.cpu": "16", "requests.memory": "32Gi", pods: "200" },
      tenantDefaultRequests: { cpu: "100m", memory: "128Mi" },
      bootstrap: true,
    });
  });

  it("takes flags over environment variables", () => {
    const config = loadApiConfig(["--platform-admins", "alice, bob", "--object-labels", "loco.dev/shard=a"], {
      LOCO_PLATFORM_ADMINS: "carol",
      LOCO_OIDC_ISSUER: "https://login.example.com",
      LOCO_OIDC_AUDIENCE: "loco",
    });
    expect(config.platformAdmins).toEqual(["alice", "bob"]);
    expect(config.objectLabels).toEqual({ "loco.dev/shard": "a" });
    expect(config.oidcIssuer).toBe("https://login.example.com");
  });

  it("turns telemetry on only when asked: an OTLP endpoint, a separate metrics listener", () => {
    expect(loadApiConfig([], {})).toMatchObject({ otlpEndpoint: undefined, metricsAddress: undefined });
    const config = loadApiConfig(["--metrics-address", "0.0.0.0:9464"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    });
    expect(config.otlpEndpoint).toBe("http://collector:4318");
    expect(config.metricsAddress).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(loadApiConfig([], { LOCO_API_METRICS_ADDRESS: "127.0.0.1:9090" }).metricsAddress?.port).toBe(9090);
    expect(() => loadApiConfig(["--otlp-endpoint", "collector:4318"], {})).toThrow(/--otlp-endpoint/);
  });

  it("reads the metrics query API, its rate window and its Authorization header (from the environment only)", () => {
    expect(loadApiConfig([], {})).toMatchObject({ metricsUrl: undefined, metricsRateWindow: 120_000 });
    const config = loadApiConfig(["--metrics-url", "http://prometheus:9090", "--metrics-rate-window", "1m"], {
      LOCO_API_METRICS_AUTHORIZATION: "Basic YTpi",
    });
    expect(config).toMatchObject({
      metricsUrl: "http://prometheus:9090",
      metricsRateWindow: 60_000,
      metricsAuthorization: "Basic YTpi",
    });
    expect(loadApiConfig([], { LOCO_API_METRICS_URL: "https://o2.example.com/api/acme/prometheus" }).metricsUrl).toBe(
      "https://o2.example.com/api/acme/prometheus",
    );
    expect(() => loadApiConfig(["--metrics-url", "prometheus:9090"], {})).toThrow(/--metrics-url/);
    expect(() => loadApiConfig(["--metrics-rate-window", "500ms"], {})).toThrow(/--metrics-rate-window/);
  });

  it("accepts an http:// issuer only on a loopback host, naming the flag and saying to use https", () => {
    for (const issuer of [
      "http://127.0.0.1:8081",
      "http://localhost:5556/dex",
      "http://[::1]:9000",
      "http://127.1.2.3",
    ]) {
      expect(loadApiConfig(["--oidc-issuer", issuer, "--oidc-audience", "loco"], {}).oidcIssuer).toBe(issuer);
    }
    for (const issuer of ["http://login.example.com", "http://10.0.0.7:8080", "http://localhost.example.com"]) {
      expect(() => loadApiConfig(["--oidc-issuer", issuer, "--oidc-audience", "loco"], {})).toThrow(
        /--oidc-issuer: must use https:\/\/ \(plain http:\/\/ is accepted only for a loopback host/,
      );
    }
    expect(() =>
      loadApiConfig([], { LOCO_OIDC_ISSUER: "http://login.example.com", LOCO_OIDC_AUDIENCE: "loco" }),
    ).toThrow(/--oidc-issuer: must use https/);
  });

  it("names every invalid flag", () => {
    expect(() => loadApiConfig(["--oidc-algorithms", "none", "--body-limit", "lots"], {})).toThrow(
      /--oidc-algorithms[\s\S]*--body-limit/,
    );
    expect(() => loadApiConfig(["--oidc-issuer", "https://x.example.com"], {})).toThrow(/--oidc-audience/);
    try {
      loadApiConfig(["--body-limit", "lots"], {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/--body-limit: must be a size/);
    }
  });

  it("binds the API's tenant ClusterRole to its ServiceAccount only when given both", () => {
    expect(loadApiConfig([], {}).apiAccess).toBeUndefined();
    const config = loadApiConfig(["--tenant-role", "loco-api-tenant", "--service-account", "loco-system/loco-api"], {});
    expect(config.apiAccess).toEqual({
      clusterRole: "loco-api-tenant",
      serviceAccount: { namespace: "loco-system", name: "loco-api" },
    });
    expect(() => loadApiConfig(["--tenant-role", "loco-api-tenant"], {})).toThrow(/--service-account: needs/);
    expect(() => loadApiConfig(["--tenant-role", "r", "--service-account", "loco-api"], {})).toThrow(
      /--service-account: must be/,
    );
  });
});
