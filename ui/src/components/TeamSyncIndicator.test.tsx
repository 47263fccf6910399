import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { SyncStatus, TeamSyncState } from "../api";
import { eventBus } from "../test/eventBus";
import { emptyDashboard, emptyToday, jobsFrom } from "../test/fixtures";
import { mockCommands } from "../test/tauriMock";
import { TeamSyncIndicator } from "./TeamSyncIndicator";
import { ToastProvider } from "./Toasts";

function status(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    server: "http://192.168.1.20:3030",
    workspace_id: "w1",
    workspace_name: "Harbour Clinic",
    connected: true,
    share_health_details: false,
    pending_changes: 0,
    last_synced_at: "2026-12-07T09:30:00.000Z",
    last_error: null,
    member_name: null,
    ...overrides,
  };
}

function teamState(overrides: Partial<SyncStatus> = {}, rest: Partial<TeamSyncState> = {}): TeamSyncState {
  return { status: status(overrides), syncing: false, last_report: null, next_retry_at: null, ...rest };
}

describe("TeamSyncIndicator", () => {
  it("is hidden while the device is not connected, or before the state is known", () => {
    const { container, rerender } = render(<TeamSyncIndicator state={null} onOpen={() => {}} />);
    expect(container.innerHTML).toBe("");
    rerender(<TeamSyncIndicator state={teamState({ connected: false, workspace_name: null, server: null })} onOpen={() => {}} />);
    expect(screen.queryByTestId("team-sync-indicator")).toBeNull();
  });

  it("says synced, syncing, how many wait or offline, with the detail in its tooltip and name", () => {
    const { rerender } = render(<TeamSyncIndicator state={teamState()} onOpen={() => {}} />);
    const indicator = () => screen.getByTestId("team-sync-indicator");
    expect(indicator().textContent).toBe("Synced");
    expect(indicator().getAttribute("aria-label")).toMatch(/^Team sync: in step with Harbour Clinic\. Last synced .+\. Open team sync settings\.$/);

    rerender(<TeamSyncIndicator state={teamState({}, { syncing: true })} onOpen={() => {}} />);
    expect(indicator().textContent).toBe("Syncing…");
    expect(indicator().dataset.state).toBe("syncing");

    rerender(<TeamSyncIndicator state={teamState({ pending_changes: 3 })} onOpen={() => {}} />);
    expect(indicator().textContent).toBe("3 waiting");
    expect(indicator().title).toContain("3 changes waiting to be sent");

    rerender(
      <TeamSyncIndicator
        state={teamState({ pending_changes: 3, last_error: "the team server at http://192.168.1.20:3030 could not be reached (connection refused)" }, { next_retry_at: new Date(Date.now() + 30_000).toISOString() })}
        onOpen={() => {}}
      />,
    );
    expect(indicator().textContent).toBe("Offline");
    expect(indicator().dataset.state).toBe("offline");
    expect(indicator().title).toMatch(/could not be reached \(connection refused\), next try at .+\. 3 changes waiting to be sent\./);
  });

  it("opens team sync settings when clicked or pressed", async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    render(<TeamSyncIndicator state={teamState()} onOpen={onOpen} />);
    await user.click(screen.getByTestId("team-sync-indicator"));
    screen.getByTestId("team-sync-indicator").focus();
    await user.keyboard("{Enter}");
    expect(onOpen).toHaveBeenCalledTimes(2);
  });
});

describe("Team sync in the app shell", () => {
  it("shows the indicator once the device connects, and it opens Settings → Team sync", async () => {
    let current = status({ connected: false, workspace_name: null, server: null, workspace_id: null, last_synced_at: null });
    mockCommands({
      contacts_list: () => ({ items: [], total: 0, offset: 0 }),
      tags_list: () => [],
      dashboard_get: () => ({ ...emptyDashboard, total_contacts: 0 }),
      app_info: () => ({ version: "1.2.3", data_dir: "/tmp", schema_version: 1 }),
      jobs_list: jobsFrom(() => []),
      sync_status: () => current,
      today_get: () => emptyToday,
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <App />
      </ToastProvider>,
    );
    await screen.findByTestId("today-page");
    await waitFor(() => expect(eventBus.count("team-sync-changed")).toBeGreaterThan(0));
    expect(screen.queryByTestId("team-sync-indicator")).toBeNull();

    current = status({ pending_changes: 2 });
    await act(async () => eventBus.emit("team-sync-changed", { state: teamState({ pending_changes: 2 }) }));
    const indicator = screen.getByTestId("team-sync-indicator");
    expect(indicator.textContent).toBe("2 waiting");

    await user.click(indicator);
    await screen.findByTestId("settings-page");
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Team sync"));
    expect((await screen.findByTestId("team-sync-state")).textContent).toBe("2 changes waiting to be sent");
  });
});
