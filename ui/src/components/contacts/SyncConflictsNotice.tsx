import { useCallback, useEffect, useState } from "react";
import { api, onTeamSyncChanged, type ConflictChoice, type SyncConflict } from "../../api";
import { formatDateTime } from "../../lib/format";
import { Button } from "../Button";
import { Icon } from "../Icon";
import { UNDO_TOAST_MS, useToasts } from "../Toasts";

/** A value as the notice shows it: quoted, or "(empty)". */
export function shownValue(value: string): string {
  return value === "" ? "(empty)" : `“${value}”`;
}

type SyncConflictsNoticeProps = {
  recordId: string;
  /** Bumped when the record may have changed, to look again. */
  refreshToken: number;
  /** Called once a conflict was settled (the record changed here). */
  onSettled: () => void;
};

/**
 * Fields of this record that two devices changed at the same time: the value every device
 * kept and the one it was chosen over, with a choice between them. Nothing shows when there
 * are none (or the device does not sync).
 */
export function SyncConflictsNotice({ recordId, refreshToken, onSettled }: SyncConflictsNoticeProps) {
  const { showError, showToast } = useToasts();
  const [conflicts, setConflicts] = useState<SyncConflict[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [syncs, setSyncs] = useState(0);

  const load = useCallback(() => {
    let current = true;
    api.teamSyncConflicts(recordId).then(
      (found) => {
        if (current) setConflicts(found);
      },
      // Conflicts are a hint beside the record; failing to list them must not get in the way.
      () => {
        if (current) setConflicts([]);
      },
    );
    return () => {
      current = false;
    };
  }, [recordId]);

  useEffect(() => load(), [load, refreshToken, syncs]);

  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let active = true;
    void onTeamSyncChanged((event) => {
      if (!event.state.syncing) setSyncs((count) => count + 1);
    }).then((stop) => {
      if (active) unsubscribe = stop;
      else stop();
    });
    return () => {
      active = false;
      unsubscribe?.();
    };
  }, []);

  const settle = async (conflict: SyncConflict, choice: ConflictChoice) => {
    setBusy(`${conflict.id}:${choice}`);
    try {
      const resolution = await api.teamSyncResolveConflict(conflict.id, choice);
      const batchId = resolution.batch_id;
      showToast({
        tone: "success",
        message: `${resolution.field_label} is now ${shownValue(resolution.value)} on every device.`,
        durationMs: batchId ? UNDO_TOAST_MS : undefined,
        action: batchId
          ? {
              label: "Undo",
              testId: "sync-conflict-undo",
              onAction: async () => {
                try {
                  await api.undoBatch(batchId);
                  onSettled();
                } catch (error) {
                  showError(error, "Could not undo");
                }
              },
            }
          : undefined,
      });
      setConflicts((previous) => previous.filter((entry) => entry.id !== conflict.id));
      onSettled();
    } catch (error) {
      showError(error, "Could not settle the change");
    } finally {
      setBusy(null);
    }
  };

  if (conflicts.length === 0) return null;

  return (
    <section className="alert alert--warning sync-conflicts" aria-labelledby="sync-conflicts-title" data-testid="sync-conflicts">
      <Icon name="alert" size={18} />
      <div className="sync-conflicts__body">
        <h4 className="alert__title" id="sync-conflicts-title">
          Changed on two devices at the same time
        </h4>
        <ul className="sync-conflicts__list">
          {conflicts.map((conflict) => (
            <li key={conflict.id} className="sync-conflicts__item" data-testid={`sync-conflict-${conflict.field}`}>
              <p>
                <strong>{conflict.field_label}</strong>: every device shows {shownValue(conflict.chosen)}; the other change was{" "}
                {shownValue(conflict.other)}
                {conflict.other_by ? `, by ${conflict.other_by}` : ""}
                {conflict.other_at ? (
                  <>
                    {" "}
                    on <time dateTime={conflict.other_at}>{formatDateTime(conflict.other_at)}</time>
                  </>
                ) : null}
                .{" "}
                {conflict.other_at ? null : (
                  <span className="muted small">
                    Noticed <time dateTime={conflict.detected_at}>{formatDateTime(conflict.detected_at)}</time>.
                  </span>
                )}
              </p>
              <span className="sync-conflicts__actions">
                <Button
                  size="sm"
                  busy={busy === `${conflict.id}:use_other`}
                  disabled={busy !== null}
                  onClick={() => settle(conflict, "use_other")}
                  aria-label={`Use ${shownValue(conflict.other)} for ${conflict.field_label}`}
                  data-testid={`sync-conflict-use-other-${conflict.field}`}
                >
                  Use {shownValue(conflict.other)}
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  busy={busy === `${conflict.id}:keep_chosen`}
                  disabled={busy !== null}
                  onClick={() => settle(conflict, "keep_chosen")}
                  aria-label={`Keep ${shownValue(conflict.chosen)} for ${conflict.field_label}`}
                  data-testid={`sync-conflict-keep-${conflict.field}`}
                >
                  Keep {shownValue(conflict.chosen)}
                </Button>
              </span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
