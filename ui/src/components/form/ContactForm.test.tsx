import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ContactInput } from "../../api";
import { contactFixture, summaryFixture } from "../../test/fixtures";
import { appError, callsTo, invokeMock, mockCommands } from "../../test/tauriMock";
import { ContactForm } from "./ContactForm";

function renderForm() {
  const onSaved = vi.fn();
  const onCancel = vi.fn();
  render(<ContactForm contact={null} onCancel={onCancel} onSaved={onSaved} />);
  return { onSaved, onCancel, user: userEvent.setup() };
}

function expectDescribedBy(input: HTMLElement, error: HTMLElement) {
  expect(input.getAttribute("aria-invalid")).toBe("true");
  expect(error.id).not.toBe("");
  expect((input.getAttribute("aria-describedby") ?? "").split(" ")).toContain(error.id);
}

describe("ContactForm", () => {
  it("shows each server field error next to its field, linked for assistive tech", async () => {
    mockCommands({
      contacts_create: () => {
        throw appError("validation_failed", "Some fields are invalid", {
          fields: [
            { field: "emails[0].address", message: "Not a valid email address" },
            { field: "phones[0].number", message: "Not a valid phone number" },
            { field: "date_of_birth", message: "Use YYYY-MM-DD" },
            { field: "address.postal_code", message: "Unknown postal code" },
          ],
        });
      },
    });
    const { user, onSaved } = renderForm();

    await user.type(screen.getByTestId("field-display_name"), "Ada Lovelace");
    await user.type(screen.getByTestId("field-email-0"), "not-an-email");
    await user.type(screen.getByTestId("field-phone-0"), "12");
    await user.selectOptions(screen.getByTestId("field-date_of_birth-day"), "23");
    await user.selectOptions(screen.getByTestId("field-date_of_birth-month"), "4");
    await user.type(screen.getByTestId("field-date_of_birth-year"), "1986");
    await user.type(screen.getByTestId("field-address.postal_code"), "??");
    await user.click(screen.getByTestId("contact-form-submit"));

    const emailError = await screen.findByTestId("field-error-emails[0].address");
    expect(emailError.textContent).toBe("Not a valid email address");
    // Rendered inside the first email row, next to its input.
    expect(within(screen.getByTestId("email-row-0")).getByTestId("field-error-emails[0].address")).toBe(emailError);
    expectDescribedBy(screen.getByTestId("field-email-0"), emailError);

    const phoneError = screen.getByTestId("field-error-phones[0].number");
    expect(within(screen.getByTestId("phone-row-0")).getByTestId("field-error-phones[0].number")).toBe(phoneError);
    expectDescribedBy(screen.getByTestId("field-phone-0"), phoneError);

    const dateError = screen.getByTestId("field-error-date_of_birth");
    expect(dateError.textContent).toBe("Use YYYY-MM-DD");
    expectDescribedBy(screen.getByTestId("field-date_of_birth-day"), dateError);
    expectDescribedBy(screen.getByTestId("field-date_of_birth-year"), dateError);
    expect(dateError.parentElement).toBe(screen.getByTestId("field-date_of_birth"));

    expectDescribedBy(screen.getByTestId("field-address.postal_code"), screen.getByTestId("field-error-address.postal_code"));

    // Valid fields stay unmarked; no generic alert for validation errors.
    expect(screen.getByTestId("field-display_name").getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByTestId("contact-form-alert")).toBeNull();
    expect(onSaved).not.toHaveBeenCalled();

    const [{ input }] = callsTo("contacts_create") as Array<{ input: ContactInput }>;
    expect(input.display_name).toBe("Ada Lovelace");
    expect(input.emails).toEqual([{ address: "not-an-email", label: null, is_primary: true }]);
    expect(input.date_of_birth).toBe("1986-04-23");
  });

  it("places an error for emails[0] beside the row that was actually submitted first", async () => {
    mockCommands({
      contacts_create: () => {
        throw appError("validation_failed", "Invalid", { fields: [{ field: "emails[0].address", message: "Bad address" }] });
      },
    });
    const { user } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Bea");
    await user.click(screen.getByTestId("contact-form-add-email"));
    // The first row stays blank (not submitted); the second is emails[0].
    await user.type(screen.getByTestId("field-email-1"), "bea@@example");
    await user.click(screen.getByTestId("contact-form-submit"));

    const error = await screen.findByTestId("field-error-emails[0].address");
    expect(within(screen.getByTestId("email-row-1")).queryByTestId("field-error-emails[0].address")).toBe(error);
    expect(within(screen.getByTestId("email-row-0")).queryByTestId("field-error-emails[0].address")).toBeNull();
    expect(screen.getByTestId("field-email-1").getAttribute("aria-invalid")).toBe("true");
  });

  it("clears a field's error once the user edits it", async () => {
    mockCommands({
      contacts_create: () => {
        throw appError("validation_failed", "Invalid", { fields: [{ field: "organization", message: "Too long" }] });
      },
    });
    const { user } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Cleo");
    await user.type(screen.getByTestId("field-organization"), "x");
    await user.click(screen.getByTestId("contact-form-submit"));
    await screen.findByTestId("field-error-organization");
    await user.type(screen.getByTestId("field-organization"), "y");
    expect(screen.queryByTestId("field-error-organization")).toBeNull();
  });

  it("shows other errors as an alert at the top of the form", async () => {
    mockCommands({
      contacts_create: () => {
        throw appError("database", "The database is locked");
      },
    });
    const { user } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Dev");
    await user.click(screen.getByTestId("contact-form-submit"));
    const alert = await screen.findByTestId("contact-form-alert");
    expect(alert.textContent).toContain("The database is locked");
    expect(screen.queryByTestId(/^field-error-/)).toBeNull();
  });

  it("shows unknown field paths in the summary with their testid", async () => {
    mockCommands({
      contacts_create: () => {
        throw appError("validation_failed", "Invalid", { fields: [{ field: "custom.thing", message: "Odd value" }] });
      },
    });
    const { user } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Eli");
    await user.click(screen.getByTestId("contact-form-submit"));
    const error = await screen.findByTestId("field-error-custom.thing");
    expect(screen.getByTestId("contact-form-error-summary").contains(error)).toBe(true);
  });

  it("requires a name before calling the server, using the same error testid", async () => {
    const { user } = renderForm();
    await user.click(screen.getByTestId("contact-form-submit"));
    const error = await screen.findByTestId("field-error-display_name");
    expectDescribedBy(screen.getByTestId("field-display_name"), error);
    expect(invokeMock).not.toHaveBeenCalled();
  });

  it("submits and reports the saved contact", async () => {
    mockCommands({ contacts_create: (args) => ({ id: "new", ...(args.input as object) }) });
    const { user, onSaved } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Farah");
    await user.type(screen.getByRole("textbox", { name: "Tags" }), "yoga{Enter}breath,");
    await user.click(screen.getByTestId("contact-form-submit"));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1));
    const [{ input }] = callsTo("contacts_create") as Array<{ input: ContactInput }>;
    expect(input.tags).toEqual(["yoga", "breath"]);
    expect(input.emails).toEqual([]);
  });

  it("takes the date of birth as day, month and an optional year (without one it is stored as --MM-DD)", async () => {
    mockCommands({ contacts_create: (args) => ({ ...(args.input as object), id: "c1" }) });
    const { user, onSaved } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Maya");
    const birthday = screen.getByRole("group", { name: "Date of birth" });
    expect(within(birthday).getByLabelText("Day").tagName).toBe("SELECT");
    expect(within(birthday).getByLabelText("Month").tagName).toBe("SELECT");
    expect(within(birthday).getByRole("option", { name: "April" })).toBeTruthy();

    // Only the day: the form says what is missing and sends nothing.
    await user.selectOptions(within(birthday).getByLabelText("Day"), "23");
    await user.click(screen.getByTestId("contact-form-submit"));
    const error = await screen.findByTestId("field-error-date_of_birth");
    expect(error.textContent).toBe("Choose both the day and the month.");
    expect(callsTo("contacts_create")).toHaveLength(0);
    expect(within(birthday).getByLabelText("Month").getAttribute("aria-invalid")).toBe("true");

    await user.selectOptions(within(birthday).getByLabelText("Month"), "April");
    await user.click(screen.getByTestId("contact-form-submit"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [{ input }] = callsTo("contacts_create") as Array<{ input: ContactInput }>;
    expect(input.date_of_birth).toBe("--04-23");
  });

  it("saves a birthday with its year as YYYY-MM-DD", async () => {
    mockCommands({ contacts_create: (args) => ({ ...(args.input as object), id: "c1" }) });
    const { user, onSaved } = renderForm();
    await user.type(screen.getByTestId("field-display_name"), "Maya");
    await user.selectOptions(screen.getByTestId("field-date_of_birth-day"), "29");
    await user.selectOptions(screen.getByTestId("field-date_of_birth-month"), "2");
    await user.type(screen.getByTestId("field-date_of_birth-year"), "1999");
    await user.click(screen.getByTestId("contact-form-submit"));
    // 1999 had no 29 February.
    expect((await screen.findByTestId("field-error-date_of_birth")).textContent).toBe("That day does not exist in that month.");
    await user.clear(screen.getByTestId("field-date_of_birth-year"));
    await user.type(screen.getByTestId("field-date_of_birth-year"), "2000");
    await user.click(screen.getByTestId("contact-form-submit"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const [{ input }] = callsTo("contacts_create") as Array<{ input: ContactInput }>;
    expect(input.date_of_birth).toBe("2000-02-29");
  });

  it("shows a stored date of birth, with or without its year, in the day, month and year controls", async () => {
    const { unmount } = render(
      <ContactForm
        contact={{ ...contactFixture(summaryFixture(1)), date_of_birth: "1986-04-03" }}
        onCancel={vi.fn()}
        onSaved={vi.fn()}
      />,
    );
    expect((screen.getByTestId("field-date_of_birth-day") as HTMLSelectElement).value).toBe("3");
    expect((screen.getByTestId("field-date_of_birth-month") as HTMLSelectElement).value).toBe("4");
    expect((screen.getByTestId("field-date_of_birth-year") as HTMLInputElement).value).toBe("1986");
    unmount();

    render(
      <ContactForm
        contact={{ ...contactFixture(summaryFixture(1)), date_of_birth: "--12-24" }}
        onCancel={vi.fn()}
        onSaved={vi.fn()}
      />,
    );
    expect((screen.getByTestId("field-date_of_birth-day") as HTMLSelectElement).value).toBe("24");
    expect((screen.getByTestId("field-date_of_birth-month") as HTMLSelectElement).value).toBe("12");
    expect((screen.getByTestId("field-date_of_birth-year") as HTMLInputElement).value).toBe("");
  });
});
