import { useCallback, useEffect, useState } from "react";
import { api, onJobChanged, type IntegrationAccount, type JobInfo, type SyncBatch } from "../../api";
import { useEventSubscription } from "../../hooks/useEventSubscription";
import { formatDateTime } from "../../lib/format";
import { activeJobsOf, deadJobsOf, describeBatch, formFromSettings, keptSummary, type SyncForm } from "../../lib/googleSync";
import { jobTitle } from "../../lib/jobs";
import { Button } from "../Button";
import { ProgressBar } from "../ProgressBar";
import { useToasts } from "../Toasts";

const SCOPE_LABELS: Record<string, string> = {
  "https://www.googleapis.com/auth/gmail.readonly": "Gmail (read only)",
  "https://www.googleapis.com/auth/calendar.readonly": "Calendar (read only)",
  "https://www.googleapis.com/auth/userinfo.email": "Email address",
  email: "Email address",
  openid: "Sign-in",
};

function scopeLabels(scopes: string[]): string {
  return [...new Set(scopes.map((scope) => SCOPE_LABELS[scope] ?? scope))].join(", ");
}

type GoogleAccountCardProps = {
  account: IntegrationAccount;
  /** The app's background jobs (kept live by events); null until loaded. */
  jobs: JobInfo[] | null;
  disconnecting: boolean;
  onDisconnect: () => void;
  /** Opens the sync settings, starting from `form`. */
  onChooseWhatSyncs: (form: SyncForm | null) => void;
  /** Something changed the account's state (a sync ended, a batch was undone). */
  onChanged: () => void;
};

/**
 * One Google account: connected or not (and why), what it may read, the last sync and what it
 * brought, the last error in plain words, the sync under way with its progress, recent syncs
 * with undo, and the buttons to sync now and to disconnect.
 */
