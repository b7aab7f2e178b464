import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Each case runs in a child process: what matters is what lands at the other end of its real stdout.
const script = (lines: number) => `
  const { processIo } = await import(${JSON.stringify(new URL("./process-io.ts", import.meta.url).href)});
  const io = processIo();
  for (let i = 0; i < ${lines}; i++) io.stdout.write(\`line \${i} ${"x".repeat(80)}\\n\`);
  io.stderr.write(\`stdout isTTY: \${io.stdout.isTTY}\\n\`);
`;

function run(lines: number, stdout: "pipe" | number): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script(lines)], {
    stdio: ["ignore", stdout, "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ out, err, code })));
}

const expected = (lines: number) => Array.from({ length: lines }, (_, i) => `line ${i} ${"x".repeat(80)}\n`).join("");

describe("processIo", () => {
  it("delivers everything written to a pipe, in order, far beyond a pipe's buffer", async () => {
    const result = await run(20_000, "pipe");
    expect(result.code).toBe(0);
    expect(result.out).toBe(expected(20_000));
    expect(result.err).toBe("stdout isTTY: false\n");
  });

  it("writes to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loco-process-io-"));
    const { openSync, closeSync } = await import("node:fs");
    const fd = openSync(join(dir, "out"), "w");
    const result = await run(100, fd);
    closeSync(fd);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe(expected(100));
    rmSync(dir, { recursive: true, force: true });
  });
});
