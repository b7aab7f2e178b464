// The geometry of the metrics page's line charts, kept apart from React so that it is a pure function with its own
// test: scales from time and value to the plot, "nice" value ticks, one SVG path per series (a missing value breaks
// the line rather than drawing it down to zero) and the x position of each deploy marker.

export interface ChartPoint {
  t: number;
  v: number | null;
}

export interface ChartInput {
  series: { name: string; points: ChartPoint[] }[];
  /** Unix seconds of the markers (deployments). */
  markers: number[];
  /** The time range shown, Unix seconds. */
  start: number;
  end: number;
  width: number;
  height: number;
  /** Space left for the value axis labels (left) and the time labels (bottom). */
  margin: { left: number; bottom: number; top: number; right: number };
  /** The value axis never ends below this (a ratio chart of all zeros still shows 0…1%, say). */
  minMax?: number;
}

export interface ChartModel {
  paths: { name: string; d: string }[];
  yTicks: { value: number; y: number }[];
  xTicks: { t: number; x: number }[];
  markers: { t: number; x: number }[];
  plot: { left: number; top: number; right: number; bottom: number };
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (0 stays 0). */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value * (1 - 1e-9)) return step * power;
  return 10 * power;
}

export function chartModel(input: ChartInput): ChartModel {
  const { margin, start, end } = input;
  const plot = {
    left: margin.left,
    top: margin.top,
    right: input.width - margin.right,
    bottom: input.height - margin.bottom,
  };
  const values = input.series.flatMap((s) => s.points.map((p) => p.v).filter((v): v is number => v !== null));
  const yMax = niceCeil(Math.max(input.minMax ?? 0, ...values)) || 1;
  const span = Math.max(1, end - start);
  const x = (t: number) => plot.left + ((t - start) / span) * (plot.right - plot.left);
  const y = (v: number) => plot.bottom - (v / yMax) * (plot.bottom - plot.top);
  const round = (n: number) => Math.round(n * 10) / 10;
  const paths = input.series.map((s) => {
    let d = "";
    let drawing = false;
    for (const p of s.points) {
      if (p.v === null || p.t < start || p.t > end) {
        drawing = false;
        continue;
      }
      d += `${drawing ? "L" : "M"}${round(x(p.t))},${round(y(p.v))}`;
      drawing = true;
    }
    return { name: s.name, d };
  });
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => ({ value: yMax * share, y: round(y(yMax * share)) }));
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => {
    const t = start + span * share;
    return { t, x: round(x(t)) };
  });
  // Deployments within the same second draw one line.
  const markers = [...new Set(input.markers)].filter((t) => t >= start && t <= end).map((t) => ({ t, x: round(x(t)) }));
  return { paths, yTicks, xTicks, markers, plot };
}

/** A value in the series' unit, as the page shows it. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return "no data";
  if (unit === "ratio") return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%`;
  if (unit === "s") return value < 1 ? `${Math.round(value * 1000 * 10) / 10} ms` : `${value.toFixed(2)} s`;
  if (unit === "requests/s") return `${value < 10 ? value.toFixed(2) : value.toFixed(1)}/s`;
  return String(value);
}
