import { describe, expect, it } from "vitest";
import { ConfigError, loadOperatorConfig } from "./config.ts";

describe("loadOperatorConfig", () => {
  it("takes defaults, then environment variables, then flags", () => {
    expect(loadOperatorConfig([], {})).toMatchObject({
      leaderElect: true,
      leaderElectionNamespace: "loco-system",
      healthAddress: { host: "0.0.0.0", port: 8081 },
      concurrency: 8,
      resync: 600_000,
    });
    expect(loadOperatorConfig([], { POD_NAMESPACE: "ops", LOCO_CONCURRENCY: "3" })).toMatchObject({
      leaderElectionNamespace: "ops",
      concurrency: 3,
    });
    expect(
      loadOperatorConfig(["--no-leader-elect", "--concurrency", "5", "--resync", "30s"], { LOCO_CONCURRENCY: "3" }),
    ).toMatchObject({ leaderElect: false, concurrency: 5, resync: 30_000 });
  });

  it("names the flag and the fix for a bad value", () => {
    expect(() => loadOperatorConfig(["--health-address", "8081"], {})).toThrow(/--health-address: must be host:port/);
    expect(() => loadOperatorConfig(["--resync", "ten minutes"], {})).toThrow(/--resync: must be a duration/);
    expect(() => loadOperatorConfig(["--lease-duration", "5s", "--renew-deadline", "10s"], {})).toThrow(
      /lease-duration > renew-deadline/,
    );
  });

  it("bounds Pipeline and Run timeouts, 5m to 8h unless a platform admin says otherwise", () => {
    expect(loadOperatorConfig([], {})).toMatchObject({ minTimeout: 300_000, maxTimeout: 28_800_000 });
    expect(loadOperatorConfig(["--max-timeout", "24h"], { LOCO_MIN_TIMEOUT: "1m" })).toMatchObject({
      minTimeout: 60_000,
      maxTimeout: 86_400_000,
    });
    expect(() => loadOperatorConfig(["--min-timeout", "2h", "--max-timeout", "1h"], {})).toThrow(
      /min-timeout <= max-timeout/,
    );
  });

  it("holds triggers to a 1m minimum and reconciles to a 60s budget unless a platform admin says otherwise", () => {
    expect(loadOperatorConfig([], {})).toMatchObject({ minTriggerInterval: 60_000, reconcileTimeout: 60_000 });
    expect(loadOperatorConfig(["--min-trigger-interval", "5m"], { LOCO_RECONCILE_TIMEOUT: "2m" })).toMatchObject({
      minTriggerInterval: 300_000,
      reconcileTimeout: 120_000,
    });
    expect(() => loadOperatorConfig(["--min-trigger-interval", "0s"], {})).toThrow(
      /--min-trigger-interval: must be at least 1s/,
    );
    expect(() => loadOperatorConfig(["--reconcile-timeout", "10ms"], {})).toThrow(
      /--reconcile-timeout: must be at least 1s/,
    );
  });

  it("allows no pod annotations unless a platform admin lists them", () => {
    expect(loadOperatorConfig([], {}).allowedPodAnnotations).toEqual([]);
    expect(
      loadOperatorConfig(["--allowed-pod-annotations", "sidecar.istio.io/inject, example.com/*"], {})
        .allowedPodAnnotations,
    ).toEqual(["sidecar.istio.io/inject", "example.com/*"]);
    expect(() => loadOperatorConfig([], { LOCO_ALLOWED_POD_ANNOTATIONS: "*" })).toThrow(
      /--allowed-pod-annotations: .*prefix ending in \*/,
    );
  });

  it("keeps 1Mi of each task attempt's log unless told otherwise, and refuses sizes it cannot use", () => {
    expect(loadOperatorConfig([], {}).taskLogLimit).toBe(1024 * 1024);
    expect(loadOperatorConfig(["--task-log-limit", "256Ki"], {}).taskLogLimit).toBe(256 * 1024);
    expect(loadOperatorConfig([], { LOCO_TASK_LOG_LIMIT: "4096" }).taskLogLimit).toBe(4096);
    expect(() => loadOperatorConfig(["--task-log-limit", "1MB"], {})).toThrow(/--task-log-limit: must be a size/);
    expect(() => loadOperatorConfig(["--task-log-limit", "12"], {})).toThrow(/--task-log-limit: must be at least 1Ki/);
  });

  it("takes the OTLP endpoint from --otlp-endpoint over OTEL_EXPORTER_OTLP_ENDPOINT; off when neither is set", () => {
    expect(loadOperatorConfig([], {}).otlpEndpoint).toBeUndefined();
    expect(loadOperatorConfig([], { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlpEndpoint).toBe(
      "http://collector:4318",
    );
    expect(
      loadOperatorConfig(["--otlp-endpoint", "https://o2.example.com/api/default"], {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      }).otlpEndpoint,
    ).toBe("https://o2.example.com/api/default");
    expect(() => loadOperatorConfig(["--otlp-endpoint", "collector:4318"], {})).toThrow(/--otlp-endpoint: must be/);
  });

  it("answers --help with the usage text and exit code 0", () => {
    expect(() => loadOperatorConfig(["--help"], {})).toThrow(
      expect.objectContaining({ exitCode: 0, message: expect.stringMatching(/^Usage: loco-operator/) }),
    );
  });

  it("rejects unknown flags with the usage text", () => {
    expect(() => loadOperatorConfig(["--frobnicate"], {})).toThrow(ConfigError);
    expect(() => loadOperatorConfig(["--frobnicate"], {})).toThrow(/Usage: loco-operator/);
  });
});
