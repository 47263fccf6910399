// A birthday typed as day, month and year. The form keeps it as one string in the stored
// shape, "YYYY-MM-DD", with missing parts left empty ("-04-23": no year yet), so a half-filled
// birthday survives re-renders and is caught before saving.
//
// The backend stores a full date only (omnicrm-core contacts/validation.rs: YYYY-MM-DD, 1900 or
// later, not in the future), so a birthday without its year cannot be saved yet; the form says
// so in plain words instead of sending something the backend refuses.

export type BirthdayParts = { year: string; month: string; day: string };

export const EMPTY_BIRTHDAY: BirthdayParts = { year: "", month: "", day: "" };

export function splitBirthday(value: string): BirthdayParts {
  const match = /^(\d*)-(\d*)-(\d*)$/.exec(value.trim());
  if (!match) return EMPTY_BIRTHDAY;
  return { year: match[1], month: match[2].replace(/^0(?=\d)/, ""), day: match[3].replace(/^0(?=\d)/, "") };
}

export function joinBirthday(parts: BirthdayParts): string {
  const year = parts.year.trim();
  const month = parts.month ? parts.month.padStart(2, "0") : "";
  const day = parts.day ? parts.day.padStart(2, "0") : "";
  return year || month || day ? `${year}-${month}-${day}` : "";
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
  if (!parts.year) return "Add the year too: OmniCRM can only save a birthday with its year for now.";
  if (!/^\d{4}$/.test(parts.year)) return "Write the year with four digits, e.g. 1986.";
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
