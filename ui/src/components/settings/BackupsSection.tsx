import { useCallback, useEffect, useState } from "react";
import { api, type BackupInfo } from "../../api";
import { formatDateTime, formatNumber } from "../../lib/format";
import { Button } from "../Button";
import { Overlay } from "../Overlay";
import { useToasts } from "../Toasts";

const REASON_LABELS: Record<BackupInfo["reason"], string> = {
  manual: "Manual",
  scheduled: "Scheduled",
  before_restore: "Before restore",
};

function formatSize(bytes: number | null): string {
  if (bytes === null) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Create a backup now, list backups, restore one after confirming. */
export function BackupsSection() {
  const { showToast, showError } = useToasts();
  const [backups, setBackups] = useState<BackupInfo[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState<BackupInfo | null>(null);
  const [restoring, setRestoring] = useState(false);

  const load = useCallback(() => {
    api.listBackups().then(setBackups, (error: unknown) => showError(error, "Could not list backups"));
  }, [showError]);
  useEffect(load, [load]);

  const create = async () => {
    setCreating(true);
    try {
      const backup = await api.createBackup();
      showToast({ tone: "success", message: `Backup created (${formatSize(backup.size_bytes)})` });
      load();
    } catch (error) {
      showError(error, "Could not create a backup");
    } finally {
      setCreating(false);
    }
  };

  const restore = async () => {
    if (!confirming) return;
    setRestoring(true);
    try {
      const outcome = await api.restoreBackup(confirming.file_name);
      setConfirming(null);
      showToast({ tone: "success", message: `Restored. Your previous data was saved as ${outcome.previous_saved_as}.` });
      load();
    } catch (error) {
      showError(error, "Could not restore the backup");
    } finally {
      setRestoring(false);
    }
  };

  return (
    <div className="backups" data-testid="backups-section">
      <div className="backups__actions">
        <Button variant="primary" icon="upload" busy={creating} onClick={create} data-testid="backup-create-button">
          {creating ? "Creating backup…" : "Back up now"}
        </Button>
      </div>
      {backups === null ? (
        <p className="muted">Loading backups…</p>
      ) : backups.length === 0 ? (
        <p className="muted" data-testid="backups-empty">No backups yet.</p>
      ) : (
        <table className="simple-table" data-testid="backups-table">
          <caption className="visually-hidden">Backups</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Kind</th>
              <th scope="col">Size</th>
              <th scope="col">Contacts</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((backup) => (
              <tr key={backup.file_name} data-testid="backup-row">
                <td>{formatDateTime(backup.created_at)}</td>
                <td>{REASON_LABELS[backup.reason]}</td>
                <td className="tabular">{formatSize(backup.size_bytes)}</td>
                <td className="tabular">{backup.contact_count === null ? "—" : formatNumber(backup.contact_count)}</td>
                <td>
                  {backup.error ? (
                    <span className="field-error">{backup.error}</span>
                  ) : (
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(backup)} aria-label={`Restore backup from ${formatDateTime(backup.created_at)}`} data-testid="backup-restore-button">
                      Restore
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Overlay
        open={confirming !== null}
        onClose={() => (restoring ? undefined : setConfirming(null))}
        title="Restore this backup?"
        size="sm"
        testId="restore-confirm-dialog"
        footer={
          <>
            <Button variant="ghost" onClick={() => setConfirming(null)} disabled={restoring}>
              Cancel
            </Button>
            <Button variant="danger" busy={restoring} onClick={restore} data-testid="restore-confirm-button">
              Restore
            </Button>
          </>
        }
      >
        <p>
          Your current data will be replaced by the backup from {confirming ? formatDateTime(confirming.created_at) : ""}. It is saved
          as a backup first, so you can go back.
        </p>
      </Overlay>
    </div>
  );
}
