// Draws DeployView live on a terminal.
import type { Io } from "../context.ts";
import type { DeployState } from "./deploy-model.ts";
import { DeployView } from "./deploy-view.ts";
import { type LiveScreen, renderLive } from "./live-screen.ts";

export function renderDeploy(io: Io): LiveScreen<DeployState> {
  return renderLive(io, DeployView);
}
