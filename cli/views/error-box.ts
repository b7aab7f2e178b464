// The error box: what failed, why, what to do and the request id, in a red frame. Props in, no I/O inside;
// renderErrorBox draws it once on stderr and returns.
import { Box, render, Text } from "ink";
import { createElement as h, type ReactElement } from "react";
import { type CliError, errorLines } from "../cli-error.ts";
import type { Io } from "../context.ts";

export interface ErrorBoxProps {
  lines: readonly { label: string; text: string }[];
}

export function ErrorBox({ lines }: ErrorBoxProps): ReactElement {
  const width = Math.max(...lines.map((l) => l.label.length)) + 2;
  return h(
    Box,
    { borderStyle: "round", borderColor: "red", flexDirection: "column", paddingX: 1 },
    ...lines.map(({ label, text }, index) =>
      h(
        Box,
        { key: label },
        h(Box, { width, flexShrink: 0 }, h(Text, { bold: true, color: index === 0 ? "red" : undefined }, `${label}:`)),
        h(Text, index === 0 ? { bold: true } : {}, text),
      ),
    ),
  );
}

export async function renderErrorBox(io: Io, error: CliError): Promise<void> {
  const instance = render(h(ErrorBox, { lines: errorLines(error) }), {
    stdout: io.stderr as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  instance.unmount();
  await instance.waitUntilExit();
}
