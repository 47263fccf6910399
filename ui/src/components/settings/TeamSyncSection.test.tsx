import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { SyncReport, SyncStatus, TeamSyncState } from "../../api";
import { eventBus } from "../../test/eventBus";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { TeamSyncSection } from "./TeamSyncSection";

const disconnected: SyncStatus = {
  server: null,
  workspace_id: null,
  workspace_name: null,
  connected: false,
  share_health_details: false,
  pending_changes: 0,
  last_synced_at: null,
  last_error: null,
  member_name: null,
};

function connected(overrides: Partial<SyncStatus> = {}): SyncStatus {
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

function teamState(status: SyncStatus, overrides: Partial<TeamSyncState> = {}): TeamSyncState {
  return { status, syncing: false, last_report: null, next_retry_at: null, ...overrides };
}

function report(overrides: Partial<SyncReport> = {}): SyncReport {
  return { sent: 42, received: 3, batch_id: "b1", pending_changes: 0, synced_at: "2026-12-07T10:00:00.000Z", ...overrides };
}

/** A promise the test settles when it wants to. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function renderSection() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <TeamSyncSection />
    </ToastProvider>,
  );
  return { user };
}

async function emitState(state: TeamSyncState) {
  await waitFor(() => expect(eventBus.count("team-sync-changed")).toBeGreaterThan(0));
  await act(async () => eventBus.emit("team-sync-changed", { state }));
}

describe("TeamSyncSection, disconnected", () => {
  it("explains team sync and refuses an empty server address beside the field, without calling the server", async () => {
    mockCommands({ sync_status: () => disconnected });
    const { user } = renderSection();
    expect((await screen.findByTestId("team-sync-intro")).textContent).toContain("private never leave this device");
    const server = screen.getByLabelText(/Server address/);
    const token = screen.getByLabelText(/Device token/) as HTMLInputElement;
    expect(token.type).toBe("password");

    await user.type(token, "device-token-1");
    await user.click(screen.getByTestId("team-sync-connect"));

    expect(screen.getByTestId("field-error-server").textContent).toContain("Enter the server address");
    expect(server.getAttribute("aria-invalid")).toBe("true");
    expect(server.getAttribute("aria-describedby")).toContain(screen.getByTestId("field-error-server").id);
    expect(document.activeElement).toBe(server);
    expect(screen.queryByTestId("field-error-token")).toBeNull();
    expect(callsTo("sync_connect")).toHaveLength(0);
  });

  it("shows the server's refusal of the address or the token beside that field, in plain words", async () => {
    let answer = appError("validation_failed", "server must start with http://", {
      fields: [{ field: "server", message: "must start with http:// or https:// (for example http://192.168.1.20:3030)" }],
    });
    mockCommands({
      sync_status: () => disconnected,
      sync_connect: () => {
        throw answer;
      },
    });
    const { user } = renderSection();
    await user.type(await screen.findByLabelText(/Server address/), "192.168.1.20:3030");
    await user.type(screen.getByLabelText(/Device token/), "device-token-1");
    await user.keyboard("{Enter}");
    expect((await screen.findByTestId("field-error-server")).textContent).toBe(
      "Server address must start with http:// or https:// (for example http://192.168.1.20:3030)",
    );

    answer = appError("auth_required", "the team server refused this device token (it may have been revoked); ask for a new one");
    await user.click(screen.getByTestId("team-sync-connect"));
    expect((await screen.findByTestId("field-error-token")).textContent).toBe(
      "The team server refused this device token (it may have been revoked); ask for a new one.",
    );
    expect(screen.queryByTestId("field-error-server")).toBeNull();

    answer = appError("network", "the team server at http://192.168.1.20:3030 could not be reached (connection refused)");
    await user.click(screen.getByTestId("team-sync-connect"));
    expect((await screen.findByTestId("team-sync-connect-error")).textContent).toBe(
      "Could not connect: the team server at http://192.168.1.20:3030 could not be reached (connection refused)",
    );
  });

  it("connects, says how many records will be shared and starts the first sync with a busy state", async () => {
    let status = disconnected;
    const firstSync = deferred<SyncReport>();
    mockCommands({
      sync_status: () => status,
      sync_connect: () => {
        status = connected({ last_synced_at: null, pending_changes: 42 });
        return { server: "http://192.168.1.20:3030", workspace_id: "w1", workspace_name: "Harbour Clinic", documents_on_server: 0, records_to_share: 42 };
      },
      sync_now: () => firstSync.promise,
    });
    const { user } = renderSection();
    await user.type(await screen.findByLabelText(/Server address/), " http://192.168.1.20:3030 ");
    await user.type(screen.getByLabelText(/Device token/), "device-token-1");
    await user.click(screen.getByTestId("team-sync-connect"));

    expect((await screen.findByTestId("team-sync-share-count")).textContent).toBe(
      "42 records of this device will be shared; private notes stay on this device.",
    );
    expect(callsTo("sync_connect")).toEqual([{ server: "http://192.168.1.20:3030", token: "device-token-1" }]);
    expect(screen.getByTestId("team-sync-workspace").textContent).toBe("Harbour Clinic");
    await waitFor(() => expect(callsTo("sync_now")).toHaveLength(1));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("Syncing…");
    expect(screen.getByTestId("team-sync-now").getAttribute("aria-busy")).toBe("true");

    await act(async () => firstSync.resolve(report()));
    await waitFor(() => expect(screen.getByTestId("team-sync-state").dataset.state).toBe("in-step"));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("In step with the team");
    expect(screen.getByTestId("team-sync-last-synced").textContent).toContain("Sent 42 records, received 3 changes from the team.");
    expect(screen.getByTestId("team-sync-now").getAttribute("aria-busy")).toBeNull();
  });
});

describe("TeamSyncSection, connected", () => {
  it("follows the service: syncing, changes waiting, offline with the next try, in step again", async () => {
    mockCommands({ sync_status: () => connected() });
    renderSection();
    const line = await screen.findByTestId("team-sync-state");
    expect(line.textContent).toBe("In step with the team");
    expect(screen.getByTestId("team-sync-server-address").textContent).toBe("on http://192.168.1.20:3030");
    await emitState(teamState(connected({ member_name: "Kim" })));
    expect(screen.getByTestId("team-sync-server-address").textContent).toBe("on http://192.168.1.20:3030, as Kim");

    await emitState(teamState(connected(), { syncing: true }));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("Syncing…");

    await emitState(teamState(connected({ pending_changes: 3 })));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("3 changes waiting to be sent");
    expect(screen.getByTestId("team-sync-state").dataset.state).toBe("waiting");

    await emitState(teamState(connected({ pending_changes: 1 })));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("1 change waiting to be sent");

    const retry = new Date(Date.now() + 60_000);
    await emitState(
      teamState(connected({ pending_changes: 1, last_error: "the team server at http://192.168.1.20:3030 could not be reached (connection refused)" }), {
        next_retry_at: retry.toISOString(),
      }),
    );
    const offline = screen.getByTestId("team-sync-state");
    expect(offline.dataset.state).toBe("offline");
    expect(offline.textContent).toMatch(
      /^Offline: the team server at http:\/\/192\.168\.1\.20:3030 could not be reached \(connection refused\), next try at .+\. 1 change waiting to be sent\.$/,
    );
    expect(offline.textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no raw timestamp

    await emitState(teamState(connected(), { last_report: report({ synced_at: "2026-12-07T09:30:00.000Z", sent: 1, received: 0 }) }));
    expect(screen.getByTestId("team-sync-state").textContent).toBe("In step with the team");
    expect(screen.getByTestId("team-sync-last-synced").textContent).toContain("Sent 1 record, received 0 changes from the team.");
  });

  it("sync now runs a sync and a failure says why in plain words", async () => {
    let fail = false;
    let status = connected({ pending_changes: 2 });
    mockCommands({
      sync_status: () => status,
      sync_now: () => {
        if (fail) {
          status = connected({ pending_changes: 2, last_error: "the team server stopped answering; the changes wait here for the next sync" });
          throw appError("network", "the team server stopped answering; the changes wait here for the next sync");
        }
        return report({ sent: 2, received: 0 });
      },
    });
    const { user } = renderSection();
    await user.click(await screen.findByTestId("team-sync-now"));
    await waitFor(() => expect(screen.getByTestId("team-sync-state").textContent).toBe("In step with the team"));

    fail = true;
    await user.click(screen.getByTestId("team-sync-now"));
    expect((await screen.findByRole("alert")).textContent).toContain("The sync did not finish: the team server stopped answering");
    await waitFor(() => expect(screen.getByTestId("team-sync-state").dataset.state).toBe("offline"));
    expect(callsTo("sync_now")).toHaveLength(2);
  });

  it("the health switch is off by default, explains why, and turning it on calls the command", async () => {
    mockCommands({
      sync_status: () => connected(),
      sync_set_share_health: (args) => connected({ share_health_details: args.share as boolean }),
    });
    const { user } = renderSection();
    const toggle = await screen.findByRole("switch", { name: "Share health details with my team" });
    expect((toggle as HTMLInputElement).checked).toBe(false);
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    const hint = document.getElementById(toggle.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toContain("Health context and emergency contacts are sensitive");

    toggle.focus();
    await user.keyboard(" ");
    await waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    expect(callsTo("sync_set_share_health")).toEqual([{ share: true }]);
  });

  it("disconnecting needs a confirmation that says the records stay on this device", async () => {
    let status = connected({ pending_changes: 2 });
    mockCommands({
      sync_status: () => status,
      sync_disconnect: () => {
        status = disconnected;
        return status;
      },
    });
    const { user } = renderSection();
    await user.click(await screen.findByTestId("team-sync-disconnect"));
    const step = screen.getByTestId("team-sync-disconnect-confirm-step");
    expect(step.textContent).toContain("Your records stay on this device");
    expect(step.textContent).toContain("2 changes not sent yet will not reach the team.");
    expect(document.activeElement).toBe(screen.getByTestId("team-sync-disconnect-cancel"));
    expect(callsTo("sync_disconnect")).toHaveLength(0);

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("team-sync-disconnect-confirm-step")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("team-sync-disconnect"));
    expect(callsTo("sync_disconnect")).toHaveLength(0);

    await user.click(screen.getByTestId("team-sync-disconnect"));
    await user.click(screen.getByTestId("team-sync-disconnect-confirm"));
    expect(await screen.findByTestId("team-sync-form")).toBeTruthy();
    expect(callsTo("sync_disconnect")).toHaveLength(1);
    expect(screen.getByText("Disconnected from Harbour Clinic. Your records stay on this device.")).toBeTruthy();
  });
});
