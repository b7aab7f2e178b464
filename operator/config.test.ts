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
