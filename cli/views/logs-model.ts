// The logs view's model: log lines with pod/container labels, a bounded buffer, and a pause key that freezes
// the table (new lines are counted, not shown, until resumed). Pure reducer + formatters; the Ink view
// (logs-view.ts) and the plain/ndjson printers share them.
export interface LogLine {
  /** RFC 3339 time from the API, if it sent one. */
  time?: string;
  pod: string;
  container: string;
  text: string;
}

export interface LogsState {
  lines: LogLine[];
  paused: boolean;
  /** Lines that arrived while paused (already appended to `lines`, not yet shown). */
  unseen: number;
  /** How many lines the view shows when frozen: the count at the moment of pausing. */
  frozenAt: number;
  /** Lines dropped from the front because the buffer was full. */
  dropped: number;
}

export type LogsAction = { type: "lines"; lines: readonly LogLine[] } | { type: "toggle-pause" };

export const emptyLogs: LogsState = { lines: [], paused: false, unseen: 0, frozenAt: 0, dropped: 0 };

export function logsReducer(state: LogsState, action: LogsAction, limit = 5000): LogsState {
  if (action.type === "toggle-pause") {
    return state.paused
      ? { ...state, paused: false, unseen: 0 }
      : { ...state, paused: true, frozenAt: state.lines.length };
  }
  const all = [...state.lines, ...action.lines];
  const overflow = Math.max(0, all.length - limit);
  return {
    lines: overflow ? all.slice(overflow) : all,
    paused: state.paused,
    unseen: state.paused ? state.unseen + action.lines.length : 0,
    // The frozen window keeps pointing at the same lines when old ones are dropped.
    frozenAt: state.paused ? Math.max(0, state.frozenAt - overflow) : state.frozenAt,
    dropped: state.dropped + overflow,
  };
}

/** The lines the table shows: the last `height`, up to the pause point when paused. */
export function visibleLines(state: LogsState, height: number): LogLine[] {
  const end = state.paused ? state.frozenAt : state.lines.length;
  return state.lines.slice(Math.max(0, end - height), end);
}

export const label = (line: Pick<LogLine, "pod" | "container">) => `${line.pod}/${line.container}`;

/** HH:MM:SS of an RFC 3339 time (UTC as sent), or "" without one. */
export const clock = (time?: string) => (time ? (/T(\d{2}:\d{2}:\d{2})/.exec(time)?.[1] ?? time) : "");

/** One line for a pipe: `pod/container | text`, prefixed with the time when there is one. */
export function plainLogLine(line: LogLine): string {
  return `${line.time ? `${line.time} ` : ""}${label(line)} | ${line.text}`;
}

/** The frozen table's rows: TIME, POD, CONTAINER, MESSAGE, truncated to the width. */
export function tableRows(lines: readonly LogLine[], width: number): { header: string; rows: string[] } {
  const podWidth = Math.min(40, Math.max(3, ...lines.map((l) => l.pod.length)));
  const containerWidth = Math.min(20, Math.max(9, ...lines.map((l) => l.container.length)));
  const fitTo = (text: string, w: number) => (text.length > w ? `${text.slice(0, w - 1)}…` : text.padEnd(w));
  const row = (time: string, pod: string, container: string, message: string) => {
    const left = `${fitTo(time, 8)}  ${fitTo(pod, podWidth)}  ${fitTo(container, containerWidth)}  `;
    return `${left}${message.length > width - left.length ? `${message.slice(0, Math.max(0, width - left.length - 1))}…` : message}`;
  };
  return {
    header: row("TIME", "POD", "CONTAINER", "MESSAGE"),
    rows: lines.map((l) => row(clock(l.time), l.pod, l.container, l.text)),
  };
}

/** A stable colour per pod, so one replica's lines are easy to follow. */
export function podColor(pod: string): string {
  const palette = ["cyan", "magenta", "blue", "yellow", "green", "redBright", "cyanBright", "magentaBright"];
  let hash = 0;
  for (const char of pod) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}

export function statusLine(state: LogsState, total: number): string {
  if (state.paused)
    return `Paused — ${state.unseen} new line${state.unseen === 1 ? "" : "s"} held. Press p or space to resume, q to quit.`;
  return `Following ${total} line${total === 1 ? "" : "s"}${state.dropped ? ` (${state.dropped} older dropped)` : ""}. Press p or space to pause, q to quit.`;
}
