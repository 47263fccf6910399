import { useCallback, useEffect, useState } from "react";
import { api, type ConsentKind, type ContactConsents } from "../../api";
import { formatDateTime } from "../../lib/format";
import { Button } from "../Button";
import { useToasts } from "../Toasts";

export const CONSENT_LABELS: Record<ConsentKind, string> = {
  data_processing: "Data processing",
  marketing: "Marketing",
  hipaa: "HIPAA",
  photography: "Photography",
};

/** The current state of each consent kind with grant/revoke buttons, and the history. */
export function ConsentsPanel({ contactId }: { contactId: string }) {
  const { showError, announce } = useToasts();
  const [consents, setConsents] = useState<ContactConsents | null>(null);
  const [busyKind, setBusyKind] = useState<ConsentKind | null>(null);

  const load = useCallback(() => {
    api.listConsents(contactId).then(setConsents, (error: unknown) => showError(error, "Could not load consents"));
  }, [contactId, showError]);

  useEffect(load, [load]);

  const record = async (kind: ConsentKind, granted: boolean) => {
    setBusyKind(kind);
    try {
      await api.recordConsent(contactId, { kind, granted, recorded_at: null, note: null });
      announce(`${CONSENT_LABELS[kind]} consent ${granted ? "granted" : "revoked"}.`);
      load();
    } catch (error) {
      showError(error, "Could not record consent");
    } finally {
      setBusyKind(null);
    }
  };

  if (!consents) return <p className="muted">Loading consents…</p>;

  return (
    <div className="consents" data-testid="consents-panel">
      <ul className="consents__list">
        {consents.current.map((state) => (
          <li key={state.kind} className="consents__item" data-testid={`consent-${state.kind}`} data-granted={state.granted === null ? "unknown" : String(state.granted)}>
            <span className="consents__name">{CONSENT_LABELS[state.kind]}</span>
            <span
              className={state.granted ? "badge badge--success" : state.granted === false ? "badge badge--danger" : "badge badge--neutral"}
              data-testid={`consent-state-${state.kind}`}
            >
              {state.granted === null ? "Not asked" : state.granted ? "Granted" : "Revoked"}
            </span>
            {state.recorded_at ? <time className="muted small" dateTime={state.recorded_at}>{formatDateTime(state.recorded_at)}</time> : null}
            <span className="consents__actions">
              <Button size="sm" variant="ghost" disabled={state.granted === true} busy={busyKind === state.kind} onClick={() => record(state.kind, true)} aria-label={`Grant ${CONSENT_LABELS[state.kind]} consent`} data-testid={`consent-grant-${state.kind}`}>
                Grant
              </Button>
              <Button size="sm" variant="ghost" disabled={state.granted !== true} onClick={() => record(state.kind, false)} aria-label={`Revoke ${CONSENT_LABELS[state.kind]} consent`} data-testid={`consent-revoke-${state.kind}`}>
                Revoke
              </Button>
            </span>
          </li>
        ))}
      </ul>
      {consents.history.length > 0 ? (
        <details className="consents__history">
          <summary>History ({consents.history.length})</summary>
          <ol>
            {consents.history.map((entry) => (
              <li key={entry.id}>
                {CONSENT_LABELS[entry.kind]} {entry.granted ? "granted" : "revoked"} ·{" "}
                <time dateTime={entry.recorded_at}>{formatDateTime(entry.recorded_at)}</time>
                {entry.note ? ` · ${entry.note}` : ""}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}
