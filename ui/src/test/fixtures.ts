import type { Contact, ContactListQuery, ContactPage, ContactSummary, Dashboard, JobChanged, JobInfo, JobStatus } from "../api";

export function summaryFixture(index: number, overrides: Partial<ContactSummary> = {}): ContactSummary {
  return {
    id: `c${index}`,
    display_name: `Person ${String(index).padStart(4, "0")}`,
    organization: null,
    primary_email: `person${index}@example.com`,
    primary_phone: null,
    lifecycle_stage: "prospect",
    client_status: "active",
    source: "manual",
    tags: [],
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

export function contactFixture(summary: ContactSummary): Contact {
  return {
    id: summary.id,
    display_name: summary.display_name,
    organization: summary.organization,
    emails: summary.primary_email ? [{ address: summary.primary_email, label: null, is_primary: true }] : [],
    phones: [],
    address: null,
    date_of_birth: null,
    photo: null,
    lifecycle_stage: summary.lifecycle_stage,
    client_status: summary.client_status,
    source: summary.source,
    referral_source: null,
    emergency_contact_name: null,
    emergency_contact_phone: null,
    health_context: { allergies: "none" },
    preferences: null,
    tags: summary.tags,
    created_at: "2025-12-01T00:00:00Z",
    updated_at: summary.updated_at,
    deleted_at: null,
  };
}

/** A fake contacts_list over `count` generated rows. */
export function listFrom(rows: ContactSummary[]) {
  return (args: Record<string, unknown>): ContactPage => {
    const query = args.query as ContactListQuery;
    const search = query.search?.toLowerCase();
    const matching = search ? rows.filter((row) => row.display_name.toLowerCase().includes(search)) : rows;
    return { items: matching.slice(query.offset, query.offset + query.limit), total: matching.length, offset: query.offset };
  };
}

export const emptyDashboard: Dashboard = {
  total_contacts: 0,
  new_this_month: 0,
  by_stage: [],
  by_status: [],
  new_by_month: [],
};

/** Handlers for the contact page's side panels, all empty. */
export const emptyContactExtras = {
  notes_list_for_contact: () => [],
  timeline_page: () => ({ items: [], next: null }),
  identities_list_for_contact: () => [],
  goals_list: () => [],
  consents_list_for_contact: () => ({
    current: (["data_processing", "marketing", "hipaa", "photography"] as const).map((kind) => ({
      kind,
      granted: null,
      recorded_at: null,
    })),
    history: [],
  }),
};

/** A background job as `jobs_list` returns it. */
export function jobFixture(id: string, overrides: Partial<JobInfo> = {}): JobInfo {
  return {
    id,
    kind: "backup.create",
    subject: null,
    batch_id: null,
    status: "queued",
    attempts: 0,
    max_attempts: 3,
    progress_done: 0,
    progress_total: null,
    error: null,
    run_at: "2026-11-22T09:00:00.000Z",
    cancel_requested: false,
    created_at: "2026-11-22T09:00:00.000Z",
    updated_at: "2026-11-22T09:00:00.000Z",
    finished_at: null,
    ...overrides,
  };
}

/** A fake jobs_list over `jobs`, honouring the statuses asked for. */
export function jobsFrom(jobs: () => JobInfo[]) {
  return (args: Record<string, unknown>): JobInfo[] => {
    const statuses = args.statuses as JobStatus[];
    return jobs().filter((job) => statuses.length === 0 || statuses.includes(job.status));
  };
}

/** The `job-changed` event payload for `job`. */
export function jobChange(job: JobInfo): JobChanged {
  return {
    id: job.id,
    kind: job.kind,
    batch_id: job.batch_id,
    status: job.status,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    progress_done: job.progress_done,
    progress_total: job.progress_total,
    error: job.error,
    run_at: job.run_at,
    cancel_requested: job.cancel_requested,
    updated_at: job.updated_at,
  };
}
