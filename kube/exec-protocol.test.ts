import { describe, expect, it } from "vitest";
import { exitCodeOf } from "./exec-protocol.ts";

describe("exitCodeOf", () => {
  it("reads success, a kubelet's NonZeroExitCode cause, and kwok's wrapped process error", () => {
    expect(exitCodeOf({ status: "Success" })).toEqual({ exitCode: 0 });
    expect(
      exitCodeOf({
        status: "Failure",
        reason: "NonZeroExitCode",
        message: "command terminated with non-zero exit code: exit status 42",
        details: { causes: [{ reason: "ExitCode", message: "42" }] },
      }).exitCode,
    ).toBe(42);
    expect(
      exitCodeOf({
        status: "Failure",
        reason: "InternalError",
        message: "error executing command in container: cmd wait: sh -c exit 3: exit status 3\n",
      }),
    ).toEqual({ exitCode: 3, message: "command terminated with exit status 3" });
  });

  it("gives no exit code when the command could not start", () => {
    expect(
      exitCodeOf({ status: "Failure", reason: "InternalError", message: 'exec: "nope": executable file not found' }),
    ).toEqual({ exitCode: null, message: 'exec: "nope": executable file not found' });
  });
});
