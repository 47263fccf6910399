import { useCallback, useEffect, useId, useState } from "react";
import { api, type CadenceSetting, type ContactKeepInTouch, type Reminder } from "../../api";
import { errorsByField, localToday } from "../../lib/fieldErrors";
import { formatCalendarDate } from "../../lib/format";
import { cadenceText, cadenceWithOrigin, lastContactSourceText, lastContactText } from "../../lib/keepInTouch";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { CadenceEditor } from "../keepInTouch/CadenceEditor";
import { SnoozeDialog } from "../keepInTouch/SnoozeDialog";
import { useUndoToast } from "../keepInTouch/useUndoToast";
import { useToasts } from "../Toasts";

type KeepInTouchPanelProps = {
  contactId: string;
  displayName: string;
  /** Bumped when something was logged or changed on the page (a new call moves the due date). */
  refreshToken: number;
};

const FIELD_LABELS: Record<string, string> = { title: "Title", due_on: "Date", days_ahead: "Days ahead" };

/** What "Default" means for this person, in words. */
function defaultText(state: ContactKeepInTouch): string {
  if (state.setting.kind !== "default") return "from their tags or stage";
  if (state.cadence && state.cadence_origin) return cadenceWithOrigin(state.cadence, state.cadence_origin);
  return "none set for their tags or stage";
}

function isDone(reminder: Reminder): boolean {
  return !reminder.yearly && reminder.done_through !== null && reminder.done_through >= reminder.due_on;
}

