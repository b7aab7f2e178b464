import { describe, expect, it } from "vitest";
import { LocalProviderError } from "./local-provider-error.ts";
import { parseMainArgs } from "./oidc-args.ts";

const required = ["--dir", "/tmp/x", "--port", "0", "--audience", "http://127.0.0.1:7443"];

function failure(argv: string[]): string {
  try {
    parseMainArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalProviderError);
    expect((error as LocalProviderError).code).toBe("BadArguments");
    return (error as Error).message.split("\n")[0]!;
  }
  throw new Error("expected a failure");
}

describe("the local provider's command line", () => {
  it("defaults to the user developer, the client loco-cli and no groups", () => {
    expect(parseMainArgs(required)).toEqual({
      dir: "/tmp/x",
      port: 0,
      audience: "http://127.0.0.1:7443",
      user: { id: "developer", name: "developer", email: "developer@loco.local", groups: [] },
      clientId: "loco-cli",
    });
    expect(parseMainArgs([...required, "--user", "alice", "--group", "admins", "--group", "dev"])).toMatchObject({
      user: { id: "alice", email: "alice@loco.local", groups: ["admins", "dev"] },
    });
  });

  it("names the flag that is missing or wrong", () => {
    expect(failure(["--port", "1", "--audience", "a"])).toMatch(/^--dir is required/);
    expect(failure(["--dir", "d", "--port", "1"])).toMatch(/^--audience is required/);
    expect(failure(["--dir", "d", "--audience", "a", "--port", "70000"])).toMatch(/^--port must be/);
    expect(failure(["--dir", "d", "--audience", "a", "--port", "-1"])).toMatch(/--port/);
    expect(failure([...required, "--user", "a b"])).toMatch(/^--user must be/);
    expect(failure([...required, "--bogus"])).toMatch(/bogus/);
  });
});
