import { describe, expect, it } from "vitest";
import { birthdayProblem, dayFirst, formatBirthday, joinBirthday, splitBirthday } from "./birthday";

const today = new Date(2026, 11, 7);

describe("birthday", () => {
  it("keeps the stored shapes, YYYY-MM-DD and --MM-DD without a year, with missing parts empty", () => {
    expect(joinBirthday({ year: "1986", month: "4", day: "23" })).toBe("1986-04-23");
    expect(joinBirthday({ year: "", month: "4", day: "23" })).toBe("--04-23");
    expect(joinBirthday({ year: "", month: "", day: "" })).toBe("");
    expect(joinBirthday({ year: "", month: "", day: "23" })).toBe("---23");
    expect(joinBirthday({ year: "1986", month: "", day: "23" })).toBe("1986--23");
    expect(splitBirthday("1986-04-23")).toEqual({ year: "1986", month: "4", day: "23" });
    expect(splitBirthday("--04-23")).toEqual({ year: "", month: "4", day: "23" });
    expect(splitBirthday("---23")).toEqual({ year: "", month: "", day: "23" });
    expect(splitBirthday("--04-")).toEqual({ year: "", month: "4", day: "" });
    expect(splitBirthday("1986--23")).toEqual({ year: "1986", month: "", day: "23" });
    expect(splitBirthday("")).toEqual({ year: "", month: "", day: "" });
  });

  it("says in plain words what keeps a birthday from being saved", () => {
    expect(birthdayProblem("", today)).toBeNull();
    expect(birthdayProblem("1986-04-23", today)).toBeNull();
    expect(birthdayProblem("2000-02-29", today)).toBeNull();
    // Without a year is fine, 29 February too; a day the month never has is not.
    expect(birthdayProblem("--04-23", today)).toBeNull();
    expect(birthdayProblem("--02-29", today)).toBeNull();
    expect(birthdayProblem("--04-31", today)).toBe("That day does not exist in that month.");
    expect(birthdayProblem("1986--23", today)).toBe("Choose both the day and the month.");
    expect(birthdayProblem("---23", today)).toBe("Choose both the day and the month.");
    expect(birthdayProblem("1986-02-30", today)).toBe("That day does not exist in that month.");
    expect(birthdayProblem("1999-02-29", today)).toBe("That day does not exist in that month.");
    expect(birthdayProblem("86-04-23", today)).toContain("four digits");
    expect(birthdayProblem("1850-04-23", today)).toBe("Use a year from 1900 to 2026.");
    expect(birthdayProblem("2026-12-24", today)).toBe("A birthday cannot be in the future.");
  });

  it("reads a stored birthday with or without its year", () => {
    expect(formatBirthday("1986-04-23", "en-US")).toBe("Apr 23, 1986");
    expect(formatBirthday("--04-23", "en-US")).toBe("April 23");
    expect(formatBirthday("--04-23", "en-GB")).toBe("23 April");
    expect(formatBirthday(null)).toBe("—");
  });

  it("orders day and month as the user writes dates", () => {
    expect(dayFirst("en-US")).toBe(false);
    expect(dayFirst("en-GB")).toBe(true);
    expect(dayFirst("de-DE")).toBe(true);
  });
});
