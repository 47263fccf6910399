import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StageChart, stageChartData } from "./StageChart";

describe("StageChart", () => {
  it("draws one bar per lifecycle stage, in pipeline order, with an accessible summary", () => {
    const { container } = render(
      <StageChart
        byStage={[
          { stage: "vip_client", count: 2 },
          { stage: "prospect", count: 5 },
          { stage: "core_client", count: 11 },
        ]}
      />,
    );
    const chart = screen.getByTestId("dashboard-stage-chart");
    expect(chart.getAttribute("role")).toBe("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "Contacts by lifecycle stage: Prospect 5, New Client 0, Core Client 11, Referring Client 0, VIP Client 2, Lost Client 0, At Risk Client 0",
    );
    const bars = Array.from(container.querySelectorAll("[data-chart-bar]"));
    expect(bars.map((bar) => bar.getAttribute("data-key"))).toEqual([
      "prospect",
      "new_client",
      "core_client",
      "referring_client",
      "vip_client",
      "lost_client",
      "at_risk_client",
    ]);
    const width = (key: string) => Number(container.querySelector(`[data-key="${key}"]`)?.getAttribute("width"));
    expect(width("core_client")).toBeGreaterThan(width("prospect"));
    expect(width("prospect")).toBeGreaterThan(width("vip_client"));
    expect(width("new_client")).toBe(0);
  });

  it("adds a 'No stage' bar only when some contacts have no stage", () => {
    expect(stageChartData([{ stage: null, count: 3 }]).map((bar) => bar.key)).toContain("none");
    expect(stageChartData([{ stage: "prospect", count: 3 }]).map((bar) => bar.key)).not.toContain("none");
    expect(stageChartData([{ stage: null, count: 0 }]).length).toBe(7);
  });

  it("includes a visually hidden table of the values", () => {
    render(<StageChart byStage={[{ stage: "lost_client", count: 4 }]} />);
    const table = screen.getByRole("table", { name: "Contacts by lifecycle stage" });
    expect(table.className).toContain("visually-hidden");
    const row = screen.getByRole("rowheader", { name: "Lost Client" }).parentElement;
    expect(row?.textContent).toBe("Lost Client4");
  });
});
