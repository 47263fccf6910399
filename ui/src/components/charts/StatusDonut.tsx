import type { StatusCount } from "../../api";
import { donutSegments } from "../../lib/chartMath";
import { formatNumber } from "../../lib/format";
import { CLIENT_STATUSES, STATUS_LABELS } from "../../lib/labels";
import { chartAriaLabel, ChartDataTable } from "./ChartDataTable";

const SIZE = 160;
const STROKE = 22;
const RADIUS = (SIZE - STROKE) / 2;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;
const GAP = 2;

export const STATUS_CHART_TITLE = "Contacts by client status";

export function StatusDonut({ byStatus }: { byStatus: StatusCount[] }) {
  const rows = CLIENT_STATUSES.map((status) => ({
    key: status,
    label: STATUS_LABELS[status],
    value: byStatus.filter((entry) => entry.status === status).reduce((sum, entry) => sum + entry.count, 0),
  }));
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  const segments = donutSegments(rows, CIRCUMFERENCE);
  const single = segments.length === 1;

  return (
    <figure className="chart chart--donut">
      <svg
        className="donut"
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        width={SIZE}
        height={SIZE}
        role="img"
        data-testid="dashboard-status-chart"
        aria-label={chartAriaLabel(STATUS_CHART_TITLE, rows)}
      >
        <g transform={`rotate(-90 ${SIZE / 2} ${SIZE / 2})`} aria-hidden="true">
          <circle className="chart-track-stroke" cx={SIZE / 2} cy={SIZE / 2} r={RADIUS} fill="none" strokeWidth={STROKE} />
          {segments.map((segment) => (
            <circle
              key={segment.key}
              className={`donut__segment chart-stroke--status-${segment.key}`}
              cx={SIZE / 2}
              cy={SIZE / 2}
              r={RADIUS}
              fill="none"
              strokeWidth={STROKE}
              strokeDasharray={`${Math.max(0, segment.length - (single ? 0 : GAP))} ${CIRCUMFERENCE}`}
              strokeDashoffset={-segment.start}
              data-chart-segment=""
            />
          ))}
        </g>
        <text className="donut__total" x="50%" y="47%" textAnchor="middle" dominantBaseline="central" aria-hidden="true">
          {formatNumber(total)}
        </text>
        <text className="donut__caption" x="50%" y="63%" textAnchor="middle" dominantBaseline="central" aria-hidden="true">
          contacts
        </text>
      </svg>
      <ul className="legend" aria-hidden="true">
        {rows.map((row) => (
          <li key={row.key} className="legend__item">
            <span className={`legend__swatch chart-bg--status-${row.key}`} />
            <span className="legend__label">{row.label}</span>
            <span className="legend__value">{formatNumber(row.value)}</span>
            <span className="legend__percent">{total > 0 ? `${Math.round((row.value / total) * 100)}%` : "—"}</span>
          </li>
        ))}
      </ul>
      <ChartDataTable caption={STATUS_CHART_TITLE} columns={["Client status", "Contacts"]} rows={rows} />
    </figure>
  );
}
