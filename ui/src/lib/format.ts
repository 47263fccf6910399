/** Up to two initials from a display name ("Ada Lovelace" -> "AL"). */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0] ?? "";
  const last = words.length > 1 ? (Array.from(words[words.length - 1])[0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** A stable small number derived from a string, used to pick avatar colours. */
export function hashToIndex(text: string, modulo: number): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) {
    hash = (hash * 31 + text.charCodeAt(index)) | 0;
  }
  return Math.abs(hash) % modulo;
}

const dateFormatter = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormatter = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const monthFormatter = new Intl.DateTimeFormat(undefined, { month: "short" });
const monthYearFormatter = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

function parseDate(value: string): Date | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = parseDate(value);
  return date ? dateFormatter.format(date) : value;
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = parseDate(value);
  return date ? dateTimeFormatter.format(date) : value;
}

/** "YYYY-MM-DD" (a calendar date, no time zone) to a readable date. */
export function formatCalendarDate(value: string | null | undefined): string {
  if (!value) return "—";
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dateFormatter.format(date);
}

/** A short relative time for recent timestamps, a date otherwise. */
export function formatRelative(value: string, now: Date = new Date()): string {
  const date = parseDate(value);
  if (!date) return value;
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return days === 1 ? "yesterday" : `${days} days ago`;
  return dateFormatter.format(date);
}

/** "2026-11" -> "Nov" (short) or "November 2026" (long). */
export function formatMonth(month: string, style: "short" | "long" = "short"): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, 1);
  return style === "short" ? monthFormatter.format(date) : monthYearFormatter.format(date);
}

const numberFormatter = new Intl.NumberFormat();

export function formatNumber(value: number): string {
  return numberFormatter.format(value);
}

export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(count)} ${count === 1 ? singular : plural}`;
}

/**
 * A stored key in plain words: "contact_method" and "contactMethod" read "Contact method",
 * "emails[0].address" reads "Emails 1 address". Keys a person typed ("Session time") are kept.
 */
export function humanizeKey(key: string): string {
  const trimmed = key.trim();
  const looksLikeCode = /^[a-z][a-z0-9]*(?:(?:[_.-]|\[\d+\]\.?)[a-z0-9]+|[A-Z][a-z0-9]*)*(?:\[\d+\])?$/.test(trimmed);
  if (!looksLikeCode || !/[_.[\-A-Z]/.test(trimmed)) return key;
  const words = trimmed
    .replace(/\[(\d+)\]/g, (_, index: string) => ` ${Number(index) + 1} `)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
  if (words.length === 0) return key;
  const sentence = words.join(" ");
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/**
 * Server text that hedges plurals ("adds 1 note(s)", "kept 3 unreadable phone number(s)") with
 * the right form for the number before it.
 */
export function fixPlurals(text: string): string {
  return text.replace(/(\d[\d,]*)((?:\s+[A-Za-z-]+)*?)\s+([A-Za-z-]+)\(s\)/g, (_, count: string, between: string, noun: string) => {
    const one = Number(count.replace(/,/g, "")) === 1;
    return `${count}${between} ${one ? noun : `${noun}s`}`;
  });
}
