import { describe, expect, it } from "vitest";
import { releaseChanges } from "./release-changes.ts";

const spec = (extra: Record<string, unknown> = {}) => ({
  profile: "dev",
  image: "registry.example.com/acme/web:1",
  env: [{ name: "LOG_LEVEL", value: "info" }],
  secretEnv: [{ name: "DB_PASSWORD", secretKey: "DB_PASSWORD" }],
  ...extra,
});
const V1 = "01JD6Z7Q5V8K2M4N6P8R0T2W4Y";
const V2 = "01JD6Z7Q5V8K2M4N6P8R0T2W5Z";

describe("releaseChanges", () => {
  it("names a new secret version as a changed secret, never its value", () => {
    const changes = releaseChanges(
      { spec: spec(), secrets: { DB_PASSWORD: V1 } },
      { spec: spec(), secrets: { DB_PASSWORD: V2 } },
    );
    expect(changes).toEqual({ secrets: { added: [], removed: [], changed: ["DB_PASSWORD"] } });
  });

  it("lists image, env names, replicas and other fields", () => {
    const changes = releaseChanges(
      { spec: spec(), secrets: { DB_PASSWORD: V1 } },
      {
        spec: spec({
          image: "registry.example.com/acme/web:2",
          env: [
            { name: "LOG_LEVEL", value: "debug" },
            { name: "NEW", value: "x" },
          ],
          secretEnv: undefined,
          replicas: 3,
          resources: { cpu: "1" },
        }),
        secrets: {},
      },
    );
    expect(changes).toEqual({
      image: { before: "registry.example.com/acme/web:1", after: "registry.example.com/acme/web:2" },
      env: { added: ["NEW"], removed: [], changed: ["LOG_LEVEL"] },
      secrets: { added: [], removed: ["DB_PASSWORD"], changed: [] },
      replicas: { before: null, after: 3 },
      fields: ["spec.resources"],
    });
  });

  it("reads a first release against nothing: everything it has is added", () => {
    expect(releaseChanges(undefined, { spec: spec(), secrets: { DB_PASSWORD: V1 } })).toEqual({
      image: { before: null, after: "registry.example.com/acme/web:1" },
      env: { added: ["LOG_LEVEL"], removed: [], changed: [] },
      secrets: { added: ["DB_PASSWORD"], removed: [], changed: [] },
    });
  });
});
