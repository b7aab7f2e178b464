// A real OpenTelemetry Collector on loopback (hack/otelcol, built from Go modules by hack/build-otelcol.sh and
// cached by version): an OTLP/HTTP receiver whose traces and metrics a file exporter writes as OTLP JSON lines,
// which tests read back.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort } from "../../hack/control-plane/free-port.ts";

const buildScript = new URL("../../hack/build-otelcol.sh", import.meta.url).pathname;

/** OTLP JSON's AnyValue, reduced to what loco sends. */
type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface CollectedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
}

export interface CollectedPoint {
  metric: string;
  attributes: Record<string, string | number | boolean>;
  value: number;
  resource: Record<string, string | number | boolean>;
}

export interface RunningCollector {
  /** OTLP/HTTP base URL (what OTEL_EXPORTER_OTLP_ENDPOINT would be). */
  endpoint: string;
  spans(): CollectedSpan[];
  /** Every data point received: sums and gauges with their value, histograms with their count. */
  points(): CollectedPoint[];
  /** The collector's own output (errors), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Builds the collector if missing (a cold build takes 4-11 minutes) and returns the binary's path. */
export async function collectorBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [buildScript], { maxBuffer: 16 * 1024 * 1024 });
  const path = stdout.trim().split("\n").pop() ?? "";
  if (!existsSync(path)) throw new Error(`hack/build-otelcol.sh printed no collector binary (got "${path}")`);
  return path;
}

function flatten(attributes: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (v !== undefined) out[key] = typeof v === "string" && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}

function readLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The OpenTelemetry Collector exited at start:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`The OpenTelemetry Collector did not listen on 127.0.0.1:${port} within 30s:\n${output()}`);
}

export async function startCollector(): Promise<RunningCollector> {
  const binary = await collectorBinary();
  const dir = mkdtempSync(join(tmpdir(), "loco-otelcol-"));
  const port = await freePort();
  const tracesFile = join(dir, "traces.jsonl");
  const metricsFile = join(dir, "metrics.jsonl");
  writeFileSync(
    join(dir, "config.yaml"),
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  file/traces:
    path: ${tracesFile}
    flush_interval: 100ms
  file/metrics:
    path: ${metricsFile}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file/traces]
    metrics:
      receivers: [otlp]
      exporters: [file/metrics]
`,
  );
  const child = spawn(binary, ["--config", `file:${join(dir, "config.yaml")}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPort(port, child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    output: () => output,
    spans() {
      const spans: CollectedSpan[] = [];
      for (const line of readLines(tracesFile) as {
        resourceSpans?: {
          resource?: { attributes?: KeyValue[] };
          scopeSpans?: {
            spans?: {
              name: string;
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              kind?: number;
              status?: { code?: number; message?: string };
              attributes?: KeyValue[];
            }[];
          }[];
        }[];
      }[]) {
        for (const rs of line.resourceSpans ?? []) {
          const resource = flatten(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                name: s.name,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? "",
                kind: s.kind ?? 0,
                status: s.status ?? {},
                attributes: flatten(s.attributes),
                resource,
              });
        }
      }
      return spans;
    },
    points() {
      type Point = { attributes?: KeyValue[]; asInt?: string | number; asDouble?: number; count?: string | number };
      const points: CollectedPoint[] = [];
      for (const line of readLines(metricsFile) as {
        resourceMetrics?: {
          resource?: { attributes?: KeyValue[] };
          scopeMetrics?: {
            metrics?: {
              name: string;
              sum?: { dataPoints?: Point[] };
              gauge?: { dataPoints?: Point[] };
              histogram?: { dataPoints?: Point[] };
            }[];
          }[];
        }[];
      }[]) {
        for (const rm of line.resourceMetrics ?? []) {
          const resource = flatten(rm.resource?.attributes);
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? [])
              for (const p of [
                ...(m.sum?.dataPoints ?? []),
                ...(m.gauge?.dataPoints ?? []),
                ...(m.histogram?.dataPoints ?? []),
              ])
                points.push({
                  metric: m.name,
                  attributes: flatten(p.attributes),
                  value: Number(p.asInt ?? p.asDouble ?? p.count ?? Number.NaN),
                  resource,
                });
        }
      }
      return points;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
