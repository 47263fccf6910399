import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import {
  api,
  onContactsChanged,
  type CadenceSetting,
  type DuePerson,
  type InteractionKind,
  type ReminderDue,
  type Task,
  type Today,
  type TodayMeeting,
} from "../api";
import { Button } from "../components/Button";
import { EmptyState } from "../components/EmptyState";
import { CadenceEditor } from "../components/keepInTouch/CadenceEditor";
import { LogTouchDialog, touchKindLabel } from "../components/keepInTouch/LogTouchDialog";
import { SnoozeDialog } from "../components/keepInTouch/SnoozeDialog";
import { useUndoToast } from "../components/keepInTouch/useUndoToast";
import { Overlay } from "../components/Overlay";
import { useToasts } from "../components/Toasts";
import { useEventSubscription } from "../hooks/useEventSubscription";
import { formatCalendarDate } from "../lib/format";
import { SEQUENCE_TIMEOUT_MS } from "../lib/keyboardShortcuts";
import {
  cadenceText,
  cadenceWithOrigin,
  daysUntilText,
  lastContactText,
  overdueText,
  shortDateText,
} from "../lib/keepInTouch";

type TodayPageProps = {
  /** Opens a person's contact page. */
  onOpenContact: (contactId: string) => void;
};

type Dialog =
  | { kind: "log"; person: DuePerson }
  | { kind: "snooze-person"; person: DuePerson }
  | { kind: "cadence"; person: DuePerson }
  | { kind: "snooze-reminder"; reminder: ReminderDue & { reminder_id: string } };

const timeFormatter = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const longDateFormatter = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

function meetingTime(meeting: TodayMeeting): string {
  const start = new Date(meeting.starts_at);
  if (Number.isNaN(start.getTime())) return meeting.starts_at;
  const from = timeFormatter.format(start);
  if (!meeting.duration_minutes) return from;
  return `${from} – ${timeFormatter.format(new Date(start.getTime() + meeting.duration_minutes * 60_000))}`;
}

function longDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return date;
  return longDateFormatter.format(new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

function hasReminderId(reminder: ReminderDue): reminder is ReminderDue & { reminder_id: string } {
  return reminder.reminder_id !== null;
}

/** Moves the focus to the next or previous row of the same list. */
function moveFocus(row: HTMLElement, step: 1 | -1) {
  const list = row.closest("[data-row-list]");
  if (!list) return;
  const rows = Array.from(list.querySelectorAll<HTMLElement>("[data-row]"));
  rows[rows.indexOf(row) + step]?.focus();
}

/** The practitioner's day: meetings, people to get back to, reminders and birthdays, tasks due. */
export function TodayPage({ onOpenContact }: TodayPageProps) {
  const { showError, announce } = useToasts();
  const [today, setToday] = useState<Today | null>(null);
  const [failed, setFailed] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const requestRef = useRef(0);
  // The time of the last "g", so "g s" (go to Settings) on a focused row still navigates.
  const lastG = useRef(0);

  const load = useCallback(() => {
    const request = ++requestRef.current;
    api.today().then(
      (data) => {
        if (request !== requestRef.current) return;
        setToday(data);
        setFailed(false);
      },
      (error: unknown) => {
        if (request !== requestRef.current) return;
        setFailed(true);
        showError(error, "Could not load today");
      },
    );
  }, [showError]);

  useEffect(load, [load]);

  // After an action removes the focused row, the focus goes to the row now in its place (or
  // the one before), so the practitioner can go on down the list from the keyboard.
  const focusAfter = useRef<{ rowTestId: string; index: number } | null>(null);
  const pageRef = useRef<HTMLDivElement>(null);
  const rememberRow = (row: HTMLElement) => {
    const testId = row.dataset.testid;
    if (!testId || !pageRef.current) return;
    const rows = Array.from(pageRef.current.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`));
    focusAfter.current = { rowTestId: testId, index: rows.indexOf(row) };
  };
  useEffect(() => {
    const target = focusAfter.current;
    if (!target || !pageRef.current) return;
    focusAfter.current = null;
    if (document.activeElement && document.activeElement !== document.body && document.contains(document.activeElement)) return;
    const rows = Array.from(pageRef.current.querySelectorAll<HTMLElement>(`[data-testid="${target.rowTestId}"]`));
    (rows[Math.min(target.index, rows.length - 1)] ?? pageRef.current.querySelector<HTMLElement>("h1"))?.focus();
  }, [today]);
  useEventSubscription(onContactsChanged, load);
  // Coming back to the window (the next morning, after a call) shows the day as it is now.
  useEffect(() => {
    window.addEventListener("focus", load);
    return () => window.removeEventListener("focus", load);
  }, [load]);
  const offerUndo = useUndoToast(load);

  const closeDialog = () => setDialog(null);

  const logTouch = async (person: DuePerson, kind: InteractionKind, summary: string | null) => {
    try {
      const interaction = await api.createInteraction({
        kind,
        subject: summary,
        body: null,
        occurred_at: null,
        duration_minutes: null,
        contact_ids: [person.contact_id],
        source: null,
        source_id: null,
        source_metadata: null,
      });
      setDialog(null);
      load();
      offerUndo(`Logged a ${touchKindLabel(kind).toLowerCase()} with ${person.display_name}`, {
        run: () => api.deleteInteraction(interaction.id),
      });
    } catch (error) {
      showError(error, "Could not log the touch");
    }
  };

  const snoozePerson = async (person: DuePerson, until: string) => {
    try {
      const change = await api.keepInTouchSnooze(person.contact_id, until);
      setDialog(null);
      load();
      offerUndo(`${person.display_name} snoozed until ${formatCalendarDate(until)}`, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not snooze");
    }
  };

  const setCadence = async (person: DuePerson, setting: CadenceSetting) => {
    try {
      const change = await api.keepInTouchSetCadence(person.contact_id, setting);
      setDialog(null);
      load();
      const what =
        setting.kind === "every"
          ? `Keeping in touch with ${person.display_name} ${cadenceText(setting.cadence)}`
          : setting.kind === "none"
            ? `No longer keeping in touch with ${person.display_name}`
            : `${person.display_name} follows the default again`;
      offerUndo(what, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not change how often");
    }
  };

  const reminderDone = async (reminder: ReminderDue & { reminder_id: string }) => {
    try {
      const change = await api.reminderDone(reminder.reminder_id);
      load();
      offerUndo(`Done: ${reminder.title}`, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not mark the reminder done");
    }
  };

  const snoozeReminder = async (reminder: ReminderDue & { reminder_id: string }, until: string) => {
    try {
      const change = await api.snoozeReminder(reminder.reminder_id, until);
      setDialog(null);
      load();
      offerUndo(`${reminder.title} snoozed until ${formatCalendarDate(until)}`, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not snooze the reminder");
    }
  };

  const completeTask = async (task: Task) => {
    try {
      const change = await api.setTaskStatus(task.id, "done");
      load();
      announce(`Completed ${task.title}.`);
      offerUndo(`Completed ${task.title}`, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not update the task");
    }
  };

  /** One-key actions on the focused row; `actions` maps a lower-case key to what it does. */
  const rowKeys = (event: KeyboardEvent<HTMLElement>, actions: Record<string, () => void>) => {
    if (event.target !== event.currentTarget || event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "g") {
      lastG.current = Date.now();
      return;
    }
    if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      moveFocus(event.currentTarget, key === "ArrowDown" ? 1 : -1);
      return;
    }
    // The key right after "g" belongs to a "g x" shortcut, not to the row.
    const afterG = Date.now() - lastG.current <= SEQUENCE_TIMEOUT_MS;
    lastG.current = 0;
    if (afterG && key.length === 1) return;
    const action = actions[key];
    if (!action) return;
    event.preventDefault();
    rememberRow(event.currentTarget);
    action();
  };

  return (
    <div className="page today-page" data-testid="today-page" ref={pageRef}>
      <header className="page__header">
        <div>
          <h1 className="page__title" tabIndex={-1}>
            Today
          </h1>
          <p className="page__subtitle" data-testid="today-date">
            {today ? longDate(today.date) : "Your day at a glance"}
          </p>
        </div>
        <Button size="sm" variant="ghost" icon="undo" onClick={load} data-testid="today-refresh">
          Refresh
        </Button>
      </header>

      <div className="page__scroll today">
        {failed && !today ? (
          <EmptyState
            icon="alert"
            title="Today could not be loaded"
            actions={
              <Button variant="primary" onClick={load}>
                Try again
              </Button>
            }
          />
        ) : today === null ? (
          <p className="muted" aria-busy="true">
            Loading your day…
          </p>
        ) : (
          <>
            <TodaySection title="Meetings" count={today.meetings.length} testId="today-meetings">
              {today.meetings.length === 0 ? (
                <p className="muted" data-testid="today-meetings-empty">
                  No meetings today. Meetings from a connected Google Calendar show up here.
                </p>
              ) : (
                <ul className="today-list">
                  {today.meetings.map((meeting) => (
                    <li key={meeting.interaction_id} className="today-row" data-testid="today-meeting">
                      <time className="today-row__time tabular" dateTime={meeting.starts_at}>
                        {meetingTime(meeting)}
                      </time>
                      <span className="today-row__title">{meeting.subject ?? "Meeting"}</span>
                      <span className="today-row__people">
                        {meeting.contacts.map((contact) => (
                          <button
                            key={contact.id}
                            type="button"
                            className="link-button"
                            onClick={() => onOpenContact(contact.id)}
                            data-testid="today-open-contact"
                          >
                            {contact.display_name}
                          </button>
                        ))}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </TodaySection>

            <TodaySection
              title="People to get in touch with"
              count={today.due.length}
              testId="today-due"
              hint={
                today.due.length > 0 ? (
                  <p className="muted small" id="today-due-keys" data-testid="today-due-keys">
                    On a highlighted person: <kbd className="kbd">L</kbd> log a touch, <kbd className="kbd">S</kbd> snooze,{" "}
                    <kbd className="kbd">C</kbd> change how often, <kbd className="kbd">Enter</kbd> open their page,{" "}
                    <kbd className="kbd">↑</kbd> <kbd className="kbd">↓</kbd> move.
                  </p>
                ) : null
              }
            >
              {today.due.length === 0 ? (
                <p className="muted" data-testid="today-due-empty">
                  Nobody is due. Choose how often to keep in touch with someone on their page, or set a default for a tag
                  or stage in Settings.
                </p>
              ) : (
                <ul className="today-list" data-row-list="">
                  {today.due.map((person) => (
                    <li
                      key={person.contact_id}
                      className="today-row today-row--focusable"
                      tabIndex={0}
                      data-row=""
                      aria-describedby="today-due-keys"
                      aria-label={`${person.display_name}, ${overdueText(person.days_overdue)}`}
                      data-testid="today-due-row"
                      data-contact-id={person.contact_id}
                      onKeyDown={(event) =>
                        rowKeys(event, {
                          l: () => setDialog({ kind: "log", person }),
                          s: () => setDialog({ kind: "snooze-person", person }),
                          c: () => setDialog({ kind: "cadence", person }),
                          Enter: () => onOpenContact(person.contact_id),
                        })
                      }
                    >
                      <div className="today-row__main">
                        <button
                          type="button"
                          className="link-button today-row__name"
                          onClick={() => onOpenContact(person.contact_id)}
                          data-testid="today-open-contact"
                        >
                          {person.display_name}
                        </button>
                        <span className="today-row__details small">
                          <span className="muted" data-testid="today-due-cadence">
                            {cadenceWithOrigin(person.cadence, person.cadence_origin)}
                          </span>
                          <span aria-hidden="true" className="muted">
                            ·
                          </span>
                          <span data-testid="today-due-last">
                            {person.last_contact ? `Last: ${lastContactText(person.last_contact)}` : "No contact yet"}
                          </span>
                        </span>
                      </div>
                      <span
                        className={person.days_overdue > 0 ? "badge badge--warning" : "badge"}
                        data-testid="today-due-overdue"
                      >
                        {overdueText(person.days_overdue)}
                      </span>
                      <div className="today-row__actions">
                        <Button size="sm" onClick={() => setDialog({ kind: "log", person })} data-testid="today-log-touch">
                          Log a touch
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setDialog({ kind: "snooze-person", person })} data-testid="today-snooze">
                          Snooze
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setDialog({ kind: "cadence", person })} data-testid="today-cadence">
                          How often
                        </Button>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </TodaySection>

            <TodaySection title="Reminders and birthdays" count={today.reminders.length} testId="today-reminders">
              {today.reminders.length === 0 ? (
                <p className="muted" data-testid="today-reminders-empty">
                  No reminders or birthdays this week. Add a reminder on a person’s page, and their birthday shows here
                  when their date of birth is filled in.
                </p>
              ) : (
                <ul className="today-list" data-row-list="">
                  {today.reminders.map((reminder) => {
                    const withId = hasReminderId(reminder) ? reminder : null;
                    return (
                      <li
                        key={`${reminder.reminder_id ?? `birthday-${reminder.contact_id}`}-${reminder.on}`}
                        className="today-row today-row--focusable"
                        tabIndex={0}
                        data-row=""
                        data-testid="today-reminder-row"
                        data-kind={reminder.kind}
                        aria-label={`${reminder.title}, ${reminder.display_name}, ${daysUntilText(reminder.days_until)}`}
                        onKeyDown={(event) =>
                          rowKeys(event, {
                            ...(withId
                              ? {
                                  d: () => void reminderDone(withId),
                                  s: () => setDialog({ kind: "snooze-reminder", reminder: withId }),
                                }
                              : {}),
                            Enter: () => onOpenContact(reminder.contact_id),
                          })
                        }
                      >
                        <div className="today-row__main">
                          <span className="today-row__title">
                            {reminder.kind === "birthday" ? <span aria-hidden="true">🎂 </span> : null}
                            {reminder.title}
                            {reminder.kind === "birthday" && reminder.turns !== null ? ` (turns ${reminder.turns})` : null}
                          </span>
                          <button
                            type="button"
                            className="link-button small"
                            onClick={() => onOpenContact(reminder.contact_id)}
                            data-testid="today-open-contact"
                          >
                            {reminder.display_name}
                          </button>
                        </div>
                        <span className={reminder.days_until < 0 ? "badge badge--warning" : "badge"} title={formatCalendarDate(reminder.on)}>
                          {daysUntilText(reminder.days_until)} · {shortDateText(reminder.on)}
                        </span>
                        {withId ? (
                          <div className="today-row__actions">
                            <Button size="sm" icon="check" onClick={() => void reminderDone(withId)} data-testid="today-reminder-done">
                              Done
                            </Button>
                            <Button
                              size="sm"
                              variant="ghost"
                              onClick={() => setDialog({ kind: "snooze-reminder", reminder: withId })}
                              data-testid="today-reminder-snooze"
                            >
                              Snooze
                            </Button>
                          </div>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              )}
            </TodaySection>

            <TodaySection title="Tasks due" count={today.tasks.length} testId="today-tasks">
              {today.tasks.length === 0 ? (
                <p className="muted" data-testid="today-tasks-empty">
                  No tasks due today or overdue. Tasks with a due date show up here on the day.
                </p>
              ) : (
                <ul className="today-list">
                  {today.tasks.map((task) => {
                    const overdue = task.due_date !== null && task.due_date < today.date;
                    return (
                      <li key={task.id} className="today-row" data-testid="today-task-row" data-task-id={task.id}>
                        <label className="inline-field today-row__main">
                          <input
                            type="checkbox"
                            className="checkbox"
                            checked={false}
                            onChange={() => void completeTask(task)}
                            aria-label={`Complete ${task.title}`}
                            data-testid="today-task-complete"
                          />
                          <span className="today-row__title">{task.title}</span>
                        </label>
                        {task.due_date ? (
                          <span className={overdue ? "badge badge--warning" : "badge"}>
                            {overdue ? `Overdue since ${formatCalendarDate(task.due_date)}` : "Due today"}
                          </span>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              )}
            </TodaySection>
          </>
        )}
      </div>

      <LogTouchDialog
        open={dialog?.kind === "log"}
        name={dialog?.kind === "log" ? dialog.person.display_name : ""}
        onClose={closeDialog}
        onLog={(kind, summary) => (dialog?.kind === "log" ? logTouch(dialog.person, kind, summary) : Promise.resolve())}
      />
      <SnoozeDialog
        open={dialog?.kind === "snooze-person" || dialog?.kind === "snooze-reminder"}
        title={
          dialog?.kind === "snooze-person"
            ? `Snooze ${dialog.person.display_name}`
            : dialog?.kind === "snooze-reminder"
              ? `Snooze “${dialog.reminder.title}”`
              : "Snooze"
        }
        onClose={closeDialog}
        onSnooze={(until) =>
          dialog?.kind === "snooze-person"
            ? snoozePerson(dialog.person, until)
            : dialog?.kind === "snooze-reminder"
              ? snoozeReminder(dialog.reminder, until)
              : Promise.resolve()
        }
      />
      <Overlay
        open={dialog?.kind === "cadence"}
        onClose={closeDialog}
        title={dialog?.kind === "cadence" ? `How often to keep in touch with ${dialog.person.display_name}` : "How often"}
        size="sm"
        testId="cadence-dialog"
      >
        {dialog?.kind === "cadence" ? (
          <CadenceEditor
            setting={
              dialog.person.cadence_origin.kind === "own" ? { kind: "every", cadence: dialog.person.cadence } : { kind: "default" }
            }
            defaultText={
              dialog.person.cadence_origin.kind === "own"
                ? "from their tags or stage"
                : cadenceWithOrigin(dialog.person.cadence, dialog.person.cadence_origin)
            }
            onSave={(setting) => setCadence(dialog.person, setting)}
            onCancel={closeDialog}
            autoFocus
          />
        ) : null}
      </Overlay>
    </div>
  );
}

function TodaySection({
  title,
  count,
  testId,
  hint,
  children,
}: {
  title: string;
  count: number;
  testId: string;
  hint?: ReactNode;
  children: ReactNode;
}) {
  const headingId = `${testId}-heading`;
  return (
    <section className="card today-section" aria-labelledby={headingId} data-testid={testId}>
      <h2 id={headingId} className="card__title">
        {title}
        {count > 0 ? <span className="badge today-section__count">{count}</span> : null}
      </h2>
      {hint}
      {children}
    </section>
  );
}
