// Whether a cron trigger can be used: its time zone is one the runtime knows (IANA), and its expression parses.
// Pure and shared: the operator reports these as InvalidSchedule on a Pipeline written with kubectl, and the API
// refuses them with 400 naming the field before it writes anything. (CEL can do neither, so the CRD can't.)
import { CronExpressionParser } from "cron-parser";

/** Why `timeZone` is not usable, or undefined when it is an IANA time zone. */
export function timeZoneProblem(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return undefined;
  } catch {
    return `time zone ${JSON.stringify(timeZone)} is not an IANA time zone such as Europe/Berlin`;
  }
}

/** Why `schedule` does not parse, read in `timeZone` (a known one), or undefined when it does. */
export function cronExpressionProblem(schedule: string, timeZone = "UTC"): string | undefined {
  try {
    CronExpressionParser.parse(schedule, { tz: timeZone, currentDate: 0, strict: false }).next();
    return undefined;
  } catch (error) {
    return `cron expression ${JSON.stringify(schedule)} does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Why a cron trigger can't be used, or undefined when it parses (time zone included). */
export function cronProblem(schedule: string, timeZone = "UTC"): string | undefined {
  return timeZoneProblem(timeZone) ?? cronExpressionProblem(schedule, timeZone);
}
