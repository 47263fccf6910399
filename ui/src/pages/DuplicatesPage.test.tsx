import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Contact, DuplicateSuggestion, MergeOutcome } from "../api";
import { MERGE_FIELD_ROWS } from "../components/duplicates/MergeDialog";
import { ToastProvider } from "../components/Toasts";
import { contactFixture, summaryFixture } from "../test/fixtures";
import { appError, callsTo, mockCommands } from "../test/tauriMock";
import { DuplicatesPage } from "./DuplicatesPage";

const maya: Contact = { ...contactFixture(summaryFixture(1, { display_name: "Maya Chen", primary_email: "maya@example.com" })), organization: "Calm Clinic" };
const mayaToo: Contact = { ...contactFixture(summaryFixture(2, { display_name: "Maya  Chen", primary_email: "maya@example.com" })), organization: "Riverside Yoga" };
const bob: Contact = contactFixture(summaryFixture(3, { display_name: "Bob Stone" }));
const bobToo: Contact = contactFixture(summaryFixture(4, { display_name: "Bob Stone" }));

const mayaPair: DuplicateSuggestion = {
  contact_ids: [maya.id, mayaToo.id],
  display_names: [maya.display_name, mayaToo.display_name],
  confidence: "exact",
  reasons: ["same email maya@example.com"],
};
const bobPair: DuplicateSuggestion = {
  contact_ids: [bob.id, bobToo.id],
  display_names: [bob.display_name, bobToo.display_name],
  confidence: "likely",
  reasons: ["similar names", "same city"],
};

const contacts = new Map([maya, mayaToo, bob, bobToo].map((contact) => [contact.id, contact]));

function renderPage() {
  return render(
    <ToastProvider>
      <DuplicatesPage />
    </ToastProvider>,
  );
}

describe("DuplicatesPage", () => {
  it("shows the empty state when there are no suggestions", async () => {
    mockCommands({ duplicates_suggestions: () => [] });
    renderPage();
    expect((await screen.findByTestId("duplicates-empty")).textContent).toContain("No duplicates found");
  });

  it("lists suggestions with confidence and reasons; dismiss removes one", async () => {
    mockCommands({ duplicates_suggestions: () => [mayaPair, bobPair], duplicates_dismiss: () => null });
    const user = userEvent.setup();
    renderPage();
    const rows = await screen.findAllByTestId("duplicate-suggestion");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("Exact match");
    expect(rows[0].textContent).toContain("same email maya@example.com");
    expect(rows[1].textContent).toContain("Likely match");

    await user.click(within(rows[1]).getByTestId("duplicate-dismiss"));
    await waitFor(() => expect(screen.getAllByTestId("duplicate-suggestion")).toHaveLength(1));
    expect(callsTo("duplicates_dismiss")).toEqual([{ contactIds: [bob.id, bobToo.id] }]);
    expect(screen.getByTestId("duplicate-suggestion").textContent).toContain("Maya Chen");
  });

  it("merges with the chosen survivor and field, then undoes through changes_undo_batch", async () => {
    const outcome: MergeOutcome = {
      survivor: { ...mayaToo, organization: "Calm Clinic" },
      batch_id: "batch-1",
      moved: { notes: 1, interactions: 0, tasks: 0, goals: 0, identities: 1, consents: 0 },
    };
    let suggestions = [mayaPair];
    mockCommands({
      duplicates_suggestions: () => suggestions,
      contacts_get: (args) => contacts.get(args.id as string),
      duplicates_merge: () => {
        suggestions = [];
        return outcome;
      },
      changes_undo_batch: () => ({ batch_id: "batch-1", undone: 3 }),
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("duplicate-merge-open"));
    const dialog = await screen.findByTestId("merge-dialog");
    expect(dialog.textContent).toContain("Emails, phones, tags, notes, interactions, tasks, goals and consents");

    await user.click(await within(dialog).findByTestId(`merge-survivor-${mayaToo.id}`));
    // Only differing fields are offered; keep the first contact's organization.
    expect(within(dialog).queryByTestId("merge-field-date_of_birth")).toBeNull();
    await user.click(within(dialog).getByTestId(`merge-field-organization-${maya.id}`));
    await user.click(within(dialog).getByTestId("merge-confirm"));

    await waitFor(() =>
      expect(callsTo("duplicates_merge")).toEqual([
        {
          request: {
            survivor_id: mayaToo.id,
            merged_ids: [maya.id],
            fields: { organization: maya.id },
          },
        },
      ]),
    );
    await waitFor(() => expect(screen.queryByTestId("merge-dialog")).toBeNull());
    await user.click(await screen.findByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo_batch")).toEqual([{ batchId: "batch-1" }]));
  });

  it("shows field errors from the server inline", async () => {
    mockCommands({
      duplicates_suggestions: () => [mayaPair],
      contacts_get: (args) => contacts.get(args.id as string),
      duplicates_merge: () => {
        throw appError("validation_failed", "Some fields are invalid", {
          fields: [{ field: "fields.organization", message: "must be one of the merged contacts" }],
        });
      },
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("duplicate-merge-open"));
    const dialog = await screen.findByTestId("merge-dialog");
    await within(dialog).findByTestId(`merge-survivor-${maya.id}`);
    await user.click(within(dialog).getByTestId("merge-confirm"));
    expect((await within(dialog).findByTestId("field-error-fields.organization")).textContent).toBe(
      "must be one of the merged contacts",
    );
    expect(screen.getByTestId("merge-dialog")).toBeTruthy();
  });

  it("names a server field error that has no row in plain words, not its stored key", async () => {
    mockCommands({
      duplicates_suggestions: () => [mayaPair],
      contacts_get: (args) => contacts.get(args.id as string),
      duplicates_merge: () => {
        throw appError("validation_failed", "Some fields are invalid", {
          fields: [{ field: "survivor_id", message: "is not one of the merged contacts" }],
        });
      },
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("duplicate-merge-open"));
    const dialog = await screen.findByTestId("merge-dialog");
    await within(dialog).findByTestId(`merge-survivor-${maya.id}`);
    await user.click(within(dialog).getByTestId("merge-confirm"));
    const error = await within(dialog).findByTestId("field-error-survivor_id");
    expect(error.textContent).toBe("Survivor id: is not one of the merged contacts");
  });

  it("shows the birthdays to choose between as dates, with or without the year", () => {
    const row = MERGE_FIELD_ROWS.find((item) => item.key === "date_of_birth");
    if (!row) throw new Error("no birthday row");
    const base = contactFixture(summaryFixture(1));
    expect(row.show({ ...base, date_of_birth: "--04-23" })).toBe(new Intl.DateTimeFormat(undefined, { month: "long", day: "numeric" }).format(new Date(2000, 3, 23)));
    expect(row.show({ ...base, date_of_birth: "--04-23" })).not.toContain("--");
    expect(row.show({ ...base, date_of_birth: null })).toBe("");
  });
});
