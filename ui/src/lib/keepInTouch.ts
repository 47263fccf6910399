// Plain-words labels for keeping in touch: cadences, where they come from, the last contact.
import type { Cadence, CadenceOrigin, CadenceUnit, LastContact } from "../api";
import { localToday } from "./fieldErrors";

const UNIT_WORDS: Record<CadenceUnit, [string, string]> = {
  day: ["day", "days"],
  week: ["week", "weeks"],
  month: ["month", "months"],
};

export const CADENCE_UNIT_OPTIONS: Array<{ value: CadenceUnit; label: string }> = [
  { value: "day", label: "days" },
  { value: "week", label: "weeks" },
  { value: "month", label: "months" },
];

/** "every 2 weeks", "every month". */
export function cadenceText(cadence: Cadence): string {
  const [one, many] = UNIT_WORDS[cadence.unit];
  return cadence.every === 1 ? `every ${one}` : `every ${cadence.every} ${many}`;
}

/** Reads a stored cadence (`30d`, `2w`, `3m`); null for anything else. */
export function parseCadence(text: string): Cadence | null {
  const match = /^\s*(\d+)\s*([dwm])\s*$/i.exec(text);
  if (!match) return null;
  const every = Number(match[1]);
  if (!Number.isInteger(every) || every < 1) return null;
  const unit: CadenceUnit = match[2].toLowerCase() === "d" ? "day" : match[2].toLowerCase() === "w" ? "week" : "month";
  return { every, unit };
}

/** "VIP Client tag", "Core Client stage", "set for this person". */
export function originText(origin: CadenceOrigin): string {
  switch (origin.kind) {
    case "own":
      return "set for this person";
    case "tag":
      return `${origin.name} tag`;
    case "stage":
      return `${origin.name} stage`;
  }
}

/** "every 2 weeks (VIP Client tag)"; a person's own cadence needs no explanation. */
export function cadenceWithOrigin(cadence: Cadence, origin: CadenceOrigin | null): string {
  return origin && origin.kind !== "own" ? `${cadenceText(cadence)} (${originText(origin)})` : cadenceText(cadence);
}

const KIND_LABELS: Record<string, string> = {
  email: "Email",
  call: "Call",
  meeting: "Meeting",
  calendar_event: "Meeting",
  note: "Note",
  web: "Web",
  message: "Message",
  session: "Session",
};

export function contactKindText(kind: string): string {
  const known = KIND_LABELS[kind];
  if (known) return known;
  const words = kind.replace(/_/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "Contact";
}

const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/** "12 Nov" (in the user's locale) for a UTC timestamp or a calendar date. */
export function shortDateText(value: string): string {
  const calendar = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = calendar ? new Date(Number(calendar[1]), Number(calendar[2]) - 1, Number(calendar[3])) : new Date(value);
  return Number.isNaN(date.getTime()) ? value : shortDate.format(date);
}

/** "Call · 12 Nov: Check-in". */
export function lastContactText(last: LastContact): string {
  const base = `${contactKindText(last.kind)} · ${shortDateText(last.at)}`;
  return last.summary ? `${base}: ${last.summary}` : base;
}

/** Where the last contact was found: "from Gmail", "logged by hand", "from a note". */
export function lastContactSourceText(last: LastContact): string {
  switch (last.source) {
    case null:
      return last.kind === "note" ? "from a note" : "logged by hand";
    case "manual":
      return "logged by hand";
    case "gmail":
      return "from Gmail";
    case "google_calendar":
      return "from Google Calendar";
    default:
      return "imported";
  }
}

/** "Due today", "1 day overdue", "12 days overdue". */
export function overdueText(days: number): string {
  if (days <= 0) return "Due today";
  return days === 1 ? "1 day overdue" : `${days} days overdue`;
}

/** "Today", "Tomorrow", "In 3 days", "Yesterday", "4 days ago". */
export function daysUntilText(days: number): string {
  if (days === 0) return "Today";
  if (days === 1) return "Tomorrow";
  if (days === -1) return "Yesterday";
  return days > 1 ? `In ${days} days` : `${-days} days ago`;
}

/** A local date `days` after `from` (default today), as `YYYY-MM-DD`. */
export function addDays(days: number, from: string = localToday()): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(from);
  const date = match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : new Date();
  date.setDate(date.getDate() + days);
  return localToday(date);
}
