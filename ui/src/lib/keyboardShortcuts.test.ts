import { describe, expect, it } from "vitest";
import { createShortcutMatcher, isEditableTarget, SEQUENCE_TIMEOUT_MS, type ShortcutKeyEvent } from "./keyboardShortcuts";

function key(value: string, extra: Partial<ShortcutKeyEvent> = {}): ShortcutKeyEvent {
  return { key: value, altKey: false, ctrlKey: false, metaKey: false, inEditable: false, ...extra };
}

describe("shortcut matcher", () => {
  it("recognises the g d and g c sequences", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("d"))).toBe("go-dashboard");
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("c"))).toBe("go-contacts");
  });

  it("recognises g t for Today, g k for Tasks and g s for Settings", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("t"))).toBe("go-today");
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("k"))).toBe("go-tasks");
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("s"))).toBe("go-settings");
    expect(matcher.handle(key("t"))).toBeNull();
  });

  it("recognises g u for Duplicates", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("u"))).toBe("go-duplicates");
    expect(matcher.handle(key("u"))).toBeNull();
  });

  it("recognises g j for Jobs", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("j"))).toBe("go-jobs");
    expect(matcher.handle(key("j"))).toBeNull();
  });

  it("recognises g a for the Assistant", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("g"))).toBeNull();
    expect(matcher.handle(key("a"))).toBe("go-assistant");
    expect(matcher.handle(key("a"))).toBeNull();
  });

  it("forgets the g prefix after the timeout", () => {
    let now = 0;
    const matcher = createShortcutMatcher(() => now);
    matcher.handle(key("g"));
    now = SEQUENCE_TIMEOUT_MS + 1;
    expect(matcher.handle(key("d"))).toBeNull();
  });

  it("does not treat a lone d or c as navigation", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("d"))).toBeNull();
    expect(matcher.handle(key("c"))).toBeNull();
  });

  it("lets a wrong second key start over (g x n -> new contact)", () => {
    const matcher = createShortcutMatcher(() => 0);
    matcher.handle(key("g"));
    expect(matcher.handle(key("n"))).toBe("new-contact");
  });

  it("maps Alt+1, Alt+2 and Alt+3 by physical key, whatever character they type", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("¡", { altKey: true, code: "Digit1" }))).toBe("go-today");
    expect(matcher.handle(key("2", { altKey: true }))).toBe("go-dashboard");
    expect(matcher.handle(key("£", { altKey: true, code: "Digit3" }))).toBe("go-contacts");
    // Alt shortcuts work even while typing in a field.
    expect(matcher.handle(key("1", { altKey: true, code: "Digit1", inEditable: true }))).toBe("go-today");
    expect(matcher.handle(key("4", { altKey: true, code: "Digit4" }))).toBeNull();
  });

  it("maps / n and ?", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("/"))).toBe("focus-search");
    expect(matcher.handle(key("n"))).toBe("new-contact");
    expect(matcher.handle(key("?", { shiftKey: true }))).toBe("show-help");
  });

  it("ignores single keys while typing, with Ctrl/Meta, on repeat, or under a modal", () => {
    const matcher = createShortcutMatcher(() => 0);
    expect(matcher.handle(key("n", { inEditable: true }))).toBeNull();
    expect(matcher.handle(key("/", { ctrlKey: true }))).toBeNull();
    expect(matcher.handle(key("n", { metaKey: true }))).toBeNull();
    expect(matcher.handle(key("n", { repeat: true }))).toBeNull();
    expect(matcher.handle(key("n"), { modalOpen: true })).toBeNull();
    expect(matcher.handle(key("2", { altKey: true }), { modalOpen: true })).toBeNull();
    // A prefix typed into a field does not leak into the next key.
    matcher.handle(key("g", { inEditable: true }));
    expect(matcher.handle(key("d"))).toBeNull();
  });
});

describe("isEditableTarget", () => {
  it("treats text inputs, textareas, selects and contenteditable as editable", () => {
    const text = document.createElement("input");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    const area = document.createElement("textarea");
    const select = document.createElement("select");
    const div = document.createElement("div");
    const editable = document.createElement("div");
    editable.contentEditable = "true";
    Object.defineProperty(editable, "isContentEditable", { value: true });
    expect(isEditableTarget(text)).toBe(true);
    expect(isEditableTarget(checkbox)).toBe(false);
    expect(isEditableTarget(area)).toBe(true);
    expect(isEditableTarget(select)).toBe(true);
    expect(isEditableTarget(div)).toBe(false);
    expect(isEditableTarget(editable)).toBe(true);
    expect(isEditableTarget(null)).toBe(false);
  });

  it("opens the search palette with Ctrl+K or Cmd+K, even while typing, but not over a dialog", () => {
    const matcher = createShortcutMatcher();
    expect(matcher.handle(key("k", { ctrlKey: true }))).toBe("open-palette");
    expect(matcher.handle(key("k", { metaKey: true, inEditable: true }))).toBe("open-palette");
    expect(matcher.handle(key("k", { ctrlKey: true }), { modalOpen: true })).toBeNull();
    expect(matcher.handle(key("k"))).toBeNull();
  });
});
