import { describe, expect, it } from "vitest";
import { applyRange, headerCheckboxState, toggleAllLoaded, toggleId } from "./selection";

const rows = ["a", "b", "c", "d", "e"];
const lookup = (index: number) => (rows[index] && index !== 3 ? { id: rows[index] } : undefined);

describe("selection", () => {
  it("toggles one id without mutating the input", () => {
    const start = new Set(["a"]);
    expect([...toggleId(start, "b")].sort()).toEqual(["a", "b"]);
    expect([...toggleId(start, "a")]).toEqual([]);
    expect([...start]).toEqual(["a"]);
  });

  it("selects a shift-click range in either direction, skipping rows not loaded", () => {
    expect([...applyRange(new Set(), 1, 4, lookup, true)].sort()).toEqual(["b", "c", "e"]);
    expect([...applyRange(new Set(), 4, 1, lookup, true)].sort()).toEqual(["b", "c", "e"]);
    expect([...applyRange(new Set(["a", "b", "c"]), 0, 1, lookup, false)]).toEqual(["c"]);
  });

  it("computes the header checkbox state over loaded ids", () => {
    expect(headerCheckboxState(new Set(), [])).toBe("none");
    expect(headerCheckboxState(new Set(), ["a", "b"])).toBe("none");
    expect(headerCheckboxState(new Set(["a"]), ["a", "b"])).toBe("some");
    expect(headerCheckboxState(new Set(["a", "b"]), ["a", "b"])).toBe("all");
  });

  it("select-all adds every loaded id, and clears when all are selected", () => {
    expect([...toggleAllLoaded(new Set(["a"]), ["a", "b"])].sort()).toEqual(["a", "b"]);
    expect([...toggleAllLoaded(new Set(["a", "b"]), ["a", "b"])]).toEqual([]);
  });
});
