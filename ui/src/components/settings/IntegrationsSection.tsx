import { useCallback, useEffect, useState } from "react";
import { api, type GoogleStatus, type IntegrationAccount } from "../../api";
import { formatDateTime } from "../../lib/format";
import { Button } from "../Button";
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

/**
 * Google accounts: connect in the browser, see each account's state (connected or not and why,
 * last sync, last error in plain words), disconnect. A disconnected account or a sync error is
 * shown as an alert so it cannot be missed.
 */
export function IntegrationsSection() {
  const { showToast, showError } = useToasts();
  const [status, setStatus] = useState<GoogleStatus | null>(null);
  const [connecting, setConnecting] = useState(false);
  const [disconnecting, setDisconnecting] = useState<string | null>(null);

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
          {status.accounts.map((account) => {
            const connected = account.status === "connected";
            return (
              <li key={account.id} className="account" data-testid="google-account" data-status={account.status}>
                <div className="account__header">
                  <span className="account__email">{account.email}</span>
                  <span className={connected ? "badge badge--success" : "badge badge--danger"}>{connected ? "Connected" : "Disconnected"}</span>
                  {connected ? (
                    <Button size="sm" variant="ghost" busy={disconnecting === account.id} onClick={() => void disconnect(account)} data-testid="google-disconnect-button">
                      Disconnect
                    </Button>
                  ) : null}
                </div>
                <p className="muted small">Access: {scopeLabels(account.scopes) || "none"} · tokens in {account.token_storage === "keyring" ? "the system keyring" : "an encrypted file"}</p>
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
                <p className="muted small" data-testid="google-account-last-sync">
                  {account.last_sync_at ? `Last synced ${formatDateTime(account.last_sync_at)}${account.last_sync_summary ? `: ${account.last_sync_summary}` : ""}` : "Not synced yet."}
                </p>
              </li>
            );
          })}
        </ul>
      )}
      <Button variant="primary" icon="mail" busy={connecting} onClick={() => void connect()} data-testid="google-connect-button">
        {connecting ? "Waiting for Google in your browser…" : "Connect a Google account"}
      </Button>
    </div>
  );
}
