import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, toAppError, type SyncConnectOutcome, type TeamSyncState } from "../../api";
import { useTeamSync, type TeamSync } from "../../hooks/useTeamSync";
import { errorsByField } from "../../lib/fieldErrors";
import { formatDateTime, pluralize } from "../../lib/format";
import { reportSummary, teamSyncPhase, teamSyncStateLine } from "../../lib/teamSync";
import { Button } from "../Button";
import { TextField } from "../form/TextField";
import type { ShownError } from "../form/FieldErrors";
import { useToasts } from "../Toasts";

type FormErrors = { server?: string; token?: string };

const FIELD_LABELS = { server: "Server address", token: "Device token" } as const;

/** The backend names the field and says what is wrong with it ("must start with http://…"). */
function labelled(field: keyof FormErrors, message: string): string {
  const text = message.trim();
  return /^[a-z]/.test(text) ? `${FIELD_LABELS[field]} ${text}` : text;
}

function shown(id: string, field: keyof FormErrors, message: string | undefined): ShownError[] {
  return message ? [{ field, target: field, message, elementId: `${id}-error` }] : [];
}

/** Sentence case for a message from the backend shown on its own. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/**
 * Settings → Team sync: join the team's workspace on a sync server with the device token the
 * admin gave, then see how it is going (in step, syncing, changes waiting, offline and why),
 * sync now, choose whether health details are shared, and disconnect (records stay here).
 */
export function TeamSyncSection() {
  const teamSync = useTeamSync();
  const { state, error, reload } = teamSync;
  // What the last connect found, for the "N records will be shared" line and the first sync.
  const [justConnected, setJustConnected] = useState<SyncConnectOutcome | null>(null);

  if (state === null) {
    if (error) {
      return (
        <div className="team-sync" data-testid="team-sync-section" data-state="error">
          <p className="notice notice--danger" role="alert" data-testid="team-sync-load-error">
            Could not read the team sync state: {error.message}
          </p>
          <Button size="sm" onClick={() => void reload()}>
            Try again
          </Button>
        </div>
      );
    }
    return (
      <p className="muted" data-testid="team-sync-section" data-state="loading">
        Loading team sync…
      </p>
    );
  }
  return state.status.connected ? (
    <Connected teamSync={teamSync} state={state} justConnected={justConnected} onDisconnected={() => setJustConnected(null)} />
  ) : (
    <ConnectForm
      onConnected={(outcome) => {
        setJustConnected(outcome);
        return reload();
      }}
    />
  );
}

