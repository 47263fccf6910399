import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Task, Today } from "../api";
import { ToastProvider } from "../components/Toasts";
import { addDays } from "../lib/keepInTouch";
import { duePersonFixture, emptyToday, keepInTouchChange, reminderDueFixture } from "../test/fixtures";
import { callsTo, mockCommands } from "../test/tauriMock";
import { TodayPage } from "./TodayPage";

function taskFixture(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    title: `Task ${id}`,
    description: null,
    status: "todo",
    priority: "medium",
    due_date: "2026-12-07",
    completed_at: null,
    project_id: null,
    zone_id: null,
    parent_task_id: null,
    contact_ids: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    deleted_at: null,
    ...overrides,
  };
}

const fullDay: Today = {
  date: "2026-12-07",
  meetings: [
    {
      interaction_id: "m1",
      subject: "Intake session",
      starts_at: "2026-12-07T09:30:00Z",
      duration_minutes: 50,
      contacts: [{ id: "c2", display_name: "Bea Chen" }],
    },
  ],
  due: [
    duePersonFixture("c1", { display_name: "Ada Lovelace" }),
    duePersonFixture("c3", {
      display_name: "Cleo Diaz",
      cadence: { every: 1, unit: "month" },
      cadence_origin: { kind: "own" },
      last_contact: null,
      days_overdue: 0,
    }),
  ],
  reminders: [
    reminderDueFixture("r1", { title: "Send the intake form", display_name: "Ada Lovelace" }),
    reminderDueFixture(null, { contact_id: "c3", display_name: "Cleo Diaz", title: "Cleo Diaz’s birthday", turns: 40, days_until: 2 }),
  ],
  tasks: [taskFixture("t1", { title: "Pay the rent" }), taskFixture("t2", { title: "File notes", due_date: "2026-12-01" })],
};

function renderToday(day: () => Today, extra: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  mockCommands({ today_get: () => day(), ...extra });
  const onOpenContact = vi.fn();
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <TodayPage onOpenContact={onOpenContact} />
    </ToastProvider>,
  );
  return { user, onOpenContact };
}

