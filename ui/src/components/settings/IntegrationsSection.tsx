import { useCallback, useEffect, useState } from "react";
import { api, type GoogleStatus, type IntegrationAccount, type JobInfo } from "../../api";
import type { SyncForm } from "../../lib/googleSync";
import { Button } from "../Button";
import { useToasts } from "../Toasts";
import { GoogleAccountCard } from "./GoogleAccountCard";
import { GoogleSuggestions } from "./GoogleSuggestions";
import { GoogleSyncDialog } from "./GoogleSyncDialog";

/**
 * Google accounts: connect in the browser, see each account's state (connected or not and why,
 * last sync and what it brought, the sync under way, the last error in plain words), sync now,
 * choose what syncs, undo a sync, disconnect; and the people the sync suggests adding. A
 * disconnected account or a failed sync is shown as an alert so it cannot be missed.
 */
export function IntegrationsSection({ jobs = null }: { jobs?: JobInfo[] | null }) {
  const { showToast, showError } = useToasts();
  const [status, setStatus] = useState<GoogleStatus | null>(null);
  const [connecting, setConnecting] = useState(false);
  const [disconnecting, setDisconnecting] = useState<string | null>(null);
  const [choosing, setChoosing] = useState<{ account: IntegrationAccount; form: SyncForm | null } | null>(null);

  const load = useCallback(() => {
    api.googleStatus().then(setStatus, (error: unknown) => showError(error, "Could not read the Google accounts"));
  }, [showError]);
  useEffect(load, [load]);

  const connect = async () => {
    setConnecting(true);
    try {
      const outcome = await api.googleConnect();
      showToast({ tone: "success", message: `Connected ${outcome.account.email}` });
      for (const warning of outcome.warnings) showToast({ tone: "info", message: warning });
      load();
    } catch (error) {
      showError(error, "Google sign-in did not finish");
    } finally {
      setConnecting(false);
    }
  };

  const disconnect = async (account: IntegrationAccount) => {
    setDisconnecting(account.id);
    try {
      const outcome = await api.googleDisconnect(account.id);
      showToast({
        tone: outcome.revoked ? "success" : "info",
        message: outcome.revoked
          ? `Disconnected ${account.email}; Google no longer lets OmniCRM read it.`
          : `Disconnected ${account.email} and removed its tokens from this device. Google did not confirm: ${outcome.revocation_error ?? "no answer"}.`,
      });
      load();
    } catch (error) {
      showError(error, "Could not disconnect");
    } finally {
      setDisconnecting(null);
    }
  };

  if (!status) return <p className="muted">Loading accounts…</p>;

  return (
    <div className="integrations" data-testid="integrations-section">
      {status.token_storage.notice ? (
        <p className="notice notice--warning" role="note" data-testid="token-storage-notice">
          {status.token_storage.notice}. Anyone who can read your files on this computer could read them.
        </p>
      ) : null}
      {status.accounts.length === 0 ? (
        <p className="muted" data-testid="integrations-empty">
          No Google account yet. Connect one to bring in Gmail and Calendar history as interactions. OmniCRM only ever asks to read.
        </p>
      ) : (
        <ul className="account-list" data-testid="google-accounts">
          {status.accounts.map((account) => (
            <GoogleAccountCard
              key={account.id}
              account={account}
              jobs={jobs}
              disconnecting={disconnecting === account.id}
              onDisconnect={() => void disconnect(account)}
              onChooseWhatSyncs={(form) => setChoosing({ account, form })}
              onChanged={load}
            />
          ))}
        </ul>
      )}
      <Button variant="primary" icon="mail" busy={connecting} onClick={() => void connect()} data-testid="google-connect-button">
        {connecting ? "Waiting for Google in your browser…" : "Connect a Google account"}
      </Button>
      <GoogleSuggestions />
      <GoogleSyncDialog account={choosing?.account ?? null} initial={choosing?.form ?? null} onClose={() => setChoosing(null)} onStarted={load} />
    </div>
  );
}
