import { useEffect, useId, useState } from "react";
import { api, toAppError, type AccessEntry } from "../../api";
import { ACCESS_ACTION_LABELS } from "../../lib/accessLog";
import { errorMessage } from "../../lib/aiErrors";
import { formatDateTime, formatRelative } from "../../lib/format";
import { Button } from "../Button";

/** How many entries one page of the panel shows. */
export const ACCESS_LOG_PAGE = 50;

type LoadState =
  | { status: "idle" }
  | { status: "loading"; entries: AccessEntry[] | null }
  | { status: "ready"; entries: AccessEntry[] }
  | { status: "error"; message: string };

/**
 * "Who has seen this client's data": every time the record was viewed, exported, sent to an AI
 * provider or shared with the team, newest first. Closed until asked for; it loads when opened.
 * Opening the contact page itself counts as a viewing (at most one per 10 minutes per computer).
 */
export function AccessLogPanel({ contactId, refreshToken = 0 }: { contactId: string; refreshToken?: number }) {
  const regionId = useId();
  const [open, setOpen] = useState(false);
  const [limit, setLimit] = useState(ACCESS_LOG_PAGE);
  const [state, setState] = useState<LoadState>({ status: "idle" });

  useEffect(() => {
    setLimit(ACCESS_LOG_PAGE);
  }, [contactId]);

  useEffect(() => {
    if (!open) return;
    let current = true;
    setState((previous) => ({ status: "loading", entries: previous.status === "ready" ? previous.entries : null }));
    api.accessLogList(contactId, limit).then(
      (entries) => {
        if (current) setState({ status: "ready", entries });
      },
      (error: unknown) => {
        if (current) setState({ status: "error", message: errorMessage(toAppError(error)) });
      },
    );
    return () => {
      current = false;
    };
  }, [open, contactId, limit, refreshToken]);

  const entries = state.status === "ready" ? state.entries : state.status === "loading" ? state.entries : null;

  return (
    <div className="access-log" data-testid="access-log-panel">
      <Button
        size="sm"
        variant="ghost"
        icon={open ? "chevronUp" : "chevronDown"}
        aria-expanded={open}
        aria-controls={regionId}
        onClick={() => setOpen((value) => !value)}
        data-testid="access-log-toggle"
      >
        {open ? "Hide the record" : "Show who has viewed, exported or shared this client's data"}
      </Button>
      {open ? (
        <div id={regionId} className="access-log__body" aria-busy={state.status === "loading"}>
          <p className="muted small">
            Each time this client's record is opened, exported, sent to an AI provider or shared with your team, it is noted
            here with the computer it happened on. These entries cannot be edited.
          </p>
          {state.status === "error" ? (
            <p className="field-error" role="alert" data-testid="access-log-error">
              Could not load the record: {state.message}
            </p>
          ) : entries === null ? (
            <p className="muted">Loading…</p>
          ) : entries.length === 0 ? (
            <p className="muted" data-testid="access-log-empty">
              Nobody has viewed, exported or shared this client's data yet.
            </p>
          ) : (
            <>
              <AccessLogList entries={entries} label="Who has seen this client's data" />
              {entries.length >= limit ? (
                <Button
                  size="sm"
                  variant="ghost"
                  busy={state.status === "loading"}
                  onClick={() => setLimit((value) => Math.min(value + ACCESS_LOG_PAGE, 1000))}
                  data-testid="access-log-more"
                >
                  Show older entries
                </Button>
              ) : null}
            </>
          )}
        </div>
      ) : null}
    </div>
  );
}

/** Entries as a list: when (relative, exact on hover), what, the detail, the computer; optionally whose. */
export function AccessLogList({ entries, label, client }: { entries: AccessEntry[]; label: string; client?: (entry: AccessEntry) => string }) {
  return (
    <ol className="access-log__list" aria-label={label} data-testid="access-log-list">
      {entries.map((entry) => (
        <li key={entry.id} className="access-log__entry" data-testid="access-log-entry" data-action={entry.action}>
          <time className="access-log__when muted small" dateTime={entry.occurred_at} title={formatDateTime(entry.occurred_at)}>
            {formatRelative(entry.occurred_at)}
            <span className="visually-hidden"> ({formatDateTime(entry.occurred_at)})</span>
          </time>
          <span className="access-log__what">
            {client ? (
              <span className="access-log__client" data-testid="access-log-client">
                {client(entry)}:{" "}
              </span>
            ) : null}
            <strong data-testid="access-log-action">{ACCESS_ACTION_LABELS[entry.action]}</strong>
            {entry.detail ? <span data-testid="access-log-detail"> · {entry.detail}</span> : null}
          </span>
          <span className="access-log__device muted small" data-testid="access-log-device">
            on {entry.device}
          </span>
        </li>
      ))}
    </ol>
  );
}
