// The logs view: a table of log lines (time, pod, container, message) with a status line; LogsScreen adds the
// keys (p/space pause and resume, q quit) and takes its lines from a subscription passed in as a prop.
import { Box, Text, useApp, useInput } from "ink";
import { createElement as h, type ReactElement, useEffect, useReducer } from "react";
import {
  emptyLogs,
  type LogLine,
  type LogsAction,
  type LogsState,
  logsReducer,
  podColor,
  statusLine,
  tableRows,
  visibleLines,
} from "./logs-model.ts";

export interface LogsViewProps {
  state: LogsState;
  height: number;
  width: number;
}

export function LogsView({ state, height, width }: LogsViewProps): ReactElement {
  const shown = visibleLines(state, height);
  const { header, rows } = tableRows(shown, width);
  return h(
    Box,
    { flexDirection: "column" },
    h(Text, { bold: true }, header),
    ...rows.map((row, i) => h(Text, { key: i, color: podColor(shown[i]!.pod) }, row)),
    h(Text, { color: state.paused ? "yellow" : "gray", inverse: state.paused }, statusLine(state, state.lines.length)),
  );
}

export interface LogsScreenProps {
  /** Registers a listener for batches of lines; returns the unsubscribe function. */
  subscribe(listener: (lines: readonly LogLine[]) => void): () => void;
  height: number;
  width: number;
  /** Listen to keys (only when stdin is a terminal). */
  keys?: boolean;
  onQuit?: () => void;
}

export function LogsScreen({ subscribe, height, width, keys = true, onQuit }: LogsScreenProps): ReactElement {
  const [state, dispatch] = useReducer((s: LogsState, a: LogsAction) => logsReducer(s, a), emptyLogs);
  const { exit } = useApp();
  useEffect(() => subscribe((lines) => dispatch({ type: "lines", lines })), [subscribe]);
  useInput(
    (input) => {
      if (input === "p" || input === " ") dispatch({ type: "toggle-pause" });
      if (input === "q") {
        onQuit?.();
        exit();
      }
    },
    { isActive: keys },
  );
  return h(LogsView, { state, height, width });
}
