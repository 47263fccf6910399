import { describe, expect, it } from "vitest";
import type { Contact } from "../api";
import {
  blankEmailRow,
  buildSubmission,
  emailTarget,
  emptyFormState,
  formStateFromContact,
  phoneTarget,
  placeFieldErrors,
  rowsToJsonObject,
  targetForField,
} from "./contactFormModel";

const contact: Contact = {
  id: "c1",
  display_name: "Ada Lovelace",
  organization: null,
  emails: [
    { address: "ada@example.com", label: "work", is_primary: false },
    { address: "ada@home.example", label: null, is_primary: true },
  ],
  phones: [],
  address: { street: null, city: "London", region: null, postal_code: null, country: "UK" },
  date_of_birth: "1815-12-10",
  photo: null,
  lifecycle_stage: "vip_client",
  client_status: "active",
  source: "manual",
  referral_source: null,
  emergency_contact_name: null,
  emergency_contact_phone: null,
  health_context: { allergies: "none", sessions: 4, flags: ["a", "b"] },
  preferences: null,
  tags: ["math"],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  deleted_at: null,
};

describe("buildSubmission", () => {
  it("drops blank rows and records which form row each submitted entry came from", () => {
    const state = emptyFormState();
    state.displayName = "  Bea  ";
    const second = blankEmailRow();
    second.value = "bea@example.com";
    state.emails = [state.emails[0], second];
    const submission = buildSubmission(state);
    expect(submission.input.display_name).toBe("Bea");
    expect(submission.input.emails).toEqual([{ address: "bea@example.com", label: null, is_primary: true }]);
    expect(submission.emailRowKeys).toEqual([second.key]);
    expect(submission.input.phones).toEqual([]);
    expect(submission.input.address).toBeNull();
    expect(submission.input.health_context).toBeNull();
    expect(submission.input.client_status).toBe("active");
    expect(submission.input.source).toBe("manual");
  });

  it("round-trips a contact, keeping non-string JSON values intact", () => {
    const input = buildSubmission(formStateFromContact(contact)).input;
    expect(input.emails).toEqual(contact.emails);
    expect(input.address).toEqual(contact.address);
    expect(input.date_of_birth).toBe("1815-12-10");
    expect(input.health_context).toEqual({ allergies: "none", sessions: 4, flags: ["a", "b"] });
    expect(input.lifecycle_stage).toBe("vip_client");
    expect(input.tags).toEqual(["math"]);
  });

  it("turns an edited non-string value into the typed text", () => {
    const state = formStateFromContact(contact);
    state.healthContext = state.healthContext.map((row) => (row.name === "sessions" ? { ...row, value: "five" } : row));
    expect(buildSubmission(state).input.health_context).toMatchObject({ sessions: "five" });
  });

  it("builds JSON objects from key/value rows, skipping unnamed rows", () => {
    expect(
      rowsToJsonObject([
        { key: "1", name: "diet", value: "vegan" },
        { key: "2", name: "  ", value: "ignored" },
      ]),
    ).toEqual({ diet: "vegan" });
    expect(rowsToJsonObject([])).toBeNull();
  });
});

describe("field error placement", () => {
  const submission = { emailRowKeys: ["row-a", "row-b"], phoneRowKeys: ["row-p"] };

  it("maps indexed paths to the form row that was submitted at that index", () => {
    expect(targetForField("emails[1].address", submission)).toEqual({ target: emailTarget("row-b", "address") });
    expect(targetForField("emails[0].label", submission)).toEqual({ target: emailTarget("row-a", "label") });
    expect(targetForField("phones[0].number", submission)).toEqual({ target: phoneTarget("row-p", "number") });
    expect(targetForField("phones[0]", submission)).toEqual({ target: phoneTarget("row-p", "number") });
  });

  it("falls back to the list when the index is unknown", () => {
    expect(targetForField("emails[7].address", submission)).toEqual({ target: "emails" });
  });

  it("handles simple, nested and unknown paths", () => {
    expect(targetForField("display_name", submission)).toEqual({ target: "display_name" });
    expect(targetForField("address.postal_code", submission)).toEqual({ target: "address.postal_code" });
    expect(targetForField("address.unit", submission)).toEqual({ target: "address" });
    expect(targetForField("tags[2]", submission)).toEqual({ target: "tags", tagIndex: 2 });
    expect(targetForField("health_context.allergies", submission)).toEqual({ target: "health_context" });
    expect(targetForField("mystery", submission)).toEqual({ target: "general" });
  });

  it("keeps the original field path and message", () => {
    expect(placeFieldErrors([{ field: "emails[0].address", message: "Bad" }], submission)).toEqual([
      { field: "emails[0].address", message: "Bad", target: emailTarget("row-a", "address") },
    ]);
  });
});
