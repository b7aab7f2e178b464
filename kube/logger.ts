import { type Logger, pino } from "pino";
import { traceFields } from "./telemetry.ts";

export type { Logger };

/**
 * Structured JSON logs (key/value) to stderr; `LOCO_LOG_LEVEL` tunes the level. Lines written inside a span
 * (a reconcile, with telemetry on) carry its `trace_id` and `span_id`.
 */
export function createLogger(name: string, level = process.env.LOCO_LOG_LEVEL ?? "info"): Logger {
  return pino(
    { name, level, base: { component: name }, mixin: traceFields },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything (tests and benchmarks that measure, not read, logs). */
export const silentLogger: Logger = pino({ level: "silent" });
