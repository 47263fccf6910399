// A birthday typed as day, month and an optional year. The form keeps it as one string in the
// shape the backend stores (omnicrm-core contacts/validation.rs): "YYYY-MM-DD" (1900 or later,
// not in the future), or "--MM-DD" for a birthday without its year, as vCard writes it. A
// half-filled birthday keeps the same shape with the missing parts empty ("1986--23",
// "--04-"), so it survives re-renders and is caught before saving.

export type BirthdayParts = { year: string; month: string; day: string };

export const EMPTY_BIRTHDAY: BirthdayParts = { year: "", month: "", day: "" };

const withoutLeadingZero = (text: string) => text.replace(/^0(?=\d)/, "");

export function splitBirthday(value: string): BirthdayParts {
  const text = value.trim();
  const yearless = /^--(\d*)-(\d*)$/.exec(text);
  if (yearless) return { year: "", month: withoutLeadingZero(yearless[1]), day: withoutLeadingZero(yearless[2]) };
  const match = /^(\d*)-(\d*)-(\d*)$/.exec(text);
  if (!match) return EMPTY_BIRTHDAY;
  return { year: match[1], month: withoutLeadingZero(match[2]), day: withoutLeadingZero(match[3]) };
}

export function joinBirthday(parts: BirthdayParts): string {
  const year = parts.year.trim();
  const month = parts.month ? parts.month.padStart(2, "0") : "";
  const day = parts.day ? parts.day.padStart(2, "0") : "";
  if (!year && !month && !day) return "";
  return year ? `${year}-${month}-${day}` : `--${month}-${day}`;
}

export function daysInMonth(month: number, year: number | null): number {
  if (month === 2) return year === null || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** What is wrong with a birthday before it is saved, in plain words; null when it can be saved. */
export function birthdayProblem(value: string, today: Date = new Date()): string | null {
  if (!value.trim()) return null;
  const parts = splitBirthday(value);
  if (!parts.day || !parts.month) return "Choose both the day and the month.";
  // Without a year: any day of the month, 29 February included.
  if (!parts.year) return Number(parts.day) > daysInMonth(Number(parts.month), null) ? "That day does not exist in that month." : null;
  if (!/^\d{4}$/.test(parts.year)) return "Write the year with four digits, e.g. 1986, or leave it empty.";
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  if (year < 1900 || year > today.getFullYear()) return `Use a year from 1900 to ${today.getFullYear()}.`;
  if (day > daysInMonth(month, year)) return "That day does not exist in that month.";
  const date = new Date(year, month - 1, day);
  if (date.getTime() > today.getTime()) return "A birthday cannot be in the future.";
  return null;
}

/** Whether day comes before month in the user's way of writing dates (not in the US). */
export function dayFirst(locale?: string): boolean {
  const parts = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long" }).formatToParts(new Date(2000, 3, 23));
  const day = parts.findIndex((part) => part.type === "day");
  const month = parts.findIndex((part) => part.type === "month");
  return day < month;
}

export function monthNames(locale?: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { month: "long" });
  return Array.from({ length: 12 }, (_, index) => format.format(new Date(2000, index, 1)));
}

/** A stored birthday for reading: "Apr 23, 1986", or "April 23" without a year. */
export function formatBirthday(value: string | null | undefined, locale?: string): string {
  if (!value) return "—";
  const yearless = /^--(\d{2})-(\d{2})$/.exec(value);
  if (yearless) {
    const date = new Date(2000, Number(yearless[1]) - 1, Number(yearless[2]));
    return new Intl.DateTimeFormat(locale, { month: "long", day: "numeric" }).format(date);
  }
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!full) return value;
  const date = new Date(Number(full[1]), Number(full[2]) - 1, Number(full[3]));
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric" }).format(date);
}
