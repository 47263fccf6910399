import { act, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ToastProvider } from "../components/Toasts";
import { eventBus } from "../test/eventBus";
import { emptyDashboard, emptyHealth } from "../test/fixtures";
import { callsTo, mockCommands } from "../test/tauriMock";
import { DashboardPage } from "./DashboardPage";

function renderDashboard() {
  render(
    <ToastProvider>
      <DashboardPage onOpenContacts={vi.fn()} />
    </ToastProvider>,
  );
}

describe("DashboardPage", () => {
  it("shows real numbers and charts from dashboard_get", async () => {
    mockCommands({
      keep_in_touch_health: () => ({
        within: 20,
        overdue: 5,
        no_cadence: 17,
        by_stage: [
          { stage: "prospect", within: 15, overdue: 5, no_cadence: 10 },
          { stage: null, within: 5, overdue: 0, no_cadence: 7 },
        ],
      }),
      dashboard_get: () => ({
        total_contacts: 42,
        new_this_month: 7,
        by_stage: [
          { stage: "prospect", count: 30 },
          { stage: null, count: 12 },
        ],
        by_status: [
          { status: "active", count: 40 },
          { status: "at_risk", count: 2 },
        ],
        new_by_month: [
          { month: "2026-10", count: 3 },
          { month: "2026-11", count: 7 },
        ],
      }),
    });
    renderDashboard();
    expect((await screen.findByTestId("dashboard-total")).textContent).toBe("42");
    expect(screen.getByTestId("dashboard-new-this-month").textContent).toBe("7");
    expect(screen.getByTestId("dashboard-active").textContent).toBe("40");
    const stageChart = screen.getByTestId("dashboard-stage-chart");
    expect(stageChart.querySelectorAll("[data-chart-bar]")).toHaveLength(8);
    expect(screen.getByTestId("dashboard-status-chart").getAttribute("aria-label")).toBe(
      "Contacts by client status: Active 40, Inactive 0, At risk 2, Churned 0",
    );
    expect(screen.getByTestId("dashboard-monthly-chart").querySelectorAll("[data-chart-bar]")).toHaveLength(2);
    const health = await screen.findByTestId("dashboard-health-chart");
    expect(health.getAttribute("aria-label")).toContain("Prospect: Within cadence 15, Overdue 5, No cadence 10");
    expect(health.querySelectorAll("[data-chart-segment]")).toHaveLength(5);
  });

  it("still shows the rest of the dashboard when relationship health cannot be loaded", async () => {
    mockCommands({
      keep_in_touch_health: () => {
        throw { code: "database", message: "locked", details: null };
      },
      dashboard_get: () => ({ ...emptyDashboard, total_contacts: 3, by_stage: [{ stage: "prospect", count: 3 }] }),
    });
    renderDashboard();
    expect(await screen.findByTestId("dashboard-health-failed")).toBeTruthy();
    expect(screen.getByTestId("dashboard-total").textContent).toBe("3");
    expect(screen.getByTestId("dashboard-stage-chart")).toBeTruthy();
  });

  it("shows an empty state when there are no contacts, and reloads on contacts-changed", async () => {
    let total = 0;
    mockCommands({ dashboard_get: () => ({ ...emptyDashboard, total_contacts: total }), keep_in_touch_health: () => emptyHealth });
    renderDashboard();
    await screen.findByTestId("dashboard-empty");
    expect(screen.getByTestId("dashboard-total").textContent).toBe("0");
    expect(screen.queryByTestId("dashboard-stage-chart")).toBeNull();

    total = 3;
    await waitFor(() => expect(eventBus.count("contacts-changed")).toBeGreaterThan(0));
    act(() => eventBus.emit("contacts-changed", { ids: ["a"], reason: "created" }));
    await waitFor(() => expect(screen.getByTestId("dashboard-total").textContent).toBe("3"));
    expect(callsTo("dashboard_get").length).toBeGreaterThanOrEqual(2);
  });
});
