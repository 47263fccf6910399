import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AccessEntry } from "../../api";
import { layerStack } from "../../lib/layerStack";
import { contactFixture, emptyContactExtras, summaryFixture } from "../../test/fixtures";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ContactDetail } from "./ContactDetail";

function renderDetail(onClose = vi.fn()) {
  render(
    <ToastProvider>
      <ContactDetail contactId="c1" refreshToken={0} onClose={onClose} onEdit={vi.fn()} onDeleted={vi.fn()} />
    </ToastProvider>,
  );
  return { onClose, user: userEvent.setup() };
}

describe("ContactDetail", () => {
  it("has a closed section saying who has seen the client's data, which lists this client's entries when opened", async () => {
    const contact = contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" }));
    mockCommands({
      contacts_get: () => contact,
      ...emptyContactExtras,
      access_log_list: () => [
        { id: "a1", occurred_at: "2026-03-01T10:00:00Z", contact_id: contact.id, contact_name: "Maya Lindqvist", action: "viewed", detail: "opened in the app", device: "Studio laptop" },
      ],
    });
    const { user } = renderDetail();
    const heading = await screen.findByRole("heading", { name: "Who has seen this client's data" });
    const section = heading.closest("section") as HTMLElement;
    expect(callsTo("access_log_list")).toHaveLength(0);
    await user.click(within(section).getByTestId("access-log-toggle"));
    expect((await within(section).findByTestId("access-log-entry")).textContent).toContain("Viewed");
    expect(callsTo("access_log_list")).toEqual([{ contactId: contact.id, limit: 50 }]);
  });

  it("shows an export made from the page in the open access log", async () => {
    const contact = contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" }));
    const log: AccessEntry[] = [
      { id: "a1", occurred_at: "2026-03-01T10:00:00Z", contact_id: contact.id, contact_name: "Maya Lindqvist", action: "viewed", detail: "opened in the app", device: "Studio laptop" },
    ];
    mockCommands({
      contacts_get: () => contact,
      ...emptyContactExtras,
      access_log_list: () => [...log],
      export_write: () => {
        log.unshift({ id: "a2", occurred_at: "2026-03-01T10:05:00Z", contact_id: contact.id, contact_name: "Maya Lindqvist", action: "exported", detail: "their data as JSON", device: "Studio laptop" });
        return { path: "/tmp/maya.json", contacts: 1, bytes: 10 };
      },
    });
    const { user } = renderDetail();
    await user.click(await screen.findByTestId("access-log-toggle"));
    await screen.findByTestId("access-log-entry");
    await user.click(screen.getByTestId("contact-export-button"));
    await waitFor(() => expect(screen.getAllByTestId("access-log-entry")).toHaveLength(2));
    expect(screen.getAllByTestId("access-log-action").map((element) => element.textContent)).toEqual(["Exported", "Viewed"]);
  });

  it("names stored preference and care keys in plain words, and keeps the ones a person typed", async () => {
    const contact = {
      ...contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" })),
      preferences: { contact_method: "text", sessionTime: "mornings", "Favourite oil": "lavender" },
      phones: [{ number: "+12068727755", label: null, is_primary: true }],
    };
    mockCommands({ contacts_get: () => contact, ...emptyContactExtras });
    renderDetail();
    const detail = await screen.findByTestId("contact-detail");
    await waitFor(() => expect(within(detail).getByTestId("contact-detail-name").textContent).toBe("Maya Lindqvist"));

    const terms = Array.from(detail.querySelectorAll("dt")).map((term) => term.textContent);
    expect(terms).toContain("Contact method");
    expect(terms).toContain("Session time");
    expect(terms).toContain("Favourite oil");
    expect(detail.textContent).not.toContain("contact_method");
    expect(detail.textContent).not.toContain("sessionTime");
  });

  it("shows phone numbers formatted for the user's region", async () => {
    const contact = {
      ...contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" })),
      phones: [{ number: "+12068727755", label: null, is_primary: true }],
      emergency_contact_name: "Jon",
      emergency_contact_phone: "+442079460958",
      date_of_birth: "--04-23",
    };
    mockCommands({
      contacts_get: () => contact,
      ...emptyContactExtras,
      identities_list_for_contact: () => [
        { identity_id: null, kind: "phone", value: "+12068727755", provider: "phone" },
        { identity_id: "i1", kind: "email", value: "maya@studio.example", provider: "outlook_import" },
      ],
    });
    renderDetail();
    const detail = await screen.findByTestId("contact-detail");
    await waitFor(() => expect(detail.textContent).toContain("(206) 872-7755"));
    expect(detail.textContent).toContain("+44 20 7946 0958");
    const identities = await screen.findByTestId("identities-list");
    expect(identities.textContent).toContain("(206) 872-7755");
    expect(identities.textContent).toContain("Outlook import");
    expect(detail.textContent).not.toContain("+12068727755");
    expect(detail.textContent).not.toContain("outlook_import");
    // A birthday without a year reads as a day of the year, not "--04-23".
    expect(detail.textContent).toContain("April 23");
    expect(detail.textContent).not.toContain("--04-23");
  });

  it("asks before closing when a call being logged has unsaved text, and closes at once otherwise", async () => {
    const contact = contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" }));
    mockCommands({ contacts_get: () => contact, ...emptyContactExtras });
    const { onClose, user } = renderDetail();
    const detail = await screen.findByTestId("contact-detail");
    await waitFor(() => expect(within(detail).getByTestId("contact-detail-name").textContent).toBe("Maya Lindqvist"));

    await user.click(screen.getByTestId("composer-interaction-tab"));
    await user.type(screen.getByTestId("interaction-subject"), "Intake call");
    // Escape, as the app's keyboard handler hands it to the topmost layer.
    layerStack.escape();
    await screen.findByRole("dialog", { name: "Discard your changes?" });
    expect(onClose).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("discard-changes-keep"));
    expect((screen.getByTestId("interaction-subject") as HTMLInputElement).value).toBe("Intake call");

    await user.click(within(detail).getByRole("button", { name: "Close" }));
    await user.click(await screen.findByTestId("discard-changes-confirm"));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("closes at once when nothing was typed", async () => {
    const contact = contactFixture(summaryFixture(1, { display_name: "Maya Lindqvist" }));
    mockCommands({ contacts_get: () => contact, ...emptyContactExtras });
    const { onClose } = renderDetail();
    await screen.findByTestId("contact-detail-name");
    layerStack.escape();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("discard-changes-dialog")).toBeNull();
  });
});