export function GoogleAccountCard({ account, jobs, disconnecting, onDisconnect, onChooseWhatSyncs, onChanged }: GoogleAccountCardProps) {
  const { showToast, showError } = useToasts();
  const connected = account.status === "connected";
  const [batches, setBatches] = useState<SyncBatch[] | null>(null);
  const [starting, setStarting] = useState(false);
  const [undoing, setUndoing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const loadBatches = useCallback(() => {
    api.googleSyncBatches(account.id).then(setBatches, (error: unknown) => showError(error, "Could not read the recent syncs"));
  }, [account.id, showError]);
  useEffect(loadBatches, [loadBatches]);

  // A sync job of this account ended: its batch and the account's last-sync line changed.
  useEventSubscription(onJobChanged, (change) => {
    if (!change.kind.startsWith("google.")) return;
    if (change.status === "succeeded" || change.status === "dead" || change.status === "failed" || change.status === "canceled") {
      loadBatches();
      onChanged();
    } else if (change.batch_id && batches && !batches.some((batch) => batch.id === change.batch_id)) {
      // A batch approved elsewhere (the recurring sync): show it.
      loadBatches();
    }
  });

  const active = activeJobsOf(jobs, batches ?? []);
  const dead = deadJobsOf(jobs, batches ?? []);
  const syncing = active.length > 0;
  const hasSynced = (batches ?? []).length > 0;

  const syncNow = async () => {
    if (!hasSynced) {
      // The first sync is previewed and approved with its settings in view.
      onChooseWhatSyncs(null);
      return;
    }
    setStarting(true);
    try {
      await api.googleSyncStart(account.id, null);
      showToast({ tone: "info", message: `Syncing ${account.email}…` });
      loadBatches();
    } catch (error) {
      showError(error, "Could not start the sync");
    } finally {
      setStarting(false);
    }
  };

  const undo = async (batch: SyncBatch) => {
    setConfirming(null);
    setUndoing(batch.id);
    try {
      const outcome = await api.googleSyncUndo(batch.id);
      showToast({
        tone: "success",
        message: `Undone: ${outcome.interactions_removed} interactions, ${outcome.raw_events_removed} synced items and ${outcome.suggestions_removed} suggestions removed.${keptSummary(outcome.contacts_kept)}`,
      });
      loadBatches();
      onChanged();
    } catch (error) {
      showError(error, "Could not undo the sync");
    } finally {
      setUndoing(null);
    }
  };

  return (
    <li className="account" data-testid="google-account" data-status={account.status}>
      <div className="account__header">
        <span className="account__email">{account.email}</span>
        <span className={connected ? "badge badge--success" : "badge badge--danger"}>{connected ? "Connected" : "Disconnected"}</span>
        {connected ? (
          <>
            <Button size="sm" variant="primary" icon="mail" busy={starting || syncing} disabled={starting || syncing} onClick={() => void syncNow()} data-testid="google-sync-now-button">
              {syncing ? "Syncing…" : "Sync now"}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => onChooseWhatSyncs(hasSynced && batches?.[0] ? formFromSettings(batches[0].settings) : null)} data-testid="google-sync-settings-button">
              Choose what syncs…
            </Button>
            <Button size="sm" variant="ghost" busy={disconnecting} onClick={onDisconnect} data-testid="google-disconnect-button">
              Disconnect
            </Button>
          </>
        ) : null}
      </div>
      <p className="muted small">
        Access: {scopeLabels(account.scopes) || "none"} · tokens in {account.token_storage === "keyring" ? "the system keyring" : "an encrypted file"}
      </p>
      {!connected && account.status_reason ? (
        <p className="notice notice--danger" role="alert" data-testid="google-account-reason">
          {account.status_reason} Connect again to resume.
        </p>
      ) : null}
      {account.last_error ? (
        <p className="notice notice--danger" role="alert" data-testid="google-account-error">
          Last sync failed{account.last_error_at ? ` ${formatDateTime(account.last_error_at)}` : ""}: {account.last_error}
        </p>
      ) : null}
      {dead.length > 0 ? (
        <p className="notice notice--danger" role="alert" data-testid="google-account-dead-jobs">
          {dead.map((job) => jobTitle(job)).join(" and ")} gave up{dead[0]?.error ? `: ${dead[0].error}` : ""}. Retry it from Jobs once the cause is fixed, or undo the sync.
        </p>
      ) : null}
      <p className="muted small" data-testid="google-account-last-sync">
        {account.last_sync_at
          ? `Last synced ${formatDateTime(account.last_sync_at)}${account.last_sync_summary ? `: ${account.last_sync_summary}` : ""}. New mail and events are checked every 15 minutes.`
          : "Not synced yet."}
      </p>
      {active.map((job) => (
        <div key={job.id} data-testid="google-sync-progress">
          {job.status === "failed" ? (
            <p className="notice notice--warning" role="status">
              {jobTitle(job)} will try again at {formatDateTime(job.run_at)}: {job.error ?? "it failed"}
            </p>
          ) : (
            <ProgressBar
              label={`${jobTitle(job)}${job.status === "queued" ? " (waiting)" : ""}`}
              value={job.progress_done}
              max={job.progress_total ?? Math.max(job.progress_done, 1)}
            />
          )}
        </div>
      ))}
      {batches && batches.length > 0 ? (
        <details className="account__batches">
          <summary>Recent syncs</summary>
          <ul className="batch-list" data-testid="google-batches">
            {batches.map((batch) => (
              <li key={batch.id} className="batch-list__item" data-testid="google-batch" data-status={batch.status}>
                <span className="batch-list__when">{formatDateTime(batch.created_at)}</span>
                <span className="batch-list__what">{describeBatch(batch)}</span>
                {batch.status === "undone" ? null : confirming === batch.id ? (
                  <span className="batch-list__confirm" role="group" aria-label="Confirm undo">
                    <span className="small">Remove its mail, events and suggestions? Your own contacts and notes stay.</span>
                    <Button size="sm" variant="danger" onClick={() => void undo(batch)} data-testid="google-batch-undo-confirm">
                      Undo sync
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                      Keep
                    </Button>
                  </span>
                ) : (
                  <Button size="sm" variant="danger-ghost" icon="undo" busy={undoing === batch.id} onClick={() => setConfirming(batch.id)} data-testid="google-batch-undo">
                    Undo
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}
