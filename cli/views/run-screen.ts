// Draws RunWatchView live on a terminal: update() rerenders with the latest state, a timer turns the spinner.
import { Box, render } from "ink";
import { createElement as h } from "react";
import type { Io } from "../context.ts";
import type { RunWatchState } from "./run-model.ts";
import { RunWatchView } from "./run-view.ts";

export function renderRunWatch(io: Io): { update(state: RunWatchState): void; done(): Promise<void> } {
  let state: RunWatchState | undefined;
  let frame = 0;
  const instance = render(h(Box), {
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    patchConsole: false,
  });
  const draw = () => {
    if (state) instance.rerender(h(RunWatchView, { state, frame }));
  };
  const spinner = setInterval(() => {
    frame++;
    draw();
  }, 80);
  return {
    update(next) {
      state = next;
      draw();
    },
    async done() {
      clearInterval(spinner);
      draw();
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
