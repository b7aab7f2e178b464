// Draws RunWatchView live on a terminal.
import type { Io } from "../context.ts";
import { type LiveScreen, renderLive } from "./live-screen.ts";
import type { RunWatchState } from "./run-model.ts";
import { RunWatchView } from "./run-view.ts";

export function renderRunWatch(io: Io): LiveScreen<RunWatchState> {
  return renderLive(io, RunWatchView);
}
