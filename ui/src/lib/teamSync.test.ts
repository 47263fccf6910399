import { describe, expect, it } from "vitest";
import type { SyncStatus } from "../api";
import { formatWhen, stateFromStatus, teamSyncPhase } from "./teamSync";

const offline: SyncStatus = {
  server: "http://192.168.1.20:3030",
  workspace_id: "w1",
  workspace_name: "Harbour Clinic",
  connected: true,
  share_health_details: false,
  pending_changes: 4,
  last_synced_at: null,
  last_error: "the team server stopped answering",
  member_name: null,
};

describe("team sync helpers", () => {
  it("shows only the time for a moment today, a date and time otherwise", () => {
    const now = new Date(2026, 11, 7, 15, 0);
    const today = formatWhen(new Date(2026, 11, 7, 15, 4).toISOString(), now);
    const tomorrow = formatWhen(new Date(2026, 11, 8, 0, 30).toISOString(), now);
    expect(today).not.toMatch(/2026/);
    expect(today).toMatch(/\d/);
    expect(tomorrow).toMatch(/2026/);
    expect(formatWhen("soon", now)).toBe("soon");
  });

  it("puts syncing before offline before waiting, and drops a retry time once the error is gone", () => {
    const state = stateFromStatus(offline);
    expect(teamSyncPhase(state)).toBe("offline");
    expect(teamSyncPhase(state, true)).toBe("syncing");
    expect(teamSyncPhase({ ...state, status: { ...offline, last_error: null } })).toBe("waiting");
    const retrying = { ...state, next_retry_at: "2026-12-07T15:05:00.000Z" };
    expect(stateFromStatus(offline, retrying).next_retry_at).toBe("2026-12-07T15:05:00.000Z");
    expect(stateFromStatus({ ...offline, last_error: null }, retrying).next_retry_at).toBeNull();
  });
});
