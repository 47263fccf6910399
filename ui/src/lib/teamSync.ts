import type { SyncStatus, TeamSyncState } from "../api";
import { formatDateTime, pluralize } from "./format";

/** In step, syncing, changes waiting to be sent, or offline (the last sync failed). */
export type TeamSyncPhase = "in-step" | "syncing" | "waiting" | "offline";

/** The state the service last reported, or the one `teamSyncStatus` read before any event. */
export function stateFromStatus(status: SyncStatus, previous: TeamSyncState | null = null): TeamSyncState {
  return {
    status,
    syncing: previous?.syncing ?? false,
    last_report: previous?.last_report ?? null,
    next_retry_at: status.last_error ? (previous?.next_retry_at ?? null) : null,
  };
}

/** `syncing`: a sync this window started and is waiting for (the service does not report those). */
export function teamSyncPhase(state: TeamSyncState, syncing = false): TeamSyncPhase {
  if (syncing || state.syncing) return "syncing";
  if (state.status.last_error) return "offline";
  if (state.status.pending_changes > 0) return "waiting";
  return "in-step";
}

const timeFormatter = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** A time today as "10:32 AM", any other as a date and time. */
export function formatWhen(value: string, now: Date = new Date()): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toDateString() === now.toDateString() ? timeFormatter.format(date) : formatDateTime(value);
}

/** The backend's plain-words errors start in lower case, to be put after a colon. */
function withoutFinalStop(text: string): string {
  return text.trim().replace(/[.\s]+$/, "");
}

/** "3 changes waiting to be sent" */
export function waitingText(pending: number): string {
  return `${pluralize(pending, "change")} waiting to be sent`;
}

/** The line under the workspace in Settings: "In step", "Syncing…", what waits, or why it is offline. */
export function teamSyncStateLine(state: TeamSyncState, syncing = false, now: Date = new Date()): string {
  switch (teamSyncPhase(state, syncing)) {
    case "syncing":
      return "Syncing…";
    case "offline": {
      const reason = withoutFinalStop(state.status.last_error ?? "the team server could not be reached");
      const retry = state.next_retry_at ? `, next try at ${formatWhen(state.next_retry_at, now)}` : "";
      const waiting = state.status.pending_changes > 0 ? ` ${waitingText(state.status.pending_changes)}.` : "";
      return `Offline: ${reason}${retry}.${waiting}`;
    }
    case "waiting":
      return waitingText(state.status.pending_changes);
    case "in-step":
      return "In step with the team";
  }
}

export type TeamSyncIndicatorView = {
  phase: TeamSyncPhase;
  /** A word or two beside the dot. */
  text: string;
  /** The whole story, for the tooltip and screen readers. */
  detail: string;
};

/** What the sidebar shows; null when this device is not connected to a team workspace. */
export function teamSyncIndicator(state: TeamSyncState | null, now: Date = new Date()): TeamSyncIndicatorView | null {
  if (!state || !state.status.connected) return null;
  const phase = teamSyncPhase(state);
  const workspace = state.status.workspace_name ?? "the team workspace";
  const line = teamSyncStateLine(state, false, now);
  const synced = state.status.last_synced_at ? ` Last synced ${formatWhen(state.status.last_synced_at, now)}.` : " Not synced yet.";
  switch (phase) {
    case "syncing":
      return { phase, text: "Syncing…", detail: `Team sync: syncing with ${workspace}.` };
    case "offline":
      return { phase, text: "Offline", detail: `Team sync with ${workspace}: ${line}${synced}` };
    case "waiting":
      return { phase, text: `${formatPending(state.status.pending_changes)} waiting`, detail: `Team sync with ${workspace}: ${line}.${synced}` };
    case "in-step":
      return { phase, text: "Synced", detail: `Team sync: in step with ${workspace}.${synced}` };
  }
}

function formatPending(count: number): string {
  return count > 999 ? "999+" : String(count);
}

/** What one sync did, in a sentence ("Sent 3 records, received 2 changes from the team."). */
export function reportSummary(sent: number, received: number): string {
  if (sent === 0 && received === 0) return "Nothing new either way.";
  return `Sent ${pluralize(sent, "record")}, received ${pluralize(received, "change")} from the team.`;
}
