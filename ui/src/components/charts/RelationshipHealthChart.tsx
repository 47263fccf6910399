import type { RelationshipHealth } from "../../api";
import { LIFECYCLE_STAGES, NO_STAGE_LABEL, STAGE_LABELS } from "../../lib/labels";
import { StackedBarChart, type StackedDatum, type StackSeries } from "./StackedBarChart";

export const HEALTH_CHART_TITLE = "Keeping in touch by lifecycle stage";

export const HEALTH_SERIES: StackSeries[] = [
  { key: "within", label: "Within cadence", tone: "health-within" },
  { key: "overdue", label: "Overdue", tone: "health-overdue" },
  { key: "no_cadence", label: "No cadence", tone: "health-no_cadence" },
];

/** Rows in pipeline order for the stages that have anyone, then "No stage". */
export function healthChartData(health: RelationshipHealth): StackedDatum[] {
  const byKey = new Map<string, number[]>();
  for (const entry of health.by_stage) {
    const key = entry.stage ?? "none";
    const previous = byKey.get(key) ?? [0, 0, 0];
    byKey.set(key, [previous[0] + entry.within, previous[1] + entry.overdue, previous[2] + entry.no_cadence]);
  }
  const rows: StackedDatum[] = [];
  for (const stage of LIFECYCLE_STAGES) {
    const values = byKey.get(stage);
    if (values && values.some((value) => value > 0)) rows.push({ key: stage, label: STAGE_LABELS[stage], values });
  }
  const none = byKey.get("none");
  if (none && none.some((value) => value > 0)) rows.push({ key: "none", label: NO_STAGE_LABEL, values: none });
  return rows;
}

/** Who is within their keep-in-touch cadence, overdue, or has none, per lifecycle stage. */
export function RelationshipHealthChart({ health }: { health: RelationshipHealth }) {
  const data = healthChartData(health);
  if (data.length === 0) {
    return (
      <p className="muted" data-testid="dashboard-health-empty">
        No one to show yet. Choose how often to keep in touch on a person’s page, or set a default for a tag or stage in
        Settings.
      </p>
    );
  }
  return (
    <>
      <p className="muted small" data-testid="dashboard-health-summary">
        {health.within} within cadence · {health.overdue} overdue · {health.no_cadence} with no cadence
      </p>
      <StackedBarChart
        title={HEALTH_CHART_TITLE}
        series={HEALTH_SERIES}
        data={data}
        testId="dashboard-health-chart"
        categoryHeading="Lifecycle stage"
      />
    </>
  );
}
