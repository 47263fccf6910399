import type { MonthCount } from "../../api";
import { niceTicks } from "../../lib/chartMath";
import { formatMonth, formatNumber } from "../../lib/format";
import { chartAriaLabel, ChartDataTable } from "./ChartDataTable";

const WIDTH = 960;
const HEIGHT = 230;
const LEFT = 36;
const RIGHT = 8;
const TOP = 22;
const BOTTOM = 28;

export const MONTHLY_CHART_TITLE = "New contacts per month";

/** Columns for new contacts per month, oldest first. */
export function MonthlyChart({ months }: { months: MonthCount[] }) {
  const rows = months.map((entry) => ({ key: entry.month, label: formatMonth(entry.month, "long"), value: entry.count }));
  const max = Math.max(0, ...months.map((entry) => entry.count));
  const ticks = niceTicks(max, 4);
  const top = ticks[ticks.length - 1] || 1;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = months.length > 0 ? plotWidth / months.length : plotWidth;
  const barWidth = Math.min(36, slot * 0.5);
  const yFor = (value: number) => TOP + plotHeight - (value / top) * plotHeight;
  const centers = months.map((_, index) => LEFT + slot * index + slot / 2);

  return (
    <figure className="chart">
      <svg
        className="chart__svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        data-testid="dashboard-monthly-chart"
        aria-label={chartAriaLabel(MONTHLY_CHART_TITLE, rows)}
        preserveAspectRatio="xMinYMin meet"
      >
        <g aria-hidden="true">
          {ticks.map((tick) => (
            <g key={tick}>
              <line className="chart-gridline" x1={LEFT} x2={WIDTH - RIGHT} y1={yFor(tick)} y2={yFor(tick)} />
              <text className="chart-axis" x={LEFT - 8} y={yFor(tick)} textAnchor="end" dominantBaseline="central">
                {formatNumber(tick)}
              </text>
            </g>
          ))}
          {months.map((entry, index) => {
            const height = (entry.count / top) * plotHeight;
            return (
              <g key={entry.month}>
                <rect
                  className="chart-bar chart-fill--primary"
                  x={centers[index] - barWidth / 2}
                  y={TOP + plotHeight - height}
                  width={barWidth}
                  height={Math.max(0, height)}
                  rx={4}
                  data-chart-bar=""
                >
                  <title>{`${formatMonth(entry.month, "long")}: ${entry.count}`}</title>
                </rect>
                {entry.count > 0 ? (
                  <text className="chart-value" x={centers[index]} y={TOP + plotHeight - height - 7} textAnchor="middle">
                    {formatNumber(entry.count)}
                  </text>
                ) : null}
                <text className="chart-axis" x={centers[index]} y={HEIGHT - 8} textAnchor="middle">
                  {formatMonth(entry.month, "short")}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      <ChartDataTable caption={MONTHLY_CHART_TITLE} columns={["Month", "New contacts"]} rows={rows} />
    </figure>
  );
}
