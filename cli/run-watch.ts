// Following a Run to its end: the API's event stream (`status` events, then `end`) turned into the watch view's
// state, reconnecting if the server closes the stream early, until the Run finishes or --timeout runs out. With
// `withLogs`, the Run's combined log is followed too, and each task's last lines are kept for the live view; with
// `onLog`, every line is handed on as it arrives (`loco run` streams them).

import { CliError } from "./cli-error.ts";
import { type ApiClient, ApiRequestError } from "./client/api-client.ts";
import { getRun, type RunLogRecord, type RunView, runEvents, runLogs } from "./client/run-client.ts";
import type { DebugLog } from "./debug-log.ts";
import { fromRunView, type RunWatchState, TERMINAL_PHASES, withLogLine } from "./views/run-model.ts";

export interface FollowRunOptions {
  client: ApiClient;
  tenant: string;
  profile: string;
  run: string;
  timeoutMs: number;
  log: DebugLog;
  withLogs: boolean;
  /** The Run as the API answered its start: the mirror may not have it yet, so its first reads may miss it. */
  started?: RunView;
  onState(state: RunWatchState): void;
  /**
   * Every log record as it arrives, from the first line (`loco run` prints them). Once the Run has finished, the
   * log stream is given up to `logGraceMs` (default 10s) to deliver its last lines before it is closed.
   */
  onLog?(record: RunLogRecord): void;
  logGraceMs?: number;
  now?: () => number;
}

export async function followRun(options: FollowRunOptions): Promise<RunWatchState> {
  const now = options.now ?? (() => Date.now());
  const { client, tenant, profile, run } = options;
  let state = fromRunView(options.started ?? (await getRun(client, tenant, run, profile)), {}, now());
  options.onState(state);
  const stops = new Set<() => void>();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const stop of stops) stop();
  }, options.timeoutMs);
  const ticker = setInterval(() => {
    state = { ...state, nowMs: now() };
    options.onState(state);
  }, 1000);

  /** Right after a start, a 404 means the mirror has not recorded the Run yet: retried for a while. */
  const whileNew = async <T>(open: () => Promise<T>): Promise<T> => {
    const deadline = now() + (options.started ? 30_000 : 0);
    for (;;) {
      try {
        return await open();
      } catch (error) {
        if (!(error instanceof ApiRequestError && error.status === 404) || now() >= deadline || timedOut) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  let logsDone: Promise<void> = Promise.resolve();
  if (options.withLogs || options.onLog) {
    logsDone = (async () => {
      try {
        const { records, stop } = await whileNew(() =>
          runLogs(client, tenant, run, profile, { follow: true, ...(options.onLog ? {} : { tail: 3 }) }),
        );
        stops.add(stop);
        for await (const record of records) {
          options.onLog?.(record);
          if ("error" in record) continue;
          state = withLogLine(state, record.task, record.line);
          options.onState(state);
        }
      } catch (error) {
        // The live view works without log lines; the debug log says why they are missing.
        options.log.write("Could not follow the Run's logs", { error });
      }
    })();
  }

  try {
    while (!TERMINAL_PHASES.has(state.phase) && !timedOut) {
      const { events, stop } = await whileNew(() => runEvents(client, tenant, run, profile));
      stops.add(stop);
      try {
        for await (const event of events) {
          if (event.event === "gone") {
            throw new CliError({
              code: "notFound",
              what: `Lost track of Run ${run}`,
              why: "The Run was deleted while it was being watched.",
              fix: "List the Runs that remain with `loco run ls`.",
            });
          }
          if (event.event !== "status" && event.event !== "end") continue;
          const view = JSON.parse(event.data) as RunView;
          options.log.write("Received run status", { run, phase: view.phase });
          state = fromRunView(view, state, now());
          options.onState(state);
          if (event.event === "end" || TERMINAL_PHASES.has(state.phase)) break;
        }
      } catch (error) {
        if (!timedOut) throw error;
      } finally {
        stop();
        stops.delete(stop);
      }
    }
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    if (options.onLog && TERMINAL_PHASES.has(state.phase)) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        logsDone,
        new Promise((resolve) => {
          grace = setTimeout(resolve, options.logGraceMs ?? 10_000);
        }),
      ]);
      clearTimeout(grace);
    }
    for (const stop of stops) stop();
    await logsDone;
  }
  if (timedOut && !TERMINAL_PHASES.has(state.phase)) {
    state = { ...state, phase: "TimedOut", timeoutMs: options.timeoutMs };
  }
  state = { ...state, nowMs: now() };
  options.onState(state);
  return state;
}
