// Draws DeployView live on a terminal: update() rerenders with the latest state, a timer turns the spinner.
import { Box, render } from "ink";
import { createElement as h } from "react";
import type { Io } from "../context.ts";
import type { DeployState } from "./deploy-model.ts";
import { DeployView } from "./deploy-view.ts";

export function renderDeploy(io: Io): { update(state: DeployState): void; done(): Promise<void> } {
  let state: DeployState | undefined;
  let frame = 0;
  const instance = render(h(Box), {
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    patchConsole: false,
  });
  const draw = () => {
    if (state) instance.rerender(h(DeployView, { state, frame }));
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