function ConnectForm({ onConnected }: { onConnected: (outcome: SyncConnectOutcome) => Promise<void> }) {
  const id = useId();
  const { showToast } = useToasts();
  const [server, setServer] = useState("");
  const [token, setToken] = useState("");
  const [errors, setErrors] = useState<FormErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [connecting, setConnecting] = useState(false);
  const serverRef = useRef<HTMLInputElement>(null);
  const tokenRef = useRef<HTMLInputElement>(null);

  const focusFirst = (found: FormErrors) => {
    if (found.server) serverRef.current?.focus();
    else if (found.token) tokenRef.current?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FormErrors = {};
    if (server.trim() === "") found.server = "Enter the server address, for example http://192.168.1.20:3030.";
    if (token.trim() === "") found.token = "Enter the device token your team admin gave you.";
    setErrors(found);
    setFailure(null);
    if (found.server || found.token) {
      focusFirst(found);
      return;
    }
    setConnecting(true);
    let outcome: SyncConnectOutcome;
    try {
      outcome = await api.teamSyncConnect(server.trim(), token.trim());
    } catch (caught) {
      const appError = toAppError(caught);
      const byField = errorsByField(caught);
      const fieldErrors: FormErrors = {
        server: byField.server ? labelled("server", byField.server) : undefined,
        // A refused token is the token's problem: say so beside it.
        token: byField.token ? labelled("token", byField.token) : appError.code === "auth_required" ? `${sentence(appError.message)}.` : undefined,
      };
      if (fieldErrors.server || fieldErrors.token) {
        setErrors(fieldErrors);
        focusFirst(fieldErrors);
      } else {
        setFailure(`Could not connect: ${appError.message}`);
      }
      setConnecting(false);
      return;
    }
    setToken("");
    showToast({ tone: "success", message: `Connected to ${outcome.workspace_name}` });
    // Busy until the connected view replaces the form.
    await onConnected(outcome);
    setConnecting(false);
  };

  const serverErrors = shown(`${id}-server`, "server", errors.server);
  const tokenErrors = shown(`${id}-token`, "token", errors.token);

  return (
    <div className="team-sync" data-testid="team-sync-section" data-state="disconnected">
      <p className="muted" data-testid="team-sync-intro">
        Team sync shares your contacts and notes with your team through your team’s own sync server, and brings their changes here.
        Everything keeps working offline; changes are sent when the server can be reached. Notes marked private never leave this device.
      </p>
      <form className="team-sync__form" onSubmit={(event) => void submit(event)} noValidate aria-label="Connect to a team workspace" data-testid="team-sync-form">
        <TextField
          id={`${id}-server`}
          label="Server address"
          value={server}
          onValueChange={(value) => {
            setServer(value);
            if (errors.server) setErrors((current) => ({ ...current, server: undefined }));
          }}
          errors={serverErrors}
          hint="The address your team admin gave you, for example http://192.168.1.20:3030."
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          required
          inputRef={serverRef}
          testId="team-sync-server"
        />
        <TextField
          id={`${id}-token`}
          label="Device token"
          type="password"
          value={token}
          onValueChange={(value) => {
            setToken(value);
            if (errors.token) setErrors((current) => ({ ...current, token: undefined }));
          }}
          errors={tokenErrors}
          hint="A token for this device from your team admin. It is kept in your system keyring, not in the database."
          autoComplete="off"
          spellCheck={false}
          required
          inputRef={tokenRef}
          testId="team-sync-token"
        />
        {failure ? (
          <p className="notice notice--danger" role="alert" data-testid="team-sync-connect-error">
            {failure}
          </p>
        ) : null}
        <div className="team-sync__actions">
          <Button type="submit" variant="primary" busy={connecting} data-testid="team-sync-connect">
            {connecting ? "Connecting…" : "Connect"}
          </Button>
        </div>
      </form>
    </div>
  );
}

type ConnectedProps = {
  teamSync: TeamSync;
  state: TeamSyncState;
  /** Set right after this window connected: shows what will be shared and starts the first sync. */
  justConnected: SyncConnectOutcome | null;
  onDisconnected: () => void;
};

