import { useCallback, useEffect, useRef, useState } from "react";
import { api, onTeamSyncChanged, toAppError, type AppError, type SyncReport, type SyncStatus, type TeamSyncChanged, type TeamSyncState } from "../api";
import { stateFromStatus } from "../lib/teamSync";
import { useEventSubscription } from "./useEventSubscription";

export type TeamSync = {
  /** Null until the first read. */
  state: TeamSyncState | null;
  /** Why the first read failed (a later event or reload clears it). */
  error: AppError | null;
  reload: () => Promise<void>;
  /** Puts a status a command returned into the state at once. */
  applyStatus: (status: SyncStatus) => void;
  /** Records what a sync this window ran did. */
  applyReport: (report: SyncReport) => void;
};

/**
 * Team sync's state: read once, then kept current by the background service's
 * `TeamSyncChanged` events (it reads the status every half second, so a connect or disconnect
 * made anywhere shows up too).
 */
export function useTeamSync(): TeamSync {
  const [state, setState] = useState<TeamSyncState | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const applyStatus = useCallback((status: SyncStatus) => {
    setState((previous) => stateFromStatus(status, previous));
    setError(null);
  }, []);

  const reload = useCallback(
    () =>
      api.teamSyncStatus().then(
        (status) => {
          if (mounted.current) applyStatus(status);
        },
        (caught: unknown) => {
          if (mounted.current) setError(toAppError(caught));
        },
      ),
    [applyStatus],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const onChange = useCallback((change: TeamSyncChanged) => {
    setState(change.state);
    setError(null);
  }, []);
  useEventSubscription(onTeamSyncChanged, onChange);

  const applyReport = useCallback((report: SyncReport) => {
    setState((previous) =>
      previous
        ? {
            ...previous,
            last_report: report,
            next_retry_at: null,
            status: { ...previous.status, pending_changes: report.pending_changes, last_synced_at: report.synced_at, last_error: null },
          }
        : previous,
    );
  }, []);

  return { state, error, reload, applyStatus, applyReport };
}
