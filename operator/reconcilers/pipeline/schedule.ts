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

export { cronProblem } from "../../../crds/cron.ts";

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

type IntervalSchedule = Extract<Schedule, { kind: "interval" }>;

/**
 * The interval as the functions below use it: at least 1 ms between slots and a jitter below the interval. The
 * schema and validation.ts already refuse anything near this, but a schedule function must stay bounded whatever
 * reaches it: the operator's reconcilers share one event loop, and a loop that never ends stalls every tenant.
 */
function bounded(schedule: IntervalSchedule): IntervalSchedule {
  const everyMs = Number.isFinite(schedule.everyMs) ? Math.max(1, Math.ceil(schedule.everyMs)) : 1;
  const jitterMs = Number.isFinite(schedule.jitterMs) ? Math.min(Math.max(0, schedule.jitterMs), everyMs) : 0;
  return { ...schedule, everyMs, jitterMs };
}

/** Slot k ≥ 1 of an interval: anchor + k·every + jitter_k, with jitter_k in [0, every), so slots only grow with k. */
function intervalSlot(schedule: IntervalSchedule, k: number): number {
  const jitter = schedule.jitterMs > 0 ? Math.floor(unitHash(schedule.seed, k) * schedule.jitterMs) : 0;
  return schedule.anchorMs + k * schedule.everyMs + jitter;
}

/**
 * The first interval slot strictly after `afterMs`, found arithmetically: slot k lies in [anchor + k·every,
 * anchor + (k+1)·every), so only the two or three k around (afterMs - anchor) / every can be it — however old the
 * Pipeline and however short the interval.
 */
function intervalSlotAfter(input: IntervalSchedule, afterMs: number): number {
  const schedule = bounded(input);
  const elapsed = afterMs - schedule.anchorMs;
  const last = Math.max(1, Math.floor(elapsed / schedule.everyMs) + 1);
  for (let k = Math.max(1, last - 2); k < last; k++) {
    const slot = intervalSlot(schedule, k);
    if (slot > afterMs) return slot;
  }
  return intervalSlot(schedule, last);
}

/** The last interval slot at or before `nowMs`, or undefined when the first slot is still ahead. */
function intervalSlotAtOrBefore(input: IntervalSchedule, nowMs: number): number | undefined {
  const schedule = bounded(input);
  const highest = Math.floor((nowMs - schedule.anchorMs) / schedule.everyMs);
  for (let k = highest; k >= Math.max(1, highest - 1); k--) {
    const slot = intervalSlot(schedule, k);
    if (slot <= nowMs) return slot;
  }
  return undefined;
}

/** The first slot strictly after `afterMs`. */
export function slotAfter(schedule: Schedule, afterMs: number): number {
  if (schedule.kind === "cron") {
    return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: afterMs })
      .next()
      .getTime();
  }
  return intervalSlotAfter(schedule, afterMs);
}

/** Slots in [fromMs, nowMs], oldest first (fromMs is itself a slot: the stored next time). At most `max` + 1. */
export function dueSlots(schedule: Schedule, fromMs: number, nowMs: number, max = 1000): number[] {
  const slots: number[] = [];
  let slot = fromMs;
  while (slot <= nowMs && slots.length < max) {
    slots.push(slot);
    const next = slotAfter(schedule, slot);
    // Slots strictly increase; anything else (a cron library quirk) must not spin here.
    if (!(next > slot)) break;
    slot = next;
  }
  // Far behind (say, down for months on a per-second schedule): keep the newest, which is what matters.
  if (slot <= nowMs) {
    const newest = slotBeforeOrAt(schedule, nowMs, slot);
    if (newest > (slots.at(-1) ?? Number.NEGATIVE_INFINITY)) slots.push(newest);
  }
  return slots;
}

function slotBeforeOrAt(schedule: Schedule, nowMs: number, fallback: number): number {
  if (schedule.kind === "cron") {
    return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: nowMs + 1 })
      .prev()
      .getTime();
  }
  return intervalSlotAtOrBefore(schedule, nowMs) ?? fallback;
}

/**
 * The shortest time between two consecutive fire times of a cron expression, in ms — a lower bound computed from
 * its second, minute and hour fields (every time of day it fires at, plus the wrap from the last to the first across
 * midnight), so a schedule that fires every second is known without enumerating its fire times. Days are ignored:
 * they can only make fire times rarer. Undefined when the expression does not parse.
 */
export function cronMinimumGapMs(expression: string): number | undefined {
  let fields: ReturnType<typeof CronExpressionParser.parse>["fields"];
  try {
    ({ fields } = CronExpressionParser.parse(expression, { tz: "UTC", currentDate: 0, strict: false }));
  } catch {
    return undefined;
  }
  const numbers = (values: readonly unknown[]) =>
    [...new Set(values.filter((v): v is number => typeof v === "number"))].sort((a, b) => a - b);
  const seconds = numbers(fields.second.values);
  const minutes = numbers(fields.minute.values);
  const hours = numbers(fields.hour.values);
  if (seconds.length === 0 || minutes.length === 0 || hours.length === 0) return undefined;
  // At most 24·60·60 times of day, already in order: hours, then minutes, then seconds ascending.
  let previous: number | undefined;
  let first: number | undefined;
  let gap = 86_400;
  for (const h of hours) {
    for (const m of minutes) {
      for (const s of seconds) {
        const at = h * 3600 + m * 60 + s;
        if (previous !== undefined) gap = Math.min(gap, at - previous);
        first ??= at;
        previous = at;
      }
    }
  }
  gap = Math.min(gap, 86_400 - previous! + first!);
  return gap * 1000;
}
