import { describe, expect, it } from "vitest";
import { ALL_COLUMNS, columnsThatFit, gridTemplate, loadChosenColumns, minimumWidth, saveChosenColumns } from "./contactColumns";

describe("contact table columns", () => {
  it("shows every column when the table is wide enough", () => {
    expect(columnsThatFit(ALL_COLUMNS, 1400)).toEqual([...ALL_COLUMNS]);
    expect(minimumWidth(ALL_COLUMNS)).toBeLessThanOrEqual(1000);
  });

  it("drops Updated, then Tags, then Phone as the table gets narrower, never Name", () => {
    // The 900 × 600 minimum window: icon-only sidebar and page padding leave about 770 px.
    const narrow = columnsThatFit(ALL_COLUMNS, 770);
    expect(narrow).toEqual(["name", "email", "phone", "stage", "status"]);
    expect(minimumWidth(narrow)).toBeLessThanOrEqual(770);
    expect(columnsThatFit(ALL_COLUMNS, 950)).toEqual(["name", "email", "phone", "stage", "status", "tags"]);
    expect(columnsThatFit(ALL_COLUMNS, 700)).toEqual(["name", "email", "stage", "status"]);
    expect(columnsThatFit(ALL_COLUMNS, 100)).toEqual(["name"]);
  });

  it("keeps only the chosen columns, in table order", () => {
    expect(columnsThatFit(["updated", "email"], 1400)).toEqual(["name", "email", "updated"]);
    expect(gridTemplate(["name", "updated"])).toBe("44px minmax(170px, 1.6fr) 104px");
  });

  it("remembers the chosen columns and ignores damaged values", () => {
    saveChosenColumns(["name", "phone"]);
    expect(loadChosenColumns()).toEqual(["name", "phone"]);
    window.localStorage.setItem("omnicrm.contactColumns", "{oops");
    expect(loadChosenColumns()).toEqual([...ALL_COLUMNS]);
    window.localStorage.setItem("omnicrm.contactColumns", JSON.stringify(["bogus", "tags"]));
    expect(loadChosenColumns()).toEqual(["name", "tags"]);
  });
});
