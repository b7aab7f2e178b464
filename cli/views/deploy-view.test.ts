import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it } from "vitest";
import type { DeployState } from "./deploy-model.ts";
import { DeployView } from "./deploy-view.ts";

const state: DeployState = {
  app: "web",
  profile: "dev",
  deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
  outcome: "Progressing",
  replicas: { desired: 1, ready: 0 },
  pods: [{ name: "web-1", phase: "Pending", ready: false, restarts: 0 }],
  conditions: [],
  url: null,
  elapsedMs: 3000,
};

const frame = (text: string | undefined) => stripVTControlCharacters(text ?? "");

describe("DeployView", () => {
  it("renders the rollout with a spinner, then the final line once Available", () => {
    const view = render(h(DeployView, { state, frame: 1 }));
    expect(frame(view.lastFrame())).toBe(
      [
        "Deploying web to dev — deployment 01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
        "⠙ Progressing — 0/1 ready (3s)",
        "Pods",
        "  ○ web-1  Pending",
      ].join("\n"),
    );
    view.rerender(
      h(DeployView, {
        state: {
          ...state,
          outcome: "Available",
          elapsedMs: 9000,
          url: "https://web-acme.apps.example.com",
          pods: [{ name: "web-1", phase: "Running", ready: true, restarts: 0 }],
        },
      }),
    );
    const last = frame(view.lastFrame()).split("\n");
    expect(last.at(-1)).toBe(
      "✓ Deployed web (dev) 01JD6Z7Q5V8K2M4N6P8R0T2W4Y in 9s → https://web-acme.apps.example.com",
    );
    expect(last.join("\n")).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    view.unmount();
  });
});
