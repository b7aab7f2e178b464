// The live deploy view: the model's lines with colour and a spinner while in progress. Props in, no I/O.
import { Box, Text } from "ink";
import { createElement as h, type ReactElement } from "react";
import { type DeployState, deployLines, finalLine, type Tone } from "./deploy-model.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export const toneColor: Record<Tone, string | undefined> = {
  plain: undefined,
  muted: "gray",
  good: "green",
  bad: "red",
  busy: "yellow",
};

export interface DeployViewProps {
  state: DeployState;
  /** Spinner frame, advanced by the caller's timer. */
  frame?: number;
}

export function DeployView({ state, frame = 0 }: DeployViewProps): ReactElement {
  const lines = deployLines(state);
  const final = finalLine(state) !== undefined;
  return h(
    Box,
    { flexDirection: "column" },
    ...lines.map((line, index) =>
      h(
        Text,
        { key: index, color: toneColor[line.tone], bold: index === 0 || (final && index === lines.length - 1) },
        line.spinner ? `${SPINNER[frame % SPINNER.length]} ${line.text}` : line.text,
      ),
    ),
  );
}
