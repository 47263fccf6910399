import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AccessEntry } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ACCESS_LOG_LATEST, AccessLogSection } from "./AccessLogSection";

const entries: AccessEntry[] = [
  { id: "a2", occurred_at: "2026-03-02T10:00:00Z", contact_id: "c1", contact_name: "Ada Lovelace", action: "sent_to_ai", detail: "to OpenAI", device: "Studio laptop" },
  { id: "a1", occurred_at: "2026-03-01T10:00:00Z", contact_id: null, contact_name: null, action: "exported", detail: "all contacts as vCard", device: "Studio laptop" },
  { id: "a0", occurred_at: "2026-02-01T10:00:00Z", contact_id: "gone", contact_name: null, action: "viewed", detail: "opened in the app", device: "Front desk" },
];

/** A fake access log keeping `days` and refusing what the core refuses. */
function renderSection(initialDays: number, list: AccessEntry[] = entries) {
  let days = initialDays;
  mockCommands({
    access_log_retention: () => days,
    access_log_list: () => list,
    access_log_set_retention: (args) => {
      const wanted = args.days as number;
      if (wanted < 30 || wanted > 36_500) {
        throw appError("validation_failed", "Some fields are invalid", { fields: [{ field: "retention_days", message: "must be between 30 days and 100 years" }], limit: null });
      }
      days = wanted;
      return days;
    },
  });
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <AccessLogSection />
    </ToastProvider>,
  );
  return { user };
}

describe("AccessLogSection", () => {
  it("shows the retention in years and the latest entries across clients with their names", async () => {
    renderSection(2190);
    const amount = await screen.findByLabelText("Keep entries for");
    await waitFor(() => expect((amount as HTMLInputElement).value).toBe("6"));
    expect(screen.getByLabelText("Years or days")).toHaveProperty("value", "years");
    expect(screen.getByTestId("access-log-retention-current").textContent).toContain("6 years");

    const rows = await screen.findAllByTestId("access-log-entry");
    expect(callsTo("access_log_list")).toEqual([{ contactId: null, limit: ACCESS_LOG_LATEST }]);
    expect(rows.map((row) => within(row).getByTestId("access-log-client").textContent)).toEqual([
      "Ada Lovelace: ",
      "Several clients: ",
      "A deleted client: ",
    ]);
    expect(within(rows[0]).getByTestId("access-log-action").textContent).toBe("Sent to an AI provider");
    expect(screen.getByTestId("access-log-section").textContent).not.toMatch(/sent_to_ai|retention_days/);
  });

  it("shows a retention that is not whole years in days", async () => {
    renderSection(400, []);
    await waitFor(() => expect(screen.getByLabelText("Keep entries for")).toHaveProperty("value", "400"));
    expect(screen.getByLabelText("Years or days")).toHaveProperty("value", "days");
    expect((await screen.findByTestId("access-log-section-empty")).textContent).toMatch(/^Nothing yet/);
  });

  it("explains a retention out of range next to the field, and saves a valid one", async () => {
    const { user } = renderSection(2190);
    const amount = await screen.findByLabelText("Keep entries for");
    await waitFor(() => expect(amount).toHaveProperty("value", "6"));

    await user.clear(amount);
    await user.type(amount, "10");
    await user.selectOptions(screen.getByLabelText("Years or days"), "days");
    await user.click(screen.getByTestId("access-log-retention-save"));
    const error = screen.getByTestId("field-error-retention_days");
    expect(error.textContent).toBe("Keep the access log for at least 30 days and at most 100 years.");
    expect(amount.getAttribute("aria-invalid")).toBe("true");
    expect(amount.getAttribute("aria-describedby")).toBe(error.id);
    expect(callsTo("access_log_set_retention")).toHaveLength(0);

    await user.clear(amount);
    await user.type(amount, "two");
    await user.click(screen.getByTestId("access-log-retention-save"));
    expect(screen.getByTestId("field-error-retention_days").textContent).toBe("Enter a whole number of days.");

    await user.clear(amount);
    await user.type(amount, "2");
    await user.selectOptions(screen.getByLabelText("Years or days"), "years");
    await user.click(screen.getByTestId("access-log-retention-save"));
    await waitFor(() => expect(callsTo("access_log_set_retention")[0]).toEqual({ days: 730 }));
    await waitFor(() => expect(screen.getByTestId("access-log-retention-current").textContent).toContain("2 years"));
    expect(screen.queryByTestId("field-error-retention_days")).toBeNull();
  });

  it("shows the core's refusal next to the field in plain words", async () => {
    mockCommands({
      access_log_retention: () => 2190,
      access_log_list: () => [],
      access_log_set_retention: () => {
        throw appError("validation_failed", "Some fields are invalid", { fields: [{ field: "retention_days", message: "must be between 30 days and 100 years" }], limit: null });
      },
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <AccessLogSection />
      </ToastProvider>,
    );
    const amount = await screen.findByLabelText("Keep entries for");
    await waitFor(() => expect(amount).toHaveProperty("value", "6"));
    await user.clear(amount);
    await user.type(amount, "3");
    await user.click(screen.getByTestId("access-log-retention-save"));
    await waitFor(() => expect(callsTo("access_log_set_retention")).toEqual([{ days: 1095 }]));
    const error = await screen.findByTestId("field-error-retention_days");
    expect(error.textContent).toBe("This must be between 30 days and 100 years.");
    expect(amount.getAttribute("aria-describedby")).toBe(error.id);
    // The setting on screen stays what is stored.
    expect(screen.getByTestId("access-log-retention-current").textContent).toContain("6 years");
  });
});
