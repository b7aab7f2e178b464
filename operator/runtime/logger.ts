import { type Logger, pino } from "pino";

export type { Logger };

/** Structured JSON logs (key/value) to stderr; `LOCO_LOG_LEVEL` tunes the level. */
export function createLogger(name: string, level = process.env.LOCO_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { component: name } }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything (tests and benchmarks that measure, not read, logs). */
export const silentLogger: Logger = pino({ level: "silent" });
