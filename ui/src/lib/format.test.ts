import { describe, expect, it } from "vitest";
import { fixPlurals, humanizeKey } from "./format";

describe("humanizeKey", () => {
  it("turns stored keys into plain words", () => {
    expect(humanizeKey("contact_method")).toBe("Contact method");
    expect(humanizeKey("contactMethod")).toBe("Contact method");
    expect(humanizeKey("date_of_birth")).toBe("Date of birth");
    expect(humanizeKey("emails[0].address")).toBe("Emails 1 address");
    expect(humanizeKey("address.postal_code")).toBe("Address postal code");
  });

  it("keeps what a person typed", () => {
    expect(humanizeKey("Session time")).toBe("Session time");
    expect(humanizeKey("Allergies")).toBe("Allergies");
    expect(humanizeKey("allergies")).toBe("allergies");
    expect(humanizeKey("Pronouns (preferred)")).toBe("Pronouns (preferred)");
  });
});

describe("fixPlurals", () => {
  it("picks singular or plural for the number before the word", () => {
    expect(fixPlurals("matches Ada (same email); adds 1 note(s)")).toBe("matches Ada (same email); adds 1 note");
    expect(fixPlurals("matches Ada (same email); adds 3 note(s)")).toBe("matches Ada (same email); adds 3 notes");
    expect(fixPlurals("new contact; kept 1 unreadable phone number(s) in a note")).toBe(
      "new contact; kept 1 unreadable phone number in a note",
    );
    expect(fixPlurals("kept 2 unreadable phone number(s) in a note")).toBe("kept 2 unreadable phone numbers in a note");
    expect(fixPlurals("nothing to fix")).toBe("nothing to fix");
  });
});
