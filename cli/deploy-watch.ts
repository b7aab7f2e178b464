// Following a deployment to its end: the API's event stream (`status` events, then `end`) turned into the deploy
// view's state, until Available, Failed, Superseded or --timeout. The URL comes from the App once Available.

import { CliError } from "./cli-error.ts";
import type { ApiClient, DeploymentProgress } from "./client/api-client.ts";
import type { DebugLog } from "./debug-log.ts";
import { type DeployState, TERMINAL_OUTCOMES } from "./views/deploy-model.ts";

export interface FollowOptions {
  client: ApiClient;
  tenant: string;
  profile: string;
  app: string;
  deploymentId: string;
  eventsPath: string;
  timeoutMs: number;
  log: DebugLog;
  onState(state: DeployState): void;
  now?: () => number;
}

/** The view's state after one progress event. Pure. */
export function applyProgress(state: DeployState, progress: DeploymentProgress, elapsedMs: number): DeployState {
  return {
    ...state,
    deploymentId: progress.id,
    image: progress.image,
    outcome: progress.outcome,
    conditions: progress.conditions?.length
      ? progress.conditions
      : progress.ready
        ? [progress.ready]
        : state.conditions,
    pods: progress.pods ?? state.pods,
    ...(progress.replicas && progress.replicas.desired !== null
      ? { replicas: { desired: progress.replicas.desired, ready: progress.replicas.ready } }
      : {}),
    elapsedMs,
  };
}

export async function followDeployment(options: FollowOptions): Promise<DeployState> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let state: DeployState = {
    app: options.app,
    profile: options.profile,
    deploymentId: options.deploymentId,
    outcome: "Pending",
    pods: [],
    conditions: [],
    url: null,
    elapsedMs: 0,
  };
  options.onState(state);
  const { events, stop } = await options.client.events(options.eventsPath);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const ticker = setInterval(() => {
    state = { ...state, elapsedMs: now() - started };
    options.onState(state);
  }, 1000);
  try {
    for await (const event of events) {
      if (event.event !== "status" && event.event !== "end") continue;
      const progress = JSON.parse(event.data) as DeploymentProgress;
      options.log.write("Received deployment progress", {
        id: progress.id,
        outcome: progress.outcome,
        ready: progress.ready?.status,
      });
      state = applyProgress(state, progress, now() - started);
      options.onState(state);
      if (event.event === "end" || TERMINAL_OUTCOMES.has(state.outcome)) break;
    }
  } catch (error) {
    if (!timedOut) throw error;
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    stop();
  }
  if (timedOut && !TERMINAL_OUTCOMES.has(state.outcome)) {
    state = { ...state, outcome: "TimedOut", timeoutMs: options.timeoutMs, elapsedMs: now() - started };
  } else if (!TERMINAL_OUTCOMES.has(state.outcome)) {
    throw new CliError({
      code: "unavailable",
      what: `Lost track of deployment ${options.deploymentId}`,
      why: "The API closed the progress stream before the deployment finished.",
      fix: `It may still finish: run \`loco status ${options.app} --profile ${options.profile}\`.`,
    });
  }
  if (state.outcome === "Available") {
    try {
      const app = await options.client.getApp(options.tenant, options.app, options.profile);
      state = { ...state, url: app.status.url ?? null, conditions: app.status.conditions ?? state.conditions };
    } catch (error) {
      options.log.write("Could not read the App's URL", { error });
    }
  }
  state = { ...state, elapsedMs: now() - started };
  options.onState(state);
  return state;
}
