import { useCallback, useEffect, useState } from "react";
import { api, type InteractionKind, type Note, type TaskStatus, type TimelineCursor, type TimelineItem } from "../../api";
import { formatDateTime, humanizeKey } from "../../lib/format";
import { Button } from "../Button";
import { Icon, type IconName } from "../Icon";
import { useToasts } from "../Toasts";

export const TIMELINE_PAGE_SIZE = 20;

const PII_LABELS: Record<string, string> = {
  email: "email address",
  phone: "phone number",
  card_number: "card number",
  national_id: "national ID",
  address: "street address",
};

function iconFor(item: TimelineItem): IconName {
  if (item.kind === "note") return "note";
  if (item.kind === "task") return "tasks";
  if (item.detail === "email") return "mail";
  if (item.detail === "meeting" || item.detail === "calendar_event") return "calendar";
  return "phone";
}

const TASK_LABELS: Record<TaskStatus, string> = {
  todo: "Task to do",
  in_progress: "Task in progress",
  done: "Task done",
  canceled: "Task canceled",
};

const INTERACTION_LABELS: Record<InteractionKind, string> = {
  email: "Email",
  call: "Call",
  meeting: "Meeting",
  note: "Note",
  web: "Website visit",
  calendar_event: "Calendar event",
};

function kindLabel(item: TimelineItem): string {
  if (item.kind === "note") return "Note";
  if (item.kind === "task") return TASK_LABELS[item.detail as TaskStatus] ?? "Task";
  return INTERACTION_LABELS[item.detail as InteractionKind] ?? humanizeKey(item.detail);
}

type ContactTimelineProps = {
  contactId: string;
  /** Bumped after something was added, to reload from the newest item. */
  reloadToken: number;
  /** The contact's notes by id, for PII badges and rich bodies. */
  notesById: ReadonlyMap<string, Note>;
};

/** Interactions, notes and tasks of one contact, newest first, loaded a page at a time. */
export function ContactTimeline({ contactId, reloadToken, notesById }: ContactTimelineProps) {
  const { showError } = useToasts();
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [next, setNext] = useState<TimelineCursor | null>(null);
  const [status, setStatus] = useState<"loading" | "ready" | "error">("loading");
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    let current = true;
    setStatus("loading");
    api.timelinePage(contactId, null, TIMELINE_PAGE_SIZE).then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setNext(page.next);
        setStatus("ready");
      },
      (error: unknown) => {
        if (!current) return;
        setStatus("error");
        showError(error, "Could not load the timeline");
      },
    );
    return () => {
      current = false;
    };
  }, [contactId, reloadToken, showError]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await api.timelinePage(contactId, next, TIMELINE_PAGE_SIZE);
      setItems((current) => [...current, ...page.items]);
      setNext(page.next);
    } catch (error) {
      showError(error, "Could not load older items");
    } finally {
      setLoadingMore(false);
    }
  }, [contactId, next, showError]);

  if (status === "loading") return <p className="muted" aria-busy="true">Loading timeline…</p>;
  if (status === "error") return <p className="muted">The timeline is unavailable right now.</p>;
  if (items.length === 0) {
    return (
      <div className="notes-empty" data-testid="timeline-empty">
        <Icon name="calendar" size={20} />
        <p>Nothing here yet. Log a call or write a note to start the history.</p>
      </div>
    );
  }

  return (
    <div className="timeline" data-testid="timeline">
      <ol className="timeline__list" aria-label="Timeline">
        {items.map((item) => {
          const note = item.kind === "note" ? notesById.get(item.id) : undefined;
          const piiKinds = note?.pii_kinds ?? [];
          return (
            <li key={`${item.kind}-${item.id}`} className={`timeline-item timeline-item--${item.kind}`} data-testid="timeline-item" data-kind={item.kind}>
              <span className="timeline-item__icon" aria-hidden="true">
                <Icon name={iconFor(item)} size={16} />
              </span>
              <div className="timeline-item__body">
                <p className="timeline-item__meta">
                  <span className="timeline-item__kind">{kindLabel(item)}</span>
                  <time dateTime={item.at}>{formatDateTime(item.at)}</time>
                  {item.is_private ? (
                    <span className="badge" data-testid="private-badge">
                      Private
                    </span>
                  ) : null}
                  {piiKinds.length > 0 ? (
                    <span
                      className="badge badge--warning"
                      data-testid="pii-badge"
                      title={`May contain: ${piiKinds.map((kind) => PII_LABELS[kind] ?? kind).join(", ")}`}
                    >
                      PII
                      <span className="visually-hidden">: may contain {piiKinds.map((kind) => PII_LABELS[kind] ?? kind).join(", ")}</span>
                    </span>
                  ) : null}
                </p>
                {item.title ? <p className="timeline-item__title">{item.title}</p> : null}
                {note?.body_html ? (
                  <div className="timeline-item__rich" dangerouslySetInnerHTML={{ __html: note.body_html }} />
                ) : item.summary ? (
                  <p className="timeline-item__summary">{item.summary}</p>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
      {next ? (
        <Button size="sm" variant="ghost" busy={loadingMore} onClick={loadMore} data-testid="timeline-load-more">
          Load older
        </Button>
      ) : null}
    </div>
  );
}
