import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { emptyHealth } from "../../test/fixtures";
import { RelationshipHealthChart } from "./RelationshipHealthChart";

const health = {
  within: 9,
  overdue: 4,
  no_cadence: 7,
  by_stage: [
    { stage: "vip_client" as const, within: 3, overdue: 1, no_cadence: 0 },
    { stage: "prospect" as const, within: 0, overdue: 0, no_cadence: 6 },
    { stage: "core_client" as const, within: 6, overdue: 3, no_cadence: 0 },
    { stage: null, within: 0, overdue: 0, no_cadence: 1 },
  ],
};

describe("RelationshipHealthChart", () => {
  it("stacks within cadence, overdue and no cadence per stage, in pipeline order, with an accessible table", () => {
    const { container } = render(<RelationshipHealthChart health={health} />);
    const chart = screen.getByTestId("dashboard-health-chart");
    expect(chart.getAttribute("role")).toBe("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "Keeping in touch by lifecycle stage: Prospect: Within cadence 0, Overdue 0, No cadence 6; " +
        "Core Client: Within cadence 6, Overdue 3, No cadence 0; VIP Client: Within cadence 3, Overdue 1, No cadence 0; " +
        "No stage: Within cadence 0, Overdue 0, No cadence 1",
    );
    const segments = Array.from(container.querySelectorAll("[data-chart-segment]")).map((segment) => segment.getAttribute("data-key"));
    expect(segments).toEqual(["prospect:no_cadence", "core_client:within", "core_client:overdue", "vip_client:within", "vip_client:overdue", "none:no_cadence"]);

    const table = container.querySelector("table");
    if (!table) throw new Error("no data table");
    const headings = within(table).getAllByRole("columnheader").map((cell) => cell.textContent);
    expect(headings).toEqual(["Lifecycle stage", "Within cadence", "Overdue", "No cadence"]);
    const coreRow = within(table).getByRole("rowheader", { name: "Core Client" }).closest("tr");
    expect(Array.from(coreRow?.querySelectorAll("td") ?? []).map((cell) => cell.textContent)).toEqual(["6", "3", "0"]);
    expect(screen.getByTestId("dashboard-health-summary").textContent).toBe("9 within cadence · 4 overdue · 7 with no cadence");
  });

  it("explains what to set up when there is nobody to show", () => {
    render(<RelationshipHealthChart health={emptyHealth} />);
    expect(screen.getByTestId("dashboard-health-empty").textContent).toContain("set a default for a tag or stage in Settings");
    expect(screen.queryByTestId("dashboard-health-chart")).toBeNull();
  });
});
