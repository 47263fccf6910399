import { formatNumber } from "../../lib/format";
import { niceCeiling } from "../../lib/chartMath";
import { chartAriaLabel, ChartDataTable } from "./ChartDataTable";

export type BarDatum = {
  key: string;
  label: string;
  value: number;
  /** CSS modifier for the bar colour, e.g. "stage-prospect" -> .chart-fill--stage-prospect */
  tone: string;
};

type HorizontalBarChartProps = {
  title: string;
  data: BarDatum[];
  testId?: string;
  categoryHeading: string;
};

const WIDTH = 560;
const ROW_HEIGHT = 34;
const BAR_HEIGHT = 18;
const LABEL_WIDTH = 138;
const VALUE_WIDTH = 56;
const TOP = 6;

/** One horizontal bar per category, labelled on the left, value on the right. */
export function HorizontalBarChart({ title, data, testId, categoryHeading }: HorizontalBarChartProps) {
  const max = niceCeiling(Math.max(1, ...data.map((item) => item.value)));
  const trackWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = TOP * 2 + data.length * ROW_HEIGHT;

  return (
    <figure className="chart">
      <svg
        className="chart__svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        data-testid={testId}
        aria-label={chartAriaLabel(title, data)}
        preserveAspectRatio="xMinYMin meet"
      >
        {data.map((item, index) => {
          const y = TOP + index * ROW_HEIGHT;
          const barY = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
          const width = item.value > 0 ? Math.max(3, (item.value / max) * trackWidth) : 0;
          return (
            <g key={item.key} aria-hidden="true">
              <text className="chart-label" x={LABEL_WIDTH - 12} y={y + ROW_HEIGHT / 2} textAnchor="end" dominantBaseline="central">
                {item.label}
              </text>
              <rect className="chart-track" x={LABEL_WIDTH} y={barY} width={trackWidth} height={BAR_HEIGHT} rx={5} />
              <rect
                className={`chart-bar chart-fill--${item.tone}`}
                x={LABEL_WIDTH}
                y={barY}
                width={width}
                height={BAR_HEIGHT}
                rx={5}
                data-chart-bar=""
                data-key={item.key}
                data-value={item.value}
              >
                <title>{`${item.label}: ${item.value}`}</title>
              </rect>
              <text className="chart-value" x={LABEL_WIDTH + trackWidth + 10} y={y + ROW_HEIGHT / 2} dominantBaseline="central">
                {formatNumber(item.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <ChartDataTable caption={title} columns={[categoryHeading, "Contacts"]} rows={data} />
    </figure>
  );
}
