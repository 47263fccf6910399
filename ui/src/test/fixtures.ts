import type {
  Contact,
  ContactKeepInTouch,
  ContactListQuery,
  ContactPage,
  ContactSummary,
  Dashboard,
  DuePerson,
  JobChanged,
  JobInfo,
  JobStatus,
  RelationshipHealth,
  Reminder,
  ReminderDue,
  Today,
} from "../api";

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
  keep_in_touch_get: (args: Record<string, unknown>) => keepInTouchFixture(String(args.contactId)),
  reminders_list: () => [],
  notes_list_for_contact: () => [],
  timeline_page: () => ({ items: [], next: null }),
  identities_list_for_contact: () => [],
  goals_list: () => [],
  access_log_list: () => [],
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

/** A contact's keep-in-touch state that follows the defaults and has none. */
export function keepInTouchFixture(contactId: string, overrides: Partial<ContactKeepInTouch> = {}): ContactKeepInTouch {
  return {
    contact_id: contactId,
    setting: { kind: "default" },
    cadence: null,
    cadence_origin: null,
    snoozed_until: null,
    last_contact: null,
    due_on: null,
    ...overrides,
  };
}

export function duePersonFixture(contactId: string, overrides: Partial<DuePerson> = {}): DuePerson {
  return {
    contact_id: contactId,
    display_name: `Person ${contactId}`,
    cadence: { every: 2, unit: "week" },
    cadence_origin: { kind: "tag", name: "VIP Client" },
    last_contact: { at: "2026-11-12T10:00:00Z", kind: "call", summary: "Check-in", source: "manual" },
    due_on: "2026-11-26",
    days_overdue: 3,
    overdue_ratio: 1.2,
    ...overrides,
  };
}

export function reminderDueFixture(id: string | null, overrides: Partial<ReminderDue> = {}): ReminderDue {
  return {
    reminder_id: id,
    contact_id: "c1",
    display_name: "Ada Lovelace",
    kind: id === null ? "birthday" : "follow_up",
    title: id === null ? "Birthday" : `Reminder ${id}`,
    on: "2026-12-08",
    days_until: 1,
    turns: null,
    ...overrides,
  };
}

export function reminderFixture(id: string, overrides: Partial<Reminder> = {}): Reminder {
  return {
    id,
    contact_id: "c1",
    title: `Reminder ${id}`,
    due_on: "2026-12-10",
    yearly: false,
    days_ahead: 0,
    done_through: null,
    snoozed_until: null,
    created_at: "2026-11-01T00:00:00Z",
    updated_at: "2026-11-01T00:00:00Z",
    deleted_at: null,
    ...overrides,
  };
}

export const emptyToday: Today = { date: "2026-12-07", meetings: [], due: [], reminders: [], tasks: [] };

export const emptyHealth: RelationshipHealth = { within: 0, overdue: 0, no_cadence: 0, by_stage: [] };

/** The `change_id` answer of a keep-in-touch change. */
export function keepInTouchChange(contactId: string, changeId: string, cadence: string | null = null, snoozedUntil: string | null = null) {
  return {
    keep_in_touch: {
      id: `kit-${contactId}`,
      contact_id: contactId,
      cadence,
      snoozed_until: snoozedUntil,
      created_at: "2026-11-01T00:00:00Z",
      updated_at: "2026-11-01T00:00:00Z",
      deleted_at: null,
    },
    change_id: changeId,
  };
}