function Connected({ teamSync, state, justConnected: outcome, onDisconnected }: ConnectedProps) {
  const id = useId();
  const { showToast, showError } = useToasts();
  const { status } = state;
  const [syncing, setSyncing] = useState(false);
  const [savingShare, setSavingShare] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const disconnectArea = useRef<HTMLDivElement>(null);
  const wasConfirming = useRef(false);
  const firstSyncStarted = useRef(false);

  const syncNow = async () => {
    setSyncing(true);
    try {
      const report = await api.teamSyncNow();
      teamSync.applyReport(report);
    } catch (caught) {
      showError(caught, "The sync did not finish");
      await teamSync.reload();
    } finally {
      setSyncing(false);
    }
  };

  // A new connection syncs at once, so the team sees this device's records.
  useEffect(() => {
    if (outcome && !firstSyncStarted.current) {
      firstSyncStarted.current = true;
      void syncNow();
    }
  }, [outcome]);

  // Focus follows the confirm step: onto "Keep syncing" when it opens, back to "Disconnect…" when it closes.
  useEffect(() => {
    const focus = (testId: string) => disconnectArea.current?.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`)?.focus();
    if (confirming) focus("team-sync-disconnect-cancel");
    else if (wasConfirming.current) focus("team-sync-disconnect");
    wasConfirming.current = confirming;
  }, [confirming]);

  const setShareHealth = async (share: boolean) => {
    setSavingShare(true);
    try {
      teamSync.applyStatus(await api.teamSyncSetShareHealth(share));
    } catch (caught) {
      showError(caught, "Could not change what is shared");
    } finally {
      setSavingShare(false);
    }
  };

  const disconnect = async () => {
    setDisconnecting(true);
    const workspace = status.workspace_name ?? "the team workspace";
    try {
      const next = await api.teamSyncDisconnect();
      showToast({ tone: "success", message: `Disconnected from ${workspace}. Your records stay on this device.` });
      onDisconnected();
      teamSync.applyStatus(next);
    } catch (caught) {
      showError(caught, "Could not disconnect");
      setDisconnecting(false);
      setConfirming(false);
    }
  };

  const phase = teamSyncPhase(state, syncing);
  const line = teamSyncStateLine(state, syncing);
  const shareId = `${id}-share-health`;

  return (
    <div className="team-sync" data-testid="team-sync-section" data-state="connected">
      <div className="team-sync__workspace">
        <span className="team-sync__name" data-testid="team-sync-workspace">
          {status.workspace_name ?? "Team workspace"}
        </span>
        <span className="muted small" data-testid="team-sync-server-address">
          on {status.server ?? "the team server"}
          {status.member_name ? `, as ${status.member_name}` : ""}
        </span>
      </div>
      {outcome ? (
        <p className="notice" role="note" data-testid="team-sync-share-count">
          {pluralize(outcome.records_to_share, "record")} of this device will be shared; private notes stay on this device.
        </p>
      ) : null}
      <p className={`team-sync__state team-sync__state--${phase}`} role="status" data-testid="team-sync-state" data-state={phase}>
        <span className="team-sync__dot" aria-hidden="true" />
        <span>{line}</span>
      </p>
      <p className="muted small" data-testid="team-sync-last-synced">
        {status.last_synced_at ? `Last synced ${formatDateTime(status.last_synced_at)}.` : "Not synced yet."}
        {state.last_report && status.last_synced_at === state.last_report.synced_at
          ? ` ${reportSummary(state.last_report.sent, state.last_report.received)}`
          : ""}
      </p>
      <div className="team-sync__actions">
        <Button variant="primary" icon="jobs" busy={syncing || state.syncing} onClick={() => void syncNow()} data-testid="team-sync-now">
          {syncing || state.syncing ? "Syncing…" : "Sync now"}
        </Button>
      </div>

      <div className="team-sync__share">
        <label className="switch" htmlFor={shareId} data-testid="team-sync-share-health-label">
          <input
            id={shareId}
            type="checkbox"
            role="switch"
            className="switch__input"
            checked={status.share_health_details}
            aria-checked={status.share_health_details}
            aria-describedby={`${shareId}-hint`}
            disabled={savingShare}
            onChange={(event) => void setShareHealth(event.target.checked)}
            data-testid="team-sync-share-health"
          />
          <span className="switch__track" aria-hidden="true" />
          <span className="switch__label">Share health details with my team</span>
        </label>
        <p id={`${shareId}-hint`} className="muted small">
          Health context and emergency contacts are sensitive, so they stay on this device unless you turn this on. Everyone in the
          workspace can read what is shared.
        </p>
      </div>

      <div className="team-sync__disconnect" ref={disconnectArea}>
        {confirming ? (
          <div
            className="team-sync__confirm"
            role="group"
            aria-label="Confirm disconnect"
            data-testid="team-sync-disconnect-confirm-step"
            onKeyDown={(event) => {
              if (event.key === "Escape") {
                event.stopPropagation();
                setConfirming(false);
              }
            }}
          >
            <p className="small">
              Stop syncing with {status.workspace_name ?? "the team workspace"}? Your records stay on this device; changes made here
              after this are not sent to the team.
              {status.pending_changes > 0 ? ` ${pluralize(status.pending_changes, "change")} not sent yet will not reach the team.` : ""}
            </p>
            <div className="team-sync__actions">
              <Button variant="danger" busy={disconnecting} onClick={() => void disconnect()} data-testid="team-sync-disconnect-confirm">
                Disconnect
              </Button>
              <Button variant="ghost" disabled={disconnecting} onClick={() => setConfirming(false)} data-testid="team-sync-disconnect-cancel">
                Keep syncing
              </Button>
            </div>
          </div>
        ) : (
          <Button variant="danger-ghost" onClick={() => setConfirming(true)} data-testid="team-sync-disconnect">
            Disconnect…
          </Button>
        )}
      </div>
    </div>
  );
}
