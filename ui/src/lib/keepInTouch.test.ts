import { describe, expect, it } from "vitest";
import {
  addDays,
  cadenceText,
  cadenceWithOrigin,
  daysUntilText,
  lastContactSourceText,
  lastContactText,
  overdueText,
  parseCadence,
} from "./keepInTouch";

describe("keep-in-touch labels", () => {
  it("says cadences in words", () => {
    expect(cadenceText({ every: 1, unit: "week" })).toBe("every week");
    expect(cadenceText({ every: 2, unit: "week" })).toBe("every 2 weeks");
    expect(cadenceText({ every: 30, unit: "day" })).toBe("every 30 days");
    expect(cadenceText({ every: 3, unit: "month" })).toBe("every 3 months");
  });

  it("reads stored cadences and rejects anything else", () => {
    expect(parseCadence("2w")).toEqual({ every: 2, unit: "week" });
    expect(parseCadence("30d")).toEqual({ every: 30, unit: "day" });
    expect(parseCadence("3M")).toEqual({ every: 3, unit: "month" });
    expect(parseCadence("0w")).toBeNull();
    expect(parseCadence("none")).toBeNull();
  });

  it("names where a cadence comes from", () => {
    expect(cadenceWithOrigin({ every: 2, unit: "week" }, { kind: "tag", name: "VIP Client" })).toBe("every 2 weeks (VIP Client tag)");
    expect(cadenceWithOrigin({ every: 1, unit: "month" }, { kind: "stage", name: "Core Client" })).toBe("every month (Core Client stage)");
    expect(cadenceWithOrigin({ every: 1, unit: "month" }, { kind: "own" })).toBe("every month");
  });

  it("describes the last contact and where it was found", () => {
    const call = { at: "2026-11-12T10:00:00Z", kind: "call", summary: "Check-in", source: "manual" };
    expect(lastContactText(call)).toMatch(/^Call · .*12.*: Check-in$/);
    expect(lastContactText({ ...call, kind: "calendar_event", summary: null })).toMatch(/^Meeting · [^:]+$/);
    expect(lastContactSourceText(call)).toBe("logged by hand");
    expect(lastContactSourceText({ ...call, source: "gmail" })).toBe("from Gmail");
    expect(lastContactSourceText({ ...call, kind: "note", source: null })).toBe("from a note");
  });

  it("counts days in words and adds days across month ends", () => {
    expect(overdueText(0)).toBe("Due today");
    expect(overdueText(1)).toBe("1 day overdue");
    expect(overdueText(12)).toBe("12 days overdue");
    expect(daysUntilText(0)).toBe("Today");
    expect(daysUntilText(1)).toBe("Tomorrow");
    expect(daysUntilText(5)).toBe("In 5 days");
    expect(daysUntilText(-3)).toBe("3 days ago");
    expect(addDays(7, "2026-12-28")).toBe("2027-01-04");
    expect(addDays(1, "2026-02-28")).toBe("2026-03-01");
  });
});
