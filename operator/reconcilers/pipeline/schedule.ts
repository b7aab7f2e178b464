// Trigger schedules as pure functions of time: when is a trigger due next, which slots fell due in a window.
// Interval jitter is pseudo-random but deterministic (a digest of the Pipeline's uid, the trigger and the slot
// number), so it spreads Pipelines across the window and is the same after an operator restart.
import { createHash } from "node:crypto";
import { CronExpressionParser } from "cron-parser";
import { parseDuration } from "../../../crds/common.ts";
import type { Trigger } from "../../../crds/pipeline.ts";

export type Schedule =
  | { kind: "cron"; expression: string; timeZone: string }
  | { kind: "interval"; everyMs: number; jitterMs: number; anchorMs: number; seed: string };

/** The trigger's name in status and in the Runs it starts. */
export const triggerName = (trigger: Trigger, index: number) => trigger.name ?? `trigger-${index}`;

/** A one-line description of the schedule; a change to it resets the trigger's times. */
export function describeSchedule(trigger: Trigger): string {
  if (trigger.cron) return `cron ${trigger.cron.schedule} ${trigger.cron.timeZone ?? "UTC"}`;
  const interval = trigger.interval!;
  return `every ${interval.every}${interval.jitter ? ` jitter ${interval.jitter}` : ""}`;
}

/** Why a cron trigger can't be used, or undefined when it parses (time zone included). */
export function cronProblem(schedule: string, timeZone = "UTC"): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    return `time zone ${JSON.stringify(timeZone)} is not an IANA time zone such as Europe/Berlin`;
  }
  try {
    CronExpressionParser.parse(schedule, { tz: timeZone, currentDate: 0, strict: false }).next();
    return undefined;
  } catch (error) {
    return `cron expression ${JSON.stringify(schedule)} does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** `anchorMs` and `seed` identify the Pipeline (its creation time and uid). */
export function scheduleOf(trigger: Trigger, anchorMs: number, seed: string): Schedule {
  if (trigger.cron) {
    return { kind: "cron", expression: trigger.cron.schedule, timeZone: trigger.cron.timeZone ?? "UTC" };
  }
  const interval = trigger.interval!;
  return {
    kind: "interval",
    everyMs: parseDuration(interval.every),
    jitterMs: interval.jitter ? parseDuration(interval.jitter) : 0,
    anchorMs,
    seed,
  };
}

/** A fraction in [0, 1) from a digest: the same inputs always give the same value. */
export function unitHash(...parts: (string | number)[]): number {
  const digest = createHash("sha256").update(parts.join("\u0000")).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Slot k ≥ 1 of an interval: anchor + k·every + jitter_k. */
function intervalSlot(schedule: Extract<Schedule, { kind: "interval" }>, k: number): number {
  const jitter = schedule.jitterMs > 0 ? Math.floor(unitHash(schedule.seed, k) * schedule.jitterMs) : 0;
  return schedule.anchorMs + k * schedule.everyMs + jitter;
}

/** The first slot strictly after `afterMs`. */
export function slotAfter(schedule: Schedule, afterMs: number): number {
  if (schedule.kind === "cron") {
    return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: afterMs })
      .next()
      .getTime();
  }
  const everyMs = Math.max(schedule.everyMs, 1);
  let k = Math.max(1, Math.floor((afterMs - schedule.anchorMs - schedule.jitterMs) / everyMs));
  while (intervalSlot(schedule, k) <= afterMs) k++;
  return intervalSlot(schedule, k);
}

/** Slots in [fromMs, nowMs], oldest first (fromMs is itself a slot: the stored next time). At most `max`. */
export function dueSlots(schedule: Schedule, fromMs: number, nowMs: number, max = 1000): number[] {
  const slots: number[] = [];
  let slot = fromMs;
  while (slot <= nowMs && slots.length < max) {
    slots.push(slot);
    slot = slotAfter(schedule, slot);
  }
  // Far behind (say, down for months on a per-second schedule): keep the newest, which is what matters.
  if (slot <= nowMs) slots.push(slotBeforeOrAt(schedule, nowMs, slot));
  return slots;
}

function slotBeforeOrAt(schedule: Schedule, nowMs: number, fallback: number): number {
  if (schedule.kind === "cron") {
    return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: nowMs + 1 })
      .prev()
      .getTime();
  }
  let k = Math.max(1, Math.floor((nowMs - schedule.anchorMs) / Math.max(schedule.everyMs, 1)) + 1);
  while (k > 1 && intervalSlot(schedule, k) > nowMs) k--;
  const slot = intervalSlot(schedule, k);
  return slot <= nowMs ? slot : fallback;
}
