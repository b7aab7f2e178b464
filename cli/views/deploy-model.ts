// The deploy view's model: rollout state in, lines out. Pure (no clock: elapsed time is part of the state), so
// the live Ink view (deploy-view.ts), the plain text printed when stdout is not a terminal, and the tests all
// read the same lines.
export type DeployOutcome =
  | "Submitting"
  | "Pending"
  | "Progressing"
  | "Available"
  | "Failed"
  | "Superseded"
  | "TimedOut";

export interface PodState {
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  ready: boolean;
  restarts: number;
  /** Why it is not ready, such as ImagePullBackOff or CrashLoopBackOff. */
  reason?: string;
}

export interface ConditionState {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface DeployState {
  app: string;
  profile: string;
  deploymentId: string | null;
  image?: string;
  outcome: DeployOutcome;
  replicas?: { desired: number; ready: number; updated?: number };
  pods: PodState[];
  conditions: ConditionState[];
  url: string | null;
  elapsedMs: number;
  /** Set when the outcome is TimedOut: the --timeout that ran out. */
  timeoutMs?: number;
}

export type Tone = "plain" | "muted" | "good" | "bad" | "busy";
export interface Line {
  text: string;
  tone: Tone;
  /** The in-progress line, which the live view prefixes with a spinner. */
  spinner?: true;
}

export const TERMINAL_OUTCOMES: ReadonlySet<DeployOutcome> = new Set(["Available", "Failed", "Superseded", "TimedOut"]);

export function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

const podTone = (pod: PodState): Tone => (pod.ready ? "good" : pod.reason || pod.phase === "Failed" ? "bad" : "busy");

function podLine(pod: PodState): Line {
  const state = pod.ready ? "Ready" : (pod.reason ?? pod.phase);
  const restarts = pod.restarts > 0 ? `, ${pod.restarts} restart${pod.restarts === 1 ? "" : "s"}` : "";
  return { text: `  ${pod.ready ? "●" : "○"} ${pod.name}  ${state}${restarts}`, tone: podTone(pod) };
}

function conditionLine(c: ConditionState): Line {
  const tone: Tone = c.status === "True" ? "good" : c.status === "False" ? "bad" : "busy";
  const detail = [c.reason, c.message].filter(Boolean).join(": ");
  return { text: `  ${c.type} ${c.status}${detail ? ` — ${detail}` : ""}`, tone };
}

/** The final line: deployment id and URL on success, the reason otherwise; undefined while in progress. */
export function finalLine(state: DeployState): Line | undefined {
  const id = state.deploymentId ?? "(no id)";
  const took = seconds(state.elapsedMs);
  switch (state.outcome) {
    case "Available":
      return {
        text: `✓ Deployed ${state.app} (${state.profile}) ${id} in ${took}${state.url ? ` → ${state.url}` : ""}`,
        tone: "good",
      };
    case "Failed": {
      const ready = state.conditions.find((c) => c.type === "Ready");
      const why = [ready?.reason, ready?.message].filter(Boolean).join(": ") || "the App did not become Ready";
      return {
        text: `✗ Deployment ${id} of ${state.app} (${state.profile}) failed after ${took}: ${why}`,
        tone: "bad",
      };
    }
    case "Superseded":
      return {
        text: `✗ Deployment ${id} of ${state.app} (${state.profile}) was superseded by a newer deploy`,
        tone: "bad",
      };
    case "TimedOut":
      return {
        text: `✗ Deployment ${id} of ${state.app} (${state.profile}) was not Ready within ${seconds(state.timeoutMs ?? state.elapsedMs)}; it may still finish (loco status)`,
        tone: "bad",
      };
    default:
      return undefined;
  }
}

/** Every line of the view, top to bottom. */
export function deployLines(state: DeployState): Line[] {
  const lines: Line[] = [];
  const head = `Deploying ${state.app} to ${state.profile}${state.deploymentId ? ` — deployment ${state.deploymentId}` : ""}`;
  lines.push({ text: head, tone: "plain" });
  if (state.image) lines.push({ text: `  image ${state.image}`, tone: "muted" });
  const final = finalLine(state);
  if (!final) {
    const progress = state.replicas ? ` — ${state.replicas.ready}/${state.replicas.desired} ready` : "";
    lines.push({ text: `${state.outcome}${progress} (${seconds(state.elapsedMs)})`, tone: "busy", spinner: true });
  }
  if (state.pods.length) {
    lines.push({ text: "Pods", tone: "muted" });
    lines.push(...[...state.pods].sort((a, b) => a.name.localeCompare(b.name)).map(podLine));
  }
  if (state.conditions.length) {
    lines.push({ text: "Conditions", tone: "muted" });
    lines.push(...state.conditions.map(conditionLine));
  }
  if (final) lines.push(final);
  return lines;
}

/**
 * For pipes: the lines to print when the state moves from `before` to `after` (outcome changes, pods and
 * conditions that changed) — a log of the rollout rather than a redrawn screen. The caller prints finalLine()
 * once at the end.
 */
export function deployChanges(before: DeployState | undefined, after: DeployState): string[] {
  const out: string[] = [];
  if (!before)
    out.push(
      `Deploying ${after.app} to ${after.profile}${after.deploymentId ? ` (deployment ${after.deploymentId})` : ""}`,
    );
  if (before?.outcome !== after.outcome && !TERMINAL_OUTCOMES.has(after.outcome)) out.push(`${after.outcome}`);
  const oldPods = new Map((before?.pods ?? []).map((p) => [p.name, podLine(p).text]));
  for (const pod of after.pods) {
    const text = podLine(pod).text;
    if (oldPods.get(pod.name) !== text) out.push(`pod ${text.trim().slice(2)}`);
  }
  const oldConditions = new Map((before?.conditions ?? []).map((c) => [c.type, conditionLine(c).text]));
  for (const c of after.conditions) {
    const text = conditionLine(c).text;
    if (oldConditions.get(c.type) !== text) out.push(`condition ${text.trim()}`);
  }
  return out;
}
