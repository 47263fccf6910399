import { formatNumber } from "../../lib/format";
import { ChartDataTable } from "./ChartDataTable";

export type StackSeries = {
  key: string;
  label: string;
  /** CSS modifier for the segment colour, e.g. "health-overdue" -> .chart-fill--health-overdue */
  tone: string;
};

export type StackedDatum = {
  key: string;
  label: string;
  /** One value per series, in the series' order. */
  values: number[];
};

type StackedBarChartProps = {
  title: string;
  series: StackSeries[];
  data: StackedDatum[];
  testId?: string;
  categoryHeading: string;
};

const WIDTH = 560;
const ROW_HEIGHT = 34;
const BAR_HEIGHT = 18;
const LABEL_WIDTH = 138;
const VALUE_WIDTH = 56;
const TOP = 6;

/** One horizontal bar per category, split into a segment per series; a legend below. */
export function StackedBarChart({ title, series, data, testId, categoryHeading }: StackedBarChartProps) {
  const totals = data.map((item) => item.values.reduce((sum, value) => sum + value, 0));
  const max = Math.max(1, ...totals);
  const trackWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = TOP * 2 + data.length * ROW_HEIGHT;
  const label = `${title}: ${data
    .map((item) => `${item.label}: ${series.map((entry, index) => `${entry.label} ${item.values[index] ?? 0}`).join(", ")}`)
    .join("; ")}`;

  return (
    <figure className="chart">
      <svg
        className="chart__svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        data-testid={testId}
        aria-label={label}
        preserveAspectRatio="xMinYMin meet"
      >
        {data.map((item, index) => {
          const y = TOP + index * ROW_HEIGHT;
          const barY = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
          let x = LABEL_WIDTH;
          return (
            <g key={item.key} aria-hidden="true">
              <text className="chart-label" x={LABEL_WIDTH - 12} y={y + ROW_HEIGHT / 2} textAnchor="end" dominantBaseline="central">
                {item.label}
              </text>
              <rect className="chart-track" x={LABEL_WIDTH} y={barY} width={trackWidth} height={BAR_HEIGHT} rx={5} />
              {series.map((entry, seriesIndex) => {
                const value = item.values[seriesIndex] ?? 0;
                if (value <= 0) return null;
                const width = Math.max(3, (value / max) * trackWidth);
                const segment = (
                  <rect
                    key={entry.key}
                    className={`chart-bar chart-fill--${entry.tone}`}
                    x={x}
                    y={barY}
                    width={width}
                    height={BAR_HEIGHT}
                    data-chart-segment=""
                    data-key={`${item.key}:${entry.key}`}
                    data-value={value}
                  >
                    <title>{`${item.label}, ${entry.label}: ${value}`}</title>
                  </rect>
                );
                x += width;
                return segment;
              })}
              <text className="chart-value" x={LABEL_WIDTH + trackWidth + 10} y={y + ROW_HEIGHT / 2} dominantBaseline="central">
                {formatNumber(totals[index])}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="legend legend--inline" aria-hidden="true">
        {series.map((entry, index) => (
          <li key={entry.key} className="legend__item">
            <span className={`legend__swatch legend__swatch--${entry.tone}`} />
            <span className="legend__label">{entry.label}</span>
            <span className="legend__value">{formatNumber(data.reduce((sum, item) => sum + (item.values[index] ?? 0), 0))}</span>
          </li>
        ))}
      </ul>
      <ChartDataTable caption={title} columns={[categoryHeading, ...series.map((entry) => entry.label)]} rows={data} />
    </figure>
  );
}
