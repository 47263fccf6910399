// Background jobs as the UI shows them: names for their kinds, how a live change updates a
// list, and the counts behind the sidebar indicator. Pure, so it is tested without a DOM.

import type { JobChanged, JobInfo, JobStatus } from "../api";

/** Jobs that still need the user's attention or are under way. */
export const ACTIVE_STATUSES: JobStatus[] = ["running", "queued", "failed", "dead"];
/** Jobs that are over. */
export const FINISHED_STATUSES: JobStatus[] = ["succeeded", "canceled"];

const KIND_LABELS: Record<string, string> = {
  "import.apply": "Import contacts",
  "backup.create": "Automatic backup",
  "jobs.purge": "Clean up finished jobs",
  "google.gmail.sync": "Sync Gmail",
  "google.calendar.sync": "Sync Google Calendar",
  "google.sync.scheduled": "Check Google for new mail and events",
};

/** Jobs that only do something when a Google account is connected. */
export function isGoogleJob(kind: string): boolean {
  return kind.startsWith("google.");
}

/** A person's name for a job: its kind's label, and what it works on when known. */
export function jobTitle(job: Pick<JobInfo, "kind" | "subject">): string {
  const label = KIND_LABELS[job.kind] ?? job.kind;
  return job.subject ? `${label}: ${job.subject}` : label;
}

export const STATUS_LABELS: Record<JobStatus, string> = {
  queued: "Waiting",
  running: "Running",
  succeeded: "Done",
  failed: "Failed, will retry",
  dead: "Failed",
  canceled: "Canceled",
};

export function canRetry(status: JobStatus): boolean {
  return status === "dead" || status === "failed" || status === "canceled";
}

export function canCancel(job: Pick<JobInfo, "status" | "cancel_requested">): boolean {
  return job.status === "queued" || job.status === "failed" || (job.status === "running" && !job.cancel_requested);
}

/**
 * Applies a live change to a list of jobs. Returns the new list, and `known: false` when the
 * change is about a job the list does not hold yet (the caller reloads to learn the rest).
 */
export function applyJobChange(jobs: JobInfo[], change: JobChanged): { jobs: JobInfo[]; known: boolean } {
  const index = jobs.findIndex((job) => job.id === change.id);
  if (index < 0) return { jobs, known: false };
  const current = jobs[index];
  // Events can arrive out of order (a progress announcement after the end): never go back.
  if (current.updated_at > change.updated_at) return { jobs, known: true };
  const finished = change.status === "succeeded" || change.status === "canceled" || change.status === "dead";
  const next: JobInfo = {
    ...current,
    status: change.status,
    attempts: change.attempts,
    max_attempts: change.max_attempts,
    progress_done: change.progress_done,
    progress_total: change.progress_total,
    error: change.error,
    run_at: change.run_at,
    cancel_requested: change.cancel_requested,
    updated_at: change.updated_at,
    finished_at: finished ? (current.finished_at ?? change.updated_at) : null,
  };
  const updated = [...jobs];
  updated[index] = next;
  return { jobs: updated, known: true };
}

export type JobCounts = Record<JobStatus, number>;

export function countJobs(jobs: JobInfo[]): JobCounts {
  const counts: JobCounts = { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0, canceled: 0 };
  for (const job of jobs) counts[job.status] += 1;
  return counts;
}

/** Most recently changed first. */
export function byNewest(left: JobInfo, right: JobInfo): number {
  return right.updated_at.localeCompare(left.updated_at) || right.id.localeCompare(left.id);
}
