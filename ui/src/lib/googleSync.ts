// The Google sync as the Integrations settings show it: the form behind "Change what syncs",
// a batch in plain words, and which background jobs belong to an account. Pure, so it is
// tested without a DOM.

import type { JobInfo, KeptContact, SyncBatch, SyncSettings } from "../api";

/** The same defaults as the Rust side (`SyncSettings::everything`). */
export const DEFAULT_GMAIL_QUERY = "category:primary -in:chats -in:drafts newer_than:30d";
export const DEFAULT_SENT_QUERY = "in:sent -in:chats -in:drafts newer_than:30d";
export const DEFAULT_LABELS = ["INBOX", "IMPORTANT", "STARRED"];

/** What the sync form edits; strings for the number fields so a half-typed value stays. */
export type SyncForm = {
  gmail: boolean;
  query: string;
  includeSent: boolean;
  sentQuery: string;
  labels: string;
  calendar: boolean;
  daysBack: string;
  daysAhead: string;
};

export const DEFAULT_SYNC_FORM: SyncForm = {
  gmail: true,
  query: DEFAULT_GMAIL_QUERY,
  includeSent: true,
  sentQuery: DEFAULT_SENT_QUERY,
  labels: DEFAULT_LABELS.join(", "),
  calendar: true,
  daysBack: "30",
  daysAhead: "30",
};

/** The form for settings a batch was approved with (its JSON may be partial or old). */
export function formFromSettings(settings: unknown): SyncForm {
  if (!settings || typeof settings !== "object") return DEFAULT_SYNC_FORM;
  const value = settings as Partial<SyncSettings>;
  const gmail = value.gmail ?? null;
  const calendar = value.calendar ?? null;
  return {
    gmail: gmail !== null,
    query: gmail?.query ?? DEFAULT_GMAIL_QUERY,
    includeSent: gmail ? gmail.sent_query !== null : true,
    sentQuery: gmail?.sent_query ?? DEFAULT_SENT_QUERY,
    labels: (gmail?.preview_labels ?? DEFAULT_LABELS).join(", "),
    calendar: calendar !== null,
    daysBack: String(calendar?.days_back ?? 30),
    daysAhead: String(calendar?.days_ahead ?? 30),
  };
}

export type FormProblems = Partial<Record<"providers" | "query" | "sentQuery" | "daysBack" | "daysAhead", string>>;

function days(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= 3650 ? value : null;
}

/** The settings the form describes, or what is wrong with it, field by field. */
export function settingsFromForm(form: SyncForm): { settings: SyncSettings | null; problems: FormProblems } {
  const problems: FormProblems = {};
  if (!form.gmail && !form.calendar) problems.providers = "Choose Gmail, Calendar or both.";
  if (form.gmail && !form.query.trim()) problems.query = "Enter which mail to sync.";
  if (form.gmail && form.includeSent && !form.sentQuery.trim()) problems.sentQuery = "Enter which sent mail to sync, or leave sent mail out.";
  const daysBack = days(form.daysBack);
  const daysAhead = days(form.daysAhead);
  if (form.calendar && daysBack === null) problems.daysBack = "Enter a number of days from 0 to 3650.";
  if (form.calendar && daysAhead === null) problems.daysAhead = "Enter a number of days from 0 to 3650.";
  if (Object.keys(problems).length > 0) return { settings: null, problems };
  const labels = form.labels
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label.length > 0);
  return {
    settings: {
      gmail: form.gmail
        ? {
            query: form.query.trim(),
            sent_query: form.includeSent ? form.sentQuery.trim() : null,
            preview_labels: labels,
            max_messages: 10000,
            page_size: 100,
          }
        : null,
      calendar: form.calendar ? { days_back: daysBack ?? 30, days_ahead: daysAhead ?? 30, page_size: 250 } : null,
    },
    problems,
  };
}

/** A batch in a few words: what it brought in, or why it stopped. */
export function describeBatch(batch: SyncBatch): string {
  switch (batch.status) {
    case "approved":
      return "Waiting to start";
    case "running":
      return `Running: ${batch.fetched} fetched so far`;
    case "failed":
      return `Stopped: ${batch.last_error ?? "unknown error"}`;
    case "undone":
      return "Undone: everything it brought in was removed";
    case "completed":
      if (batch.fetched === 0) return "Nothing new";
      return `${batch.fetched} fetched, ${batch.normalized} became interactions${batch.suggested > 0 ? `, ${batch.suggested} ${batch.suggested === 1 ? "person" : "people"} suggested` : ""}`;
  }
}

/** The account's jobs that are still under way or waiting to retry, oldest first. */
export function activeJobsOf(jobs: JobInfo[] | null, batches: SyncBatch[]): JobInfo[] {
  if (!jobs) return [];
  const ids = new Set(batches.map((batch) => batch.id));
  return jobs
    .filter((job) => job.batch_id !== null && ids.has(job.batch_id))
    .filter((job) => job.status === "queued" || job.status === "running" || job.status === "failed")
    .sort((left, right) => left.created_at.localeCompare(right.created_at));
}

/** The account's jobs that gave up; they stay in view until retried or the batch is undone. */
export function deadJobsOf(jobs: JobInfo[] | null, batches: SyncBatch[]): JobInfo[] {
  if (!jobs) return [];
  const live = new Set(batches.filter((batch) => batch.status !== "undone").map((batch) => batch.id));
  return jobs.filter((job) => job.status === "dead" && job.batch_id !== null && live.has(job.batch_id));
}

/** Says which contacts an undone sync kept because the user worked on them since. */
export function keptSummary(kept: KeptContact[]): string {
  if (kept.length === 0) return "";
  const shown = kept.slice(0, 3).map((contact) => `${contact.display_name} (${contact.reasons.join(", ")})`);
  const more = kept.length > shown.length ? ` and ${kept.length - shown.length} more` : "";
  const noun = kept.length === 1 ? "contact" : "contacts";
  return ` Kept ${kept.length} ${noun} you worked on since: ${shown.join("; ")}${more}.`;
}
