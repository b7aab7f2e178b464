import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, flagOf, readFlags, validConfig } from "./process-config.ts";

describe("process configuration", () => {
  it("names each bad flag from its field and says where the help is", () => {
    const schema = z.object({ healthAddress: z.string().min(3), concurrency: z.coerce.number().int().positive() });
    const error = (() => {
      try {
        validConfig("loco-thing", schema, { healthAddress: "", concurrency: "-1" });
      } catch (thrown) {
        return thrown as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.exitCode).toBe(2);
    expect(error!.message).toMatch(
      /^Invalid loco-thing configuration:\n {2}--health-address: .+\n {2}--concurrency: .+/,
    );
    expect(error!.message.endsWith("Run loco-thing --help for the flags.")).toBe(true);
  });

  it("returns the usage as a ConfigError with exit code 0 for --help, and with the syntax error otherwise", () => {
    const options = { port: { type: "string" }, help: { type: "boolean" } } as const;
    expect(readFlags(["--port", "80"], options, "usage")).toMatchObject({ port: "80" });
    expect(() => readFlags(["--help"], options, "usage")).toThrow(
      expect.objectContaining({ exitCode: 0, message: "usage" }),
    );
    expect(() => readFlags(["--nope"], options, "usage")).toThrow(/--nope[\s\S]*\n\nusage$/);
    expect(flagOf("tenantDefaultRequests")).toBe("--tenant-default-requests");
  });
});