async function dueRow(name: string) {
  const rows = await screen.findAllByTestId("today-due-row");
  const row = rows.find((item) => item.textContent?.includes(name));
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

describe("TodayPage", () => {
  it("shows the day's meetings, people due, reminders and tasks in plain words", async () => {
    const { user, onOpenContact } = renderToday(() => fullDay);
    const meeting = await screen.findByTestId("today-meeting");
    expect(meeting.textContent).toContain("Intake session");
    expect(meeting.textContent).toContain("Bea Chen");

    const ada = await dueRow("Ada Lovelace");
    expect(within(ada).getByTestId("today-due-cadence").textContent).toBe("every 2 weeks (VIP Client tag)");
    expect(within(ada).getByTestId("today-due-last").textContent).toMatch(/^Last: Call · .+: Check-in$/);
    expect(within(ada).getByTestId("today-due-overdue").textContent).toBe("3 days overdue");
    const cleo = await dueRow("Cleo Diaz");
    expect(within(cleo).getByTestId("today-due-cadence").textContent).toBe("every month");
    expect(within(cleo).getByTestId("today-due-last").textContent).toBe("No contact yet");
    expect(within(cleo).getByTestId("today-due-overdue").textContent).toBe("Due today");

    const reminders = screen.getAllByTestId("today-reminder-row");
    expect(reminders[0].textContent).toContain("Send the intake form");
    expect(reminders[1].textContent).toContain("(turns 40)");
    // A birthday has nothing to tick off or snooze.
    expect(within(reminders[1]).queryByTestId("today-reminder-done")).toBeNull();

    const tasks = screen.getAllByTestId("today-task-row");
    expect(tasks[0].textContent).toContain("Due today");
    expect(tasks[1].textContent).toContain("Overdue since");

    // No raw keys on screen.
    expect(screen.getByTestId("today-page").textContent).not.toMatch(/_client|follow_up|days_overdue/);

    await user.click(within(ada).getByTestId("today-open-contact"));
    expect(onOpenContact).toHaveBeenCalledWith("c1");
  });

  it("teaches what to set up when the day is empty", async () => {
    renderToday(() => emptyToday);
    expect((await screen.findByTestId("today-due-empty")).textContent).toContain(
      "Nobody is due. Choose how often to keep in touch with someone on their page, or set a default for a tag or stage in Settings.",
    );
    expect(screen.getByTestId("today-meetings-empty")).toBeTruthy();
    expect(screen.getByTestId("today-reminders-empty")).toBeTruthy();
    expect(screen.getByTestId("today-tasks-empty")).toBeTruthy();
  });

  it("L on a focused person logs a touch, and Undo deletes it", async () => {
    let day = fullDay;
    const { user } = renderToday(() => day, {
      interactions_create: () => {
        day = { ...fullDay, due: fullDay.due.slice(1) };
        return { id: "i9" };
      },
      interactions_delete: () => ({ change_id: "chg-del" }),
    });
    const row = await dueRow("Ada Lovelace");
    row.focus();
    await user.keyboard("l");
    const dialog = await screen.findByTestId("log-touch-dialog");
    await user.click(within(dialog).getByTestId("log-touch-kind-message"));
    await user.type(within(dialog).getByTestId("log-touch-summary"), "Sent the plan");
    await user.click(within(dialog).getByTestId("log-touch-save"));

    await waitFor(() => expect(callsTo("interactions_create")).toHaveLength(1));
    expect(callsTo("interactions_create")[0].input).toMatchObject({ kind: "email", subject: "Sent the plan", contact_ids: ["c1"] });
    await waitFor(() => expect(screen.queryByTestId("log-touch-dialog")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("today-due-row")).toHaveLength(1));
    // The focus moves on to the person now in the logged one's place.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("today-due-row")));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Logged a message with Ada Lovelace");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("interactions_delete")).toEqual([{ id: "i9" }]));
  });

  it("S snoozes the focused person until next week, with undo", async () => {
    const { user } = renderToday(() => fullDay, {
      keep_in_touch_snooze: (args) => keepInTouchChange(String(args.contactId), "chg-snooze", null, String(args.until)),
      changes_undo: () => ({ change_id: "chg-u", entity: "keep_in_touch", entity_id: "kit-c1" }),
    });
    const row = await dueRow("Ada Lovelace");
    row.focus();
    await user.keyboard("s");
    await user.click(within(await screen.findByTestId("snooze-dialog")).getByTestId("snooze-next-week"));
    await waitFor(() => expect(callsTo("keep_in_touch_snooze")).toEqual([{ contactId: "c1", until: addDays(7) }]));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Ada Lovelace snoozed until");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-snooze" }]));
  });

  it("C changes how often, from the tag default to every 3 months", async () => {
    const { user } = renderToday(() => fullDay, {
      keep_in_touch_set_cadence: (args) => keepInTouchChange(String(args.contactId), "chg-cad", "3m"),
    });
    const row = await dueRow("Ada Lovelace");
    row.focus();
    await user.keyboard("c");
    const dialog = await screen.findByTestId("cadence-dialog");
    const mode = within(dialog).getByTestId("cadence-mode") as HTMLSelectElement;
    expect(mode.value).toBe("default");
    expect(mode.options[0].textContent).toBe("Default (every 2 weeks (VIP Client tag))");
    await user.selectOptions(mode, "every");
    await user.clear(within(dialog).getByTestId("cadence-every"));
    await user.type(within(dialog).getByTestId("cadence-every"), "3");
    await user.selectOptions(within(dialog).getByTestId("cadence-unit"), "month");
    await user.click(within(dialog).getByTestId("cadence-save"));
    await waitFor(() =>
      expect(callsTo("keep_in_touch_set_cadence")).toEqual([
        { contactId: "c1", setting: { kind: "every", cadence: { every: 3, unit: "month" } } },
      ]),
    );
    expect((await screen.findByTestId("toast")).textContent).toContain("Keeping in touch with Ada Lovelace every 3 months");
  });

  it("does not take the s of g s (go to Settings) as snooze", async () => {
    const { user, onOpenContact } = renderToday(() => fullDay);
    const row = await dueRow("Ada Lovelace");
    row.focus();
    await user.keyboard("gs");
    expect(screen.queryByTestId("snooze-dialog")).toBeNull();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toBe(await dueRow("Cleo Diaz"));
    await user.keyboard("{Enter}");
    expect(onOpenContact).toHaveBeenCalledWith("c3");
  });

  it("marks a reminder done with undo, and ticks off a task", async () => {
    const { user } = renderToday(() => fullDay, {
      reminders_done: (args) => ({ reminder: { id: args.id }, change_id: "chg-done" }),
      changes_undo: () => ({ change_id: "chg-u", entity: "reminder", entity_id: "r1" }),
      tasks_set_status: (args) => ({ task: { id: args.id }, change_id: "chg-task" }),
    });
    const [reminder] = await screen.findAllByTestId("today-reminder-row");
    await user.click(within(reminder).getByTestId("today-reminder-done"));
    await waitFor(() => expect(callsTo("reminders_done")).toEqual([{ id: "r1" }]));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Done: Send the intake form");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-done" }]));

    await user.click(screen.getByRole("checkbox", { name: "Complete Pay the rent" }));
    await waitFor(() => expect(callsTo("tasks_set_status")).toEqual([{ id: "t1", status: "done" }]));
  });

  it("D on a focused reminder marks it done; S snoozes it to tomorrow", async () => {
    const { user } = renderToday(() => fullDay, {
      reminders_done: (args) => ({ reminder: { id: args.id }, change_id: "chg-done" }),
      reminders_snooze: (args) => ({ reminder: { id: args.id }, change_id: "chg-snooze" }),
    });
    const [reminder] = await screen.findAllByTestId("today-reminder-row");
    reminder.focus();
    await user.keyboard("d");
    await waitFor(() => expect(callsTo("reminders_done")).toEqual([{ id: "r1" }]));
    reminder.focus();
    await user.keyboard("s");
    await user.click(within(await screen.findByTestId("snooze-dialog")).getByTestId("snooze-tomorrow"));
    await waitFor(() => expect(callsTo("reminders_snooze")).toEqual([{ id: "r1", until: addDays(1) }]));
  });
});
