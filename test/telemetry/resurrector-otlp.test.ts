// The resurrector exports to a real OTLP receiver: loco-resurrector itself (the real entry point, as a child
// process) runs `plan` against the test run's control plane and a migrated Postgres database with --otlp-endpoint
// pointed at an OpenTelemetry Collector on loopback, and its probe and plan spans and probe counter arrive before it
// exits (it flushes on the way out).
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectDatabase } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { createTestDatabase } from "../support/database.ts";
import { type RunningCollector, startCollector } from "../support/otel-collector.ts";

const resurrector = new URL("../../resurrector/main.ts", import.meta.url).pathname;
let collector: RunningCollector;
let database: { url: string; drop(): Promise<void> };
let exit: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  collector = await startCollector();
  database = await createTestDatabase("loco_otel_resurrector");
  const handle = await connectDatabase<unknown>(database.url);
  await migrateToLatest(handle.db);
  await handle.close();
  exit = await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        resurrector,
        "plan",
        "-o",
        "json",
        "--kubeconfig",
        inject("kubeconfig"),
        "--database-url",
        database.url,
        "--otlp-endpoint",
        collector.endpoint,
      ],
      { env: { ...process.env, LOCO_KEK: "", LOCO_KEK_FILE: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}, 900_000);

afterAll(async () => {
  await collector?.stop();
  await database?.drop();
});

describe("resurrector telemetry at a real collector", () => {
  it("delivers the probe and plan spans of `plan`", async () => {
    expect(exit.code, exit.stderr).toBe(0);
    // The collector's file exporter flushes every 100 ms.
    await new Promise((r) => setTimeout(r, 500));
    const spans = collector.spans().filter((s) => s.resource["service.name"] === "loco-resurrector");
    const probe = spans.find((s) => s.name === "resurrector probe");
    const plan = spans.find((s) => s.name === "resurrector plan");
    expect(probe?.attributes).toMatchObject({ "loco.cluster.ready": true });
    expect(plan?.attributes["loco.resurrector.pending"]).toBeTypeOf("number");
    expect(plan?.attributes["loco.resurrector.force"]).toBe(false);
  });

  it("delivers the probe counter", () => {
    const point = collector.points().find((p) => p.metric === "loco.resurrector.probes");
    expect(point?.attributes).toEqual({ "loco.cluster.ready": true });
    expect(point?.value).toBe(1);
  });
});
