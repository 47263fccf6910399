import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ContactKeepInTouch, Reminder } from "../../api";
import { addDays } from "../../lib/keepInTouch";
import { keepInTouchChange, keepInTouchFixture, reminderFixture } from "../../test/fixtures";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { KeepInTouchPanel } from "./KeepInTouchPanel";

function renderPanel(
  state: () => ContactKeepInTouch,
  reminders: () => Reminder[] = () => [],
  extra: Record<string, (args: Record<string, unknown>) => unknown> = {},
) {
  mockCommands({ keep_in_touch_get: () => state(), reminders_list: () => reminders(), ...extra });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <KeepInTouchPanel contactId="c1" displayName="Ada Lovelace" refreshToken={0} />
    </ToastProvider>,
  );
  return { user };
}

const fromTag = keepInTouchFixture("c1", {
  cadence: { every: 2, unit: "week" },
  cadence_origin: { kind: "tag", name: "VIP Client" },
  last_contact: { at: "2026-11-12T10:00:00Z", kind: "call", summary: "Check-in", source: "google_calendar" },
  due_on: "2026-11-26",
});

describe("KeepInTouchPanel", () => {
  it("shows the default cadence with where it comes from, the last contact with its source, and the due date", async () => {
    renderPanel(() => fromTag);
    const mode = (await screen.findByTestId("cadence-mode")) as HTMLSelectElement;
    expect(mode.value).toBe("default");
    expect(mode.options[0].textContent).toBe("Default (every 2 weeks (VIP Client tag))");
    expect(screen.getByTestId("keep-in-touch-last").textContent).toMatch(/^Call · .+: Check-in \(from Google Calendar\)$/);
    expect(screen.getByTestId("keep-in-touch-due").textContent).toContain("overdue");
    expect(screen.getByTestId("reminders-empty")).toBeTruthy();
  });

  it("says when no default applies, and sets an own cadence with undo", async () => {
    let state = keepInTouchFixture("c1");
    const { user } = renderPanel(() => state, () => [], {
      keep_in_touch_set_cadence: (args) => {
        state = { ...state, setting: args.setting as ContactKeepInTouch["setting"], cadence: { every: 10, unit: "day" }, cadence_origin: { kind: "own" } };
        return keepInTouchChange("c1", "chg-1", "10d");
      },
      changes_undo: () => ({ change_id: "chg-2", entity: "keep_in_touch", entity_id: "kit-c1" }),
    });
    const mode = (await screen.findByTestId("cadence-mode")) as HTMLSelectElement;
    expect(mode.options[0].textContent).toBe("Default (none set for their tags or stage)");
    expect(screen.getByTestId("keep-in-touch-due").textContent).toBe("Not keeping in touch on a schedule");
    await user.selectOptions(mode, "every");
    await user.clear(screen.getByTestId("cadence-every"));
    await user.type(screen.getByTestId("cadence-every"), "10");
    await user.selectOptions(screen.getByTestId("cadence-unit"), "day");
    await user.click(screen.getByTestId("cadence-save"));
    await waitFor(() =>
      expect(callsTo("keep_in_touch_set_cadence")).toEqual([{ contactId: "c1", setting: { kind: "every", cadence: { every: 10, unit: "day" } } }]),
    );
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Keeping in touch with Ada Lovelace every 10 days");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-1" }]));
  });

  it("rejects a cadence that is not a whole number, and can stop keeping in touch", async () => {
    const { user } = renderPanel(() => fromTag, () => [], {
      keep_in_touch_set_cadence: () => keepInTouchChange("c1", "chg-1", "none"),
    });
    const mode = await screen.findByTestId("cadence-mode");
    await user.selectOptions(mode, "every");
    await user.clear(screen.getByTestId("cadence-every"));
    await user.type(screen.getByTestId("cadence-every"), "1.5");
    await user.click(screen.getByTestId("cadence-save"));
    expect(screen.getByTestId("field-error-cadence").textContent).toContain("whole number");
    expect(callsTo("keep_in_touch_set_cadence")).toHaveLength(0);
    await user.selectOptions(mode, "none");
    await user.click(screen.getByTestId("cadence-save"));
    await waitFor(() => expect(callsTo("keep_in_touch_set_cadence")).toEqual([{ contactId: "c1", setting: { kind: "none" } }]));
  });

  it("snoozes until tomorrow and unsnoozes", async () => {
    let state = fromTag;
    const { user } = renderPanel(() => state, () => [], {
      keep_in_touch_snooze: (args) => {
        state = { ...state, snoozed_until: (args.until as string | null) ?? null };
        return keepInTouchChange("c1", "chg-s", null, (args.until as string | null) ?? null);
      },
    });
    await user.click(await screen.findByTestId("keep-in-touch-snooze"));
    await user.click(within(await screen.findByTestId("snooze-dialog")).getByTestId("snooze-tomorrow"));
    await waitFor(() => expect(callsTo("keep_in_touch_snooze")).toEqual([{ contactId: "c1", until: addDays(1) }]));
    await user.click(await screen.findByTestId("keep-in-touch-unsnooze"));
    await waitFor(() => expect(callsTo("keep_in_touch_snooze")[1]).toEqual({ contactId: "c1", until: null }));
  });

  it("adds a yearly reminder, marks one done and deletes one with undo", async () => {
    let reminders = [reminderFixture("r1", { title: "Send the intake form" })];
    const { user } = renderPanel(() => fromTag, () => reminders, {
      reminders_add: (args) => {
        const input = args.input as { title: string; due_on: string; yearly: boolean; days_ahead: number };
        const reminder = reminderFixture("r2", { title: input.title, due_on: input.due_on, yearly: input.yearly, days_ahead: input.days_ahead });
        reminders = [...reminders, reminder];
        return reminder;
      },
      reminders_done: () => {
        reminders = reminders.map((item) => (item.id === "r1" ? { ...item, done_through: item.due_on } : item));
        return { reminder: reminders[0], change_id: "chg-done" };
      },
      reminders_delete: () => ({ change_id: "chg-del" }),
      changes_undo: () => ({ change_id: "chg-u", entity: "reminder", entity_id: "r2" }),
    });
    await user.click(await screen.findByTestId("reminder-add-button"));
    const form = screen.getByTestId("reminder-form");
    await user.click(within(form).getByTestId("reminder-save"));
    expect(within(form).getByTestId("field-error-title").textContent).toBe("Enter what to be reminded of");
    await user.type(within(form).getByTestId("reminder-title"), "Anniversary of first session");
    await user.clear(within(form).getByTestId("reminder-date"));
    await user.type(within(form).getByTestId("reminder-date"), "2027-03-14");
    await user.click(within(form).getByTestId("reminder-yearly"));
    await user.clear(within(form).getByTestId("reminder-days-ahead"));
    await user.type(within(form).getByTestId("reminder-days-ahead"), "7");
    await user.click(within(form).getByTestId("reminder-save"));
    await waitFor(() =>
      expect(callsTo("reminders_add")).toEqual([
        { contactId: "c1", input: { title: "Anniversary of first session", due_on: "2027-03-14", yearly: true, days_ahead: 7 } },
      ]),
    );
    await waitFor(() => expect(screen.getAllByTestId("reminder-row")).toHaveLength(2));
    expect(screen.getAllByTestId("reminder-row")[1].textContent).toContain("every year · shows 7 days ahead");

    await user.click(within(screen.getAllByTestId("reminder-row")[0]).getByTestId("reminder-done"));
    await waitFor(() => expect(callsTo("reminders_done")).toEqual([{ id: "r1" }]));
    await waitFor(() => expect(screen.getAllByTestId("reminder-row")[0].textContent).toContain("Done"));
    expect(within(screen.getAllByTestId("reminder-row")[0]).queryByTestId("reminder-done")).toBeNull();

    await user.click(within(screen.getAllByTestId("reminder-row")[1]).getByTestId("reminder-delete"));
    await waitFor(() => expect(callsTo("reminders_delete")).toEqual([{ id: "r2" }]));
    const toasts = await screen.findAllByTestId("toast");
    const deleted = toasts.find((toast) => toast.textContent?.includes("Deleted Anniversary of first session"));
    if (!deleted) throw new Error("no delete toast");
    await user.click(within(deleted).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-del" }]));
  });

  it("shows the server's field errors in words", async () => {
    const { user } = renderPanel(() => fromTag, () => [], {
      reminders_add: () => {
        throw appError("validation_failed", "invalid", { fields: [{ field: "days_ahead", message: "must be at most 365" }] });
      },
    });
    await user.click(await screen.findByTestId("reminder-add-button"));
    await user.type(screen.getByTestId("reminder-title"), "Call back");
    await user.click(screen.getByTestId("reminder-save"));
    expect((await screen.findByTestId("field-error-days_ahead")).textContent).toBe("Days ahead must be at most 365");
  });
});
