// Draws LogsScreen on a terminal, fed from the API's log stream, until the stream ends or the user presses q.
import { render } from "ink";
import { createElement as h } from "react";
import type { LogRecord } from "../client/api-client.ts";
import type { Io } from "../context.ts";
import type { LogLine } from "./logs-model.ts";
import { LogsScreen } from "./logs-view.ts";

export async function renderLogs(
  io: Io,
  records: AsyncIterable<LogRecord>,
  options: { filter(record: LogRecord): boolean; toLine(record: LogRecord): LogLine; stop(): void },
): Promise<void> {
  const listeners = new Set<(lines: readonly LogLine[]) => void>();
  const pending: LogLine[] = [];
  const subscribe = (listener: (lines: readonly LogLine[]) => void) => {
    listeners.add(listener);
    if (pending.length) listener(pending.splice(0));
    return () => listeners.delete(listener);
  };
  // A pseudo-terminal may report 0 × 0.
  const rows = (io.stdout as { rows?: number }).rows || 24;
  const width = io.stdout.columns || 100;
  let quit = false;
  const instance = render(
    h(LogsScreen, {
      subscribe,
      height: Math.max(3, rows - 3),
      width,
      keys: io.stdin.isTTY === true,
      onQuit: () => {
        quit = true;
        options.stop();
      },
    }),
    { stdout: io.stdout as NodeJS.WriteStream, stdin: io.stdin as NodeJS.ReadStream, patchConsole: false },
  );
  // Batch what arrives within one tick, so a burst redraws once.
  let batch: LogLine[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const lines = batch;
    batch = [];
    if (listeners.size === 0) pending.push(...lines);
    for (const listener of listeners) listener(lines);
  };
  try {
    for await (const record of records) {
      if (!options.filter(record)) continue;
      batch.push(options.toLine(record));
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 16);
      }
    }
  } catch (error) {
    if (!quit) throw error;
  } finally {
    flush();
  }
  if (!quit) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    instance.unmount();
  }
  await instance.waitUntilExit();
}
