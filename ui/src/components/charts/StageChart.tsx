import type { StageCount } from "../../api";
import { LIFECYCLE_STAGES, NO_STAGE_LABEL, STAGE_LABELS } from "../../lib/labels";
import { HorizontalBarChart, type BarDatum } from "./HorizontalBarChart";

export const STAGE_CHART_TITLE = "Contacts by lifecycle stage";

/**
 * Bars for every lifecycle stage in pipeline order (zero when absent), plus a
 * "No stage" bar when some contacts have none.
 */
export function stageChartData(byStage: StageCount[]): BarDatum[] {
  const counts = new Map<string, number>();
  for (const entry of byStage) {
    const key = entry.stage ?? "none";
    counts.set(key, (counts.get(key) ?? 0) + entry.count);
  }
  const data: BarDatum[] = LIFECYCLE_STAGES.map((stage) => ({
    key: stage,
    label: STAGE_LABELS[stage],
    value: counts.get(stage) ?? 0,
    tone: `stage-${stage}`,
  }));
  const withoutStage = counts.get("none") ?? 0;
  if (withoutStage > 0) data.push({ key: "none", label: NO_STAGE_LABEL, value: withoutStage, tone: "stage-none" });
  return data;
}

export function StageChart({ byStage }: { byStage: StageCount[] }) {
  return (
    <HorizontalBarChart
      title={STAGE_CHART_TITLE}
      data={stageChartData(byStage)}
      testId="dashboard-stage-chart"
      categoryHeading="Lifecycle stage"
    />
  );
}
