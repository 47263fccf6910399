import type { TeamSyncState } from "../api";
import { teamSyncIndicator } from "../lib/teamSync";

/**
 * The sidebar's team sync line: a dot and a word or two ("Synced", "Syncing…", "3 waiting",
 * "Offline"), the whole story in its tooltip and accessible name. Hidden while this device is
 * not connected to a team workspace; opens Settings → Team sync.
 */
export function TeamSyncIndicator({ state, onOpen }: { state: TeamSyncState | null; onOpen: () => void }) {
  const view = teamSyncIndicator(state);
  if (!view) return null;
  return (
    <button
      type="button"
      className={`team-sync-indicator team-sync-indicator--${view.phase}`}
      onClick={onOpen}
      title={view.detail}
      aria-label={`${view.detail} Open team sync settings.`}
      data-testid="team-sync-indicator"
      data-state={view.phase}
    >
      <span className="team-sync__dot" aria-hidden="true" />
      <span className="team-sync-indicator__text" aria-hidden="true">
        {view.text}
      </span>
    </button>
  );
}
