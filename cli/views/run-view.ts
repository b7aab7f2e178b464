// The live run-watch view: the model's lines with colour, and a spinner while the Run is in flight. Props in, no I/O.
import { Box, Text } from "ink";
import { createElement as h, type ReactElement } from "react";
import { toneColor } from "./deploy-view.ts";
import { type RunWatchState, runFinalLine, runLines } from "./run-model.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface RunViewProps {
  state: RunWatchState;
  /** Spinner frame, advanced by the caller's timer. */
  frame?: number;
}

export function RunWatchView({ state, frame = 0 }: RunViewProps): ReactElement {
  const lines = runLines(state);
  const final = runFinalLine(state) !== undefined;
  return h(
    Box,
    { flexDirection: "column" },
    ...lines.map((line, index) =>
      h(
        Text,
        {
          key: index,
          color: toneColor[line.tone],
          bold: index === 0 || (final && index === lines.length - 1),
          // A task's log lines are cut at the terminal's width (they are a glimpse); the rest wraps.
          wrap: line.text.trimStart().startsWith("│") ? "truncate-end" : "wrap",
        },
        line.spinner ? `${SPINNER[frame % SPINNER.length]} ${line.text}` : line.text,
      ),
    ),
  );
}
