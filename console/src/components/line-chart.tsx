// A small SVG line chart (no chart library: the page needs lines, axes and markers, nothing more). The chart is an
// image with a text alternative that states the latest values; the deployments it marks are listed in words on the
// page, so nothing is only in the picture. Colours come from metrics.css; each line also differs by dash pattern.
import { type ChartPoint, chartModel, formatValue } from "../chart-model.ts";

export interface LineSeries {
  name: string;
  label: string;
  points: ChartPoint[];
}

const WIDTH = 640;
const HEIGHT = 180;
const MARGIN = { left: 72, right: 12, top: 10, bottom: 24 };

const time = (t: number) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export function LineChart(props: {
  title: string;
  unit: string;
  series: LineSeries[];
  markers: { t: number; label: string }[];
  start: number;
  end: number;
  /** Smallest top of the value axis. */
  minMax?: number;
}) {
  const model = chartModel({
    series: props.series,
    markers: props.markers.map((m) => m.t),
    start: props.start,
    end: props.end,
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    ...(props.minMax !== undefined ? { minMax: props.minMax } : {}),
  });
  const latest = props.series.map((s) => {
    const last = s.points.filter((p) => p.v !== null).at(-1);
    return `${s.label} ${formatValue(last?.v ?? null, props.unit)}`;
  });
  const summary = `${props.title}, ${time(props.start)} to ${time(props.end)}: latest ${latest.join(", ")}; ${model.markers.length} deployment${model.markers.length === 1 ? "" : "s"} marked.`;
  const points = props.series.reduce((n, s) => n + s.points.filter((p) => p.v !== null).length, 0);
  return (
    <figure className="chart">
      <figcaption>
        <strong>{props.title}</strong>
        <span className="chart-latest">{latest.join(" · ")}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        data-points={points}
        preserveAspectRatio="xMidYMid meet"
      >
        {model.yTicks.map((tick) => (
          <g key={tick.value}>
            <line className="grid" x1={model.plot.left} x2={model.plot.right} y1={tick.y} y2={tick.y} />
            <text className="axis" x={model.plot.left - 6} y={tick.y + 4} textAnchor="end">
              {formatValue(tick.value, props.unit)}
            </text>
          </g>
        ))}
        {model.xTicks.map((tick, index) => (
          <text
            key={tick.t}
            className="axis"
            x={tick.x}
            y={HEIGHT - 6}
            // The first and last labels align inwards, so that neither is cut off at the edge.
            textAnchor={index === 0 ? "start" : index === model.xTicks.length - 1 ? "end" : "middle"}
          >
            {time(tick.t)}
          </text>
        ))}
        {model.markers.map((marker) => (
          <line
            key={marker.t}
            className="marker"
            x1={marker.x}
            x2={marker.x}
            y1={model.plot.top}
            y2={model.plot.bottom}
          >
            <title>{`Deployed ${props.markers
              .filter((m) => m.t === marker.t)
              .map((m) => m.label)
              .join(", ")} at ${time(marker.t)}`}</title>
          </line>
        ))}
        {model.paths.map((path, index) => (
          <path key={path.name} className={`line line-${index}`} d={path.d} />
        ))}
      </svg>
      {props.series.length > 1 && (
        <ul className="legend">
          {props.series.map((s, index) => (
            <li key={s.name}>
              <svg className="swatch" viewBox="0 0 24 8" aria-hidden="true">
                <line className={`line line-${index}`} x1="0" x2="24" y1="4" y2="4" />
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
