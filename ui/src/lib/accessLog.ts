import type { AccessAction, AccessEntry } from "../api";

/** What was done with a client's data, in plain words (the core's `AccessAction::describe`). */
export const ACCESS_ACTION_LABELS: Record<AccessAction, string> = {
  viewed: "Viewed",
  exported: "Exported",
  printed: "Printed",
  sent_to_ai: "Sent to an AI provider",
  shared_with_team: "Shared with the team",
};

/** Whose data an entry is about: their name, or plain words when there is none to show. */
export function accessEntryClient(entry: AccessEntry): string {
  if (entry.contact_name) return entry.contact_name;
  return entry.contact_id ? "A deleted client" : "Several clients";
}

/** The shortest and longest retention the core accepts, in days. */
export const RETENTION_MIN_DAYS = 30;
export const RETENTION_MAX_DAYS = 36_500;
export const DAYS_PER_YEAR = 365;

export type RetentionUnit = "years" | "days";

/** A retention in days as the user reads it: whole years when it is some, days otherwise. */
export function splitRetention(days: number): { amount: number; unit: RetentionUnit } {
  return days % DAYS_PER_YEAR === 0 ? { amount: days / DAYS_PER_YEAR, unit: "years" } : { amount: days, unit: "days" };
}

/** Reads what the user typed: the retention in days, or the problem in plain words. */
export function parseRetention(amount: string, unit: RetentionUnit): { days: number } | { error: string } {
  const text = amount.trim();
  if (!/^\d+$/.test(text)) return { error: `Enter a whole number of ${unit}.` };
  const days = Number(text) * (unit === "years" ? DAYS_PER_YEAR : 1);
  if (days < RETENTION_MIN_DAYS || days > RETENTION_MAX_DAYS) {
    return { error: "Keep the access log for at least 30 days and at most 100 years." };
  }
  return { days };
}

/** "6 years", "1 year", "400 days". */
export function retentionText(days: number): string {
  const { amount, unit } = splitRetention(days);
  return `${amount} ${amount === 1 ? unit.slice(0, -1) : unit}`;
}
