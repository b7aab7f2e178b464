// Draws a view live on a terminal: update() rerenders it with the latest state, a timer turns its spinner.
import { Box, render } from "ink";
import { type FunctionComponent, createElement as h } from "react";
import type { Io } from "../context.ts";

export interface LiveScreen<S> {
  update(state: S): void;
  done(): Promise<void>;
}

export function renderLive<S>(io: Io, view: FunctionComponent<{ state: S; frame: number }>): LiveScreen<S> {
  let state: S | undefined;
  let frame = 0;
  const instance = render(h(Box), {
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    patchConsole: false,
  });
  const draw = () => {
    if (state !== undefined) instance.rerender(h(view, { state, frame }));
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