/** How often to keep in touch with this person, when they are next due, and their reminders. */
export function KeepInTouchPanel({ contactId, displayName, refreshToken }: KeepInTouchPanelProps) {
  const { showError } = useToasts();
  const baseId = useId();
  const [state, setState] = useState<ContactKeepInTouch | null>(null);
  const [reminders, setReminders] = useState<Reminder[] | null>(null);
  const [reload, setReload] = useState(0);
  const [snoozing, setSnoozing] = useState(false);
  const [adding, setAdding] = useState(false);
  const refresh = useCallback(() => setReload((count) => count + 1), []);
  const offerUndo = useUndoToast(refresh);

  useEffect(() => {
    let current = true;
    api.keepInTouchGet(contactId).then(
      (data) => current && setState(data),
      (error: unknown) => current && showError(error, "Could not load keeping in touch"),
    );
    api.listReminders(contactId).then(
      (list) => current && setReminders(list),
      (error: unknown) => {
        if (!current) return;
        setReminders([]);
        showError(error, "Could not load reminders");
      },
    );
    return () => {
      current = false;
    };
  }, [contactId, refreshToken, reload, showError]);

  const saveCadence = async (setting: CadenceSetting) => {
    try {
      const change = await api.keepInTouchSetCadence(contactId, setting);
      refresh();
      offerUndo(
        setting.kind === "every"
          ? `Keeping in touch with ${displayName} ${cadenceText(setting.cadence)}`
          : setting.kind === "none"
            ? `No longer keeping in touch with ${displayName}`
            : `${displayName} follows the default again`,
        { changeId: change.change_id },
      );
    } catch (error) {
      showError(error, "Could not change how often");
    }
  };

  const snooze = async (until: string | null) => {
    try {
      const change = await api.keepInTouchSnooze(contactId, until);
      setSnoozing(false);
      refresh();
      offerUndo(until ? `Snoozed until ${formatCalendarDate(until)}` : "Snooze ended", { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not snooze");
    }
  };

  const markDone = async (reminder: Reminder) => {
    try {
      const change = await api.reminderDone(reminder.id);
      refresh();
      offerUndo(`Done: ${reminder.title}`, { changeId: change.change_id });
    } catch (error) {
      showError(error, "Could not mark the reminder done");
    }
  };

  const remove = async (reminder: Reminder) => {
    try {
      const receipt = await api.deleteReminder(reminder.id);
      refresh();
      offerUndo(`Deleted ${reminder.title}`, { changeId: receipt.change_id });
    } catch (error) {
      showError(error, "Could not delete the reminder");
    }
  };

  const today = localToday();

  return (
    <div className="keep-in-touch" data-testid="keep-in-touch-panel">
      {state === null ? (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      ) : (
        <>
          <CadenceEditor
            key={`${JSON.stringify(state.setting)}-${reload}`}
            setting={state.setting}
            defaultText={defaultText(state)}
            onSave={saveCadence}
          />
          <dl className="detail-list keep-in-touch__facts">
            <div className="detail-list__item">
              <dt>Last contact</dt>
              <dd data-testid="keep-in-touch-last">
                {state.last_contact ? (
                  <>
                    {lastContactText(state.last_contact)}{" "}
                    <span className="muted small">({lastContactSourceText(state.last_contact)})</span>
                  </>
                ) : (
                  <span className="muted">None yet</span>
                )}
              </dd>
            </div>
            <div className="detail-list__item">
              <dt>Next due</dt>
              <dd data-testid="keep-in-touch-due">
                {state.due_on ? (
                  <>
                    {formatCalendarDate(state.due_on)}
                    {state.due_on < today ? (
                      <>
                        {" "}
                        <span className="badge badge--warning">overdue</span>
                      </>
                    ) : null}
                  </>
                ) : (
                  <span className="muted">Not keeping in touch on a schedule</span>
                )}
              </dd>
            </div>
            <div className="detail-list__item">
              <dt>Snooze</dt>
              <dd data-testid="keep-in-touch-snooze-state">
                {state.snoozed_until && state.snoozed_until > today ? (
                  <>
                    Snoozed until {formatCalendarDate(state.snoozed_until)}{" "}
                    <Button size="sm" variant="ghost" onClick={() => void snooze(null)} data-testid="keep-in-touch-unsnooze">
                      Unsnooze
                    </Button>
                  </>
                ) : (
                  <Button size="sm" variant="ghost" onClick={() => setSnoozing(true)} data-testid="keep-in-touch-snooze">
                    Snooze…
                  </Button>
                )}
              </dd>
            </div>
          </dl>
        </>
      )}

      <div>
        <h5 className="detail-section__subtitle" id={`${baseId}-reminders`}>
          Reminders
        </h5>
        {reminders === null ? null : reminders.length === 0 ? (
          <p className="muted small" data-testid="reminders-empty">
            No reminders. Add one for a follow-up or a date that matters; it shows on Today when it comes up.
          </p>
        ) : (
          <ul className="reminder-list" aria-labelledby={`${baseId}-reminders`}>
            {reminders.map((reminder) => {
              const done = isDone(reminder);
              return (
                <li key={reminder.id} className={done ? "reminder-list__item is-done" : "reminder-list__item"} data-testid="reminder-row">
                  <span className="reminder-list__title">{reminder.title}</span>
                  <span className="muted small">
                    {formatCalendarDate(reminder.due_on)}
                    {reminder.yearly ? " · every year" : ""}
                    {reminder.days_ahead > 0 ? ` · shows ${reminder.days_ahead} ${reminder.days_ahead === 1 ? "day" : "days"} ahead` : ""}
                    {reminder.snoozed_until && reminder.snoozed_until > today ? ` · snoozed until ${formatCalendarDate(reminder.snoozed_until)}` : ""}
                  </span>
                  {done ? (
                    <span className="badge badge--success">Done</span>
                  ) : (
                    <Button size="sm" icon="check" onClick={() => void markDone(reminder)} data-testid="reminder-done" aria-label={`Mark ${reminder.title} done`}>
                      Done
                    </Button>
                  )}
                  <Button
                    size="sm"
                    variant="danger-ghost"
                    icon="trash"
                    iconOnly
                    label={`Delete ${reminder.title}`}
                    onClick={() => void remove(reminder)}
                    data-testid="reminder-delete"
                  />
                </li>
              );
            })}
          </ul>
        )}
        {adding ? (
          <AddReminderForm
            contactId={contactId}
            onCancel={() => setAdding(false)}
            onAdded={() => {
              setAdding(false);
              refresh();
            }}
          />
        ) : (
          <Button size="sm" icon="plus" onClick={() => setAdding(true)} data-testid="reminder-add-button">
            Add reminder
          </Button>
        )}
      </div>

      <SnoozeDialog open={snoozing} title={`Snooze ${displayName}`} onClose={() => setSnoozing(false)} onSnooze={(until) => snooze(until)} />
    </div>
  );
}

function AddReminderForm({ contactId, onAdded, onCancel }: { contactId: string; onAdded: () => void; onCancel: () => void }) {
  const { showError, announce } = useToasts();
  const baseId = useId();
  const [title, setTitle] = useState("");
  const [date, setDate] = useState(() => localToday());
  const [yearly, setYearly] = useState(false);
  const [daysAhead, setDaysAhead] = useState("0");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const local: Record<string, string> = {};
    if (!title.trim()) local.title = "Enter what to be reminded of";
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) local.due_on = "Choose a date";
    const ahead = Number(daysAhead.trim() || "0");
    if (!Number.isInteger(ahead) || ahead < 0 || ahead > 365) local.days_ahead = "Enter a whole number of days from 0 to 365";
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setSaving(true);
    try {
      const reminder = await api.addReminder(contactId, { title: title.trim(), due_on: date, yearly, days_ahead: ahead });
      announce(`Added reminder ${reminder.title}.`);
      onAdded();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) {
        setErrors(
          Object.fromEntries(Object.entries(fields).map(([field, message]) => [field, `${FIELD_LABELS[field] ?? "This"} ${message}`])),
        );
      } else showError(error, "Could not add the reminder");
    } finally {
      setSaving(false);
    }
  };

  const describe = (field: string) => (errors[field] ? `${baseId}-${field}-error` : undefined);

  return (
    <form
      className="compact-form"
      aria-label="Add a reminder"
      data-testid="reminder-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label className="field">
        <span className="field__label">Remind me to</span>
        <input
          className="input"
          value={title}
          placeholder="Send the intake form"
          onChange={(event) => setTitle(event.target.value)}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={describe("title")}
          data-testid="reminder-title"
          autoFocus
        />
      </label>
      <InlineError id={`${baseId}-title-error`} field="title" message={errors.title} />
      <div className="compact-form__row">
        <label className="inline-field">
          <span>On</span>
          <input
            className="input input--sm"
            type="date"
            value={date}
            onChange={(event) => setDate(event.target.value)}
            aria-invalid={errors.due_on ? true : undefined}
            aria-describedby={describe("due_on")}
            data-testid="reminder-date"
          />
        </label>
        <label className="inline-field">
          <input type="checkbox" className="checkbox" checked={yearly} onChange={(event) => setYearly(event.target.checked)} data-testid="reminder-yearly" />
          <span>Every year</span>
        </label>
        <label className="inline-field">
          <span>Show</span>
          <input
            className="input input--sm input--narrow"
            inputMode="numeric"
            value={daysAhead}
            onChange={(event) => setDaysAhead(event.target.value)}
            aria-invalid={errors.days_ahead ? true : undefined}
            aria-describedby={describe("days_ahead")}
            data-testid="reminder-days-ahead"
          />
          <span>days ahead</span>
        </label>
      </div>
      <InlineError id={`${baseId}-due_on-error`} field="due_on" message={errors.due_on} />
      <InlineError id={`${baseId}-days_ahead-error`} field="days_ahead" message={errors.days_ahead} />
      <div className="compact-form__actions">
        <Button size="sm" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" size="sm" variant="primary" busy={saving} data-testid="reminder-save">
          Add reminder
        </Button>
      </div>
    </form>
  );
}
