// Global keyboard shortcuts as a pure state machine, so it can be tested without a DOM.
//   g t / Alt+1  -> Today            g d / Alt+2 -> Dashboard
//   g c / Alt+3  -> Contacts         g k         -> Tasks
//   g s          -> Settings
//   g u          -> Duplicates      g j         -> Settings → Activity (background jobs)
//   g a          -> Assistant
//   /            -> focus contact search
//   n            -> new contact
//   ?            -> shortcut help
//   Ctrl/Cmd+K   -> search everything (works in fields too)
// Single-key shortcuts are ignored while typing in a field or while a modal is open.

export type ShortcutAction =
  | "go-today"
  | "go-dashboard"
  | "go-contacts"
  | "go-tasks"
  | "go-settings"
  | "go-duplicates"
  | "go-jobs"
  | "go-assistant"
  | "focus-search"
  | "new-contact"
  | "show-help"
  | "open-palette";

export type ShortcutKeyEvent = {
  key: string;
  code?: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey?: boolean;
  /** Whether the event target is a text field, select or content-editable element. */
  inEditable: boolean;
  repeat?: boolean;
};

export const SEQUENCE_TIMEOUT_MS = 1000;

export type ShortcutDescription = { keys: string[][]; description: string };

/** What the help dialog lists; each inner array is one alternative key combination. */
export const SHORTCUT_HELP: ShortcutDescription[] = [
  { keys: [["g", "t"], ["Alt", "1"]], description: "Go to Today" },
  { keys: [["g", "d"], ["Alt", "2"]], description: "Go to Dashboard" },
  { keys: [["g", "c"], ["Alt", "3"]], description: "Go to Contacts" },
  { keys: [["g", "k"]], description: "Go to Tasks" },
  { keys: [["g", "u"]], description: "Go to Duplicates" },
  { keys: [["g", "j"]], description: "Go to background activity" },
  { keys: [["g", "a"]], description: "Go to Assistant" },
  { keys: [["g", "s"]], description: "Go to Settings" },
  { keys: [["Ctrl", "K"], ["⌘", "K"]], description: "Search everything" },
  { keys: [["/"]], description: "Search contacts" },
  { keys: [["n"]], description: "New contact" },
  { keys: [["↑"], ["↓"]], description: "Move through the contacts table" },
  { keys: [["Enter"]], description: "Open the highlighted contact" },
  { keys: [["L"]], description: "Today: log a touch with the highlighted person" },
  { keys: [["S"]], description: "Today: snooze the highlighted person or reminder" },
  { keys: [["C"]], description: "Today: change how often to keep in touch" },
  { keys: [["D"]], description: "Today: mark the highlighted reminder done" },
  { keys: [["Space"]], description: "Select the highlighted contact" },
  { keys: [["Esc"]], description: "Close dialog or panel" },
  { keys: [["?"]], description: "Show this help" },
];

export type ShortcutMatcher = {
  /** Returns the action for this key press, or null. Call once per keydown. */
  handle(event: ShortcutKeyEvent, options?: { modalOpen?: boolean }): ShortcutAction | null;
  reset(): void;
};

export function createShortcutMatcher(now: () => number = () => Date.now()): ShortcutMatcher {
  let pendingPrefix: { key: string; at: number } | null = null;

  function handle(event: ShortcutKeyEvent, options: { modalOpen?: boolean } = {}): ShortcutAction | null {
    if (event.ctrlKey || event.metaKey) {
      pendingPrefix = null;
      if ((event.key === "k" || event.key === "K") && !event.altKey && !options.modalOpen) return "open-palette";
      return null;
    }

    if (event.altKey) {
      pendingPrefix = null;
      if (options.modalOpen) return null;
      // event.code survives keyboard layouts where Alt+1 types another character.
      if (event.code === "Digit1" || event.key === "1") return "go-today";
      if (event.code === "Digit2" || event.key === "2") return "go-dashboard";
      if (event.code === "Digit3" || event.key === "3") return "go-contacts";
      return null;
    }

    if (event.inEditable || options.modalOpen || event.repeat) {
      pendingPrefix = null;
      return null;
    }

    const key = event.key;
    const time = now();

    if (pendingPrefix && time - pendingPrefix.at <= SEQUENCE_TIMEOUT_MS) {
      const prefix = pendingPrefix.key;
      pendingPrefix = null;
      if (prefix === "g") {
        if (key === "d" || key === "D") return "go-dashboard";
        if (key === "c" || key === "C") return "go-contacts";
        if (key === "t" || key === "T") return "go-today";
        if (key === "k" || key === "K") return "go-tasks";
        if (key === "s" || key === "S") return "go-settings";
        if (key === "u" || key === "U") return "go-duplicates";
        if (key === "j" || key === "J") return "go-jobs";
        if (key === "a" || key === "A") return "go-assistant";
      }
      // Not a valid second key: fall through and treat it as a fresh key press.
    }
    pendingPrefix = null;

    switch (key) {
      case "g":
        pendingPrefix = { key, at: time };
        return null;
      case "/":
        return "focus-search";
      case "n":
        return "new-contact";
      case "?":
        return "show-help";
      default:
        return null;
    }
  }

  return {
    handle,
    reset() {
      pendingPrefix = null;
    },
  };
}

/** True for elements where typed characters are text, not shortcuts. */
export function isEditableTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== "string") return false;
  const element = target as HTMLElement;
  if (element.isContentEditable) return true;
  const tag = element.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = ((element as HTMLInputElement).type || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"].includes(type);
  }
  return false;
}
