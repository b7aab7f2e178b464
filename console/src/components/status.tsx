// Status in words first, colour second: a badge always says what it means.
type Tone = "ok" | "bad" | "wait" | "lost";

export function Badge({ tone, children }: { tone: Tone; children: React.ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export function ReadyBadge({ ready, lost }: { ready: "True" | "False" | "Unknown"; lost?: boolean | null }) {
  if (lost) return <Badge tone="lost">Lost</Badge>;
  if (ready === "True") return <Badge tone="ok">Ready</Badge>;
  if (ready === "False") return <Badge tone="bad">Not ready</Badge>;
  return <Badge tone="wait">Unknown</Badge>;
}

const PHASE_TONES: Record<string, Tone> = {
  Succeeded: "ok",
  Available: "ok",
  Failed: "bad",
  Running: "wait",
  Progressing: "wait",
  Pending: "wait",
  Queued: "wait",
  Superseded: "lost",
  Skipped: "lost",
  Cancelled: "lost",
};

export function PhaseBadge({ phase }: { phase: string }) {
  return <Badge tone={PHASE_TONES[phase] ?? "wait"}>{phase}</Badge>;
}

export function When({ time }: { time: string | null | undefined }) {
  if (!time) return <span className="muted">—</span>;
  const date = new Date(time);
  return (
    <time dateTime={time} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}
