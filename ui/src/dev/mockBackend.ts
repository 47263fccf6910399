// DEVELOPMENT ONLY: an in-memory stand-in for the Rust commands, so the UI can be run
// in a plain browser with `npm run dev` (no Tauri shell). main.tsx loads it only when
// import.meta.env.DEV is true and no Tauri runtime is present, so it is never part of
// the production bundle. Open http://localhost:1420/?mock=100000 to try 100k contacts,
// or ?mock=0 for the empty state, or ?locked=1 for data whose key is not on this computer.

import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  AccessAction,
  AccessEntry,
  AppError,
  Contact,
  ContactInput,
  ContactListQuery,
  ContactSummary,
  Dashboard,
  FieldError,
  BackupInfo,
  BulkEdit,
  Consent,
  ConsentInput,
  ConsentKind,
  IgnoredIdentifier,
  Interaction,
  InteractionInput,
  LifecycleStage,
  Note,
  NoteInput,
  Goal,
  GoalInput,
  Project,
  ProjectInput,
  Tag,
  TagInput,
  Task,
  TaskInput,
  TaskQuery,
  TaskStatus,
  TimelineCursor,
  TimelineItem,
  Zone,
  ZoneInput,
  ImportOptions,
  ImportPlanItem,
  ImportPreview,
  ImportSummary,
  DuplicateSuggestion,
  MergeRequest,
  JobInfo,
  JobStatus,
  CadenceSetting,
  Cadence,
  DefaultScope,
  DuePerson,
  KeepInTouchDefault,
  LastContact,
  Reminder,
  ReminderInput,
} from "../bindings";
import { CLIENT_STATUSES, CONTACT_SOURCES, LIFECYCLE_STAGES } from "../lib/labels";

type Change = { id: string; contact: Contact; undone: boolean };

const FIRST = ["Ada", "Bea", "Cleo", "Dev", "Eli", "Farah", "Gus", "Hana", "Iris", "Jonah", "Kai", "Lena", "Milo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Vik", "Wren", "Yara", "Zane"];
const LAST = ["Abbott", "Bianchi", "Chen", "Diaz", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Varga", "Weiss", "Young"];
const ORGS = [null, null, "Riverside Yoga", "Calm Clinic", "Northside Physio", null, "Open Door Studio"];
const TAGS = ["yoga", "massage", "referral", "newsletter", "weekday", "evenings", "pilates", "breathwork"];

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function makeContact(index: number, random: () => number, now: number): Contact {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const created = new Date(now - Math.floor(random() * 400) * 86_400_000).toISOString();
  const stage = random() < 0.1 ? null : pick(random, LIFECYCLE_STAGES);
  const tagCount = Math.floor(random() * 3);
  const tags = Array.from(new Set(Array.from({ length: tagCount }, () => pick(random, TAGS))));
  return {
    id: `c${index.toString(36).padStart(6, "0")}`,
    display_name: `${first} ${last}`,
    organization: pick(random, ORGS),
    emails: [{ address: `${first}.${last}${index}@example.com`.toLowerCase(), label: "personal", is_primary: true }],
    phones: random() < 0.8 ? [{ number: `+1415555${String(1000 + (index % 9000))}`, label: "mobile", is_primary: true }] : [],
    address: random() < 0.5 ? { street: "12 Elm St", city: "Portland", region: "OR", postal_code: "97201", country: "US" } : null,
    date_of_birth: random() < 0.6 ? `19${60 + Math.floor(random() * 40)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}` : null,
    photo: null,
    lifecycle_stage: stage,
    client_status: pick(random, CLIENT_STATUSES),
    source: pick(random, CONTACT_SOURCES),
    referral_source: random() < 0.2 ? "Dr. Rivera" : null,
    emergency_contact_name: random() < 0.3 ? "Sam Rivera" : null,
    emergency_contact_phone: null,
    health_context: random() < 0.4 ? { allergies: "None known", injuries: "Left knee (2021)" } : null,
    preferences: random() < 0.4 ? { sessions: "Mornings", reminders: true } : null,
    tags,
    created_at: created,
    updated_at: created,
    deleted_at: null,
  };
}

function summary(contact: Contact): ContactSummary {
  return {
    id: contact.id,
    display_name: contact.display_name,
    organization: contact.organization,
    primary_email: contact.emails.find((email) => email.is_primary)?.address ?? contact.emails[0]?.address ?? null,
    primary_phone: contact.phones.find((phone) => phone.is_primary)?.number ?? contact.phones[0]?.number ?? null,
    lifecycle_stage: contact.lifecycle_stage,
    client_status: contact.client_status,
    source: contact.source,
    tags: contact.tags,
    updated_at: contact.updated_at,
  };
}

function fail(code: AppError["code"], message: string, fields: FieldError[] = []): never {
  const error: AppError = { code, message, details: fields.length > 0 ? { fields } : null };
  throw error;
}

function validate(input: ContactInput): void {
  const fields: FieldError[] = [];
  if (!input.display_name.trim()) fields.push({ field: "display_name", message: "Display name is required" });
  input.emails.forEach((email, index) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.address)) {
      fields.push({ field: `emails[${index}].address`, message: "Not a valid email address" });
    }
  });
  input.phones.forEach((phone, index) => {
    if (phone.number.replace(/\D/g, "").length < 7) {
      fields.push({ field: `phones[${index}].number`, message: "Not a valid phone number" });
    }
  });
  if (input.date_of_birth && !/^\d{4}-\d{2}-\d{2}$/.test(input.date_of_birth)) {
    fields.push({ field: "date_of_birth", message: "Use the format YYYY-MM-DD" });
  }
  if (fields.length > 0) fail("validation_failed", "Some fields are invalid", fields);
}

const STAGE_ORDER = new Map<LifecycleStage | null, number>([...LIFECYCLE_STAGES.map((stage, index) => [stage, index] as const), [null, 99]]);

export function installMockBackend(initialCount: number): void {
  const random = seeded(42);
  const now = Date.now();
  const contacts = new Map<string, Contact>();
  const notes = new Map<string, Note[]>();
  const changes = new Map<string, Change>();
  let nextId = initialCount;
  let nextChange = 1;

  const add = (contact: Contact) => contacts.set(contact.id, contact);
  for (let index = 0; index < initialCount; index += 1) add(makeContact(index, random, now));
  const firstId = [...contacts.keys()][0];
  if (firstId) {
    notes.set(firstId, [
      { id: "n1", contact_id: firstId, body: "Intake call. Prefers morning sessions; lower back tension.", body_html: null, source_type: "typed", pii_kinds: [], is_private: false, created_at: new Date(now - 86_400_000 * 3).toISOString(), updated_at: new Date(now).toISOString(), deleted_at: null },
    ]);
  }

  const changed = (ids: string[], reason: string) => {
    resultCache.clear();
    void emit("contacts-changed", { ids, reason });
  };

  const fromInput = (id: string, input: ContactInput, previous?: Contact): Contact => ({
    ...input,
    id,
    display_name: input.display_name.trim(),
    client_status: input.client_status ?? previous?.client_status ?? "active",
    source: input.source ?? previous?.source ?? "manual",
    created_at: previous?.created_at ?? new Date().toISOString(),
    updated_at: new Date().toISOString(),
    deleted_at: null,
  });

  // Sorted result sets, reused across pages of the same query; cleared on any change.
  const resultCache = new Map<string, Contact[]>();

  const list = (query: ContactListQuery) => {
    const cacheKey = JSON.stringify({ ...query, offset: 0, limit: 0 });
    let rows = resultCache.get(cacheKey) ?? sorted(query);
    resultCache.set(cacheKey, rows);
    const total = rows.length;
    rows = rows.slice(query.offset, query.offset + Math.min(query.limit, 500));
    return { items: rows.map(summary), total, offset: query.offset };
  };

  const sorted = (query: ContactListQuery): Contact[] => {
    const search = query.search?.toLowerCase() ?? null;
    const rows = [...contacts.values()].filter(
      (contact) =>
        (search === null ||
          contact.display_name.toLowerCase().includes(search) ||
          contact.emails.some((email) => email.address.includes(search))) &&
        (query.stage === null || contact.lifecycle_stage === query.stage) &&
        (query.status === null || contact.client_status === query.status) &&
        (query.tag === null || contact.tags.includes(query.tag)) &&
        (query.source === null || contact.source === query.source),
    );
    const direction = query.direction === "asc" ? 1 : -1;
    rows.sort((a, b) => {
      if (query.sort === "updated") return direction * a.updated_at.localeCompare(b.updated_at);
      if (query.sort === "stage") {
        return direction * ((STAGE_ORDER.get(a.lifecycle_stage) ?? 99) - (STAGE_ORDER.get(b.lifecycle_stage) ?? 99));
      }
      return direction * (a.display_name < b.display_name ? -1 : a.display_name > b.display_name ? 1 : 0);
    });
    return rows;
  };

  const dashboard = (): Dashboard => {
    const all = [...contacts.values()];
    const months: string[] = [];
    const today = new Date();
    for (let back = 11; back >= 0; back -= 1) {
      const date = new Date(today.getFullYear(), today.getMonth() - back, 1);
      months.push(`${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`);
    }
    const stageCounts = new Map<LifecycleStage | null, number>();
    const statusCounts = new Map<string, number>();
    const monthCounts = new Map<string, number>();
    for (const contact of all) {
      stageCounts.set(contact.lifecycle_stage, (stageCounts.get(contact.lifecycle_stage) ?? 0) + 1);
      statusCounts.set(contact.client_status, (statusCounts.get(contact.client_status) ?? 0) + 1);
      const month = contact.created_at.slice(0, 7);
      monthCounts.set(month, (monthCounts.get(month) ?? 0) + 1);
    }
    return {
      total_contacts: all.length,
      new_this_month: monthCounts.get(months[months.length - 1]) ?? 0,
      by_stage: [...stageCounts].map(([stage, count]) => ({ stage, count })),
      by_status: CLIENT_STATUSES.map((status) => ({ status, count: statusCounts.get(status) ?? 0 })),
      new_by_month: months.map((month) => ({ month, count: monthCounts.get(month) ?? 0 })),
    };
  };

  const get = (id: string) => contacts.get(id) ?? fail("not_found", `Contact ${id} was not found`);

  // ---- The deeper CRM records, kept just far enough to click through the UI ----------------
  const stamp = () => new Date().toISOString();
  let aiKeyStored = false;
  let aiSettings = {
    base_url: "https://openrouter.ai/api/v1", location: "auto", model: "openai/gpt-4o-mini", fallback_models: [] as string[], enabled: true, redact_cloud: true,
    limits: { requests_per_minute: 20, daily_cost_cap_usd: 1, monthly_credits_usd: 10, reserve_per_request_usd: 0.01 },
    prices: [], resilience: { request_timeout_ms: 60000, first_token_timeout_ms: 15000, max_attempts: 3, backoff_base_ms: 500, backoff_max_ms: 20000, breaker_failure_threshold: 3, breaker_cooldown_ms: 60000 }, api_key_backend: null,
  };
  let nextRecord = 1;
  const newId = (prefix: string) => `${prefix}${(nextRecord += 1).toString(36)}`;
  const record = { created_at: stamp(), updated_at: stamp(), deleted_at: null };
  const tags = new Map<string, Tag>();
  TAGS.forEach((name, index) =>
    tags.set(`tag${index}`, { id: `tag${index}`, name, category: index % 2 === 0 ? "services_modalities" : "schedule_attendance", color: index % 2 === 0 ? "#5b8def" : "#d9822b", is_system: true, ...record }),
  );
  const zones: Zone[] = [
    { id: "z1", name: "Business", color: "#5b8def", icon: null, position: 0, ...record },
    { id: "z2", name: "Personal", color: "#3aa675", icon: null, position: 1, ...record },
  ];
  const projects: Project[] = [{ id: "p1", name: "Spring retreat", description: null, zone_id: "z1", status: "active", due_date: null, ...record }];
  const goals: Goal[] = [
    { id: "g1", title: "Fill the Thursday evening group", description: null, kind: "practitioner_business", status: "on_track", contact_id: null, target_date: null, progress: 40, ...record },
  ];
  // Undo of records other than contacts: change id -> what puts the record back.
  const undoers = new Map<string, { entity: string; entityId: string; undo: () => void }>();
  const undoable = (entity: string, entityId: string, undo: () => void) => {
    const changeId = newId("chg");
    undoers.set(changeId, { entity, entityId, undo });
    return { change_id: changeId };
  };
  const tasks = new Map<string, Task>();
  const interactions = new Map<string, Interaction>();
  const consents: Consent[] = [];
  const ignored: IgnoredIdentifier[] = [{ id: "ig1", pattern: "*@noreply.*", reason: "Automated mail", is_system: true, ...record }];
  const backups: BackupInfo[] = [];
  // Batch id -> how to revert it.
  const batches = new Map<string, () => void>();

  const batch = (changedCount: number, revert: () => void) => {
    const batchId = `batch${(nextChange += 1).toString(36)}`;
    batches.set(batchId, revert);
    return { batch_id: batchId, changed: changedCount };
  };

  const snapshot = (ids: string[]) => ids.map((id) => ({ ...get(id) }));
  const restoreSnapshot = (saved: Contact[]) => () => {
    for (const contact of saved) add(contact);
    changed(saved.map((contact) => contact.id), "restored");
  };

  // Duplicates: contacts with the same name (likely) or the same email (exact).
  const dismissedPairs = new Set<string>();
  const suggestDuplicates = (limit: number): DuplicateSuggestion[] => {
    const groups = new Map<string, { ids: string[]; reason: string; confidence: DuplicateSuggestion["confidence"] }>();
    for (const contact of contacts.values()) {
      const email = contact.emails[0]?.address.toLowerCase();
      const keys: Array<[string, string, DuplicateSuggestion["confidence"]]> = [
        [`name:${contact.display_name.toLowerCase().replace(/\s+/g, " ")}`, `similar name ${contact.display_name}`, "likely"],
      ];
      if (email) keys.push([`email:${email}`, `same email ${email}`, "exact"]);
      for (const [key, reason, confidence] of keys) {
        const group = groups.get(key) ?? { ids: [], reason, confidence };
        group.ids.push(contact.id);
        groups.set(key, group);
      }
    }
    const seen = new Set<string>();
    const result: DuplicateSuggestion[] = [];
    for (const group of [...groups.values()].sort((a, b) => (a.confidence === b.confidence ? 0 : a.confidence === "exact" ? -1 : 1))) {
      const ids = group.ids.slice(0, 2).sort();
      const key = ids.join("|");
      if (ids.length < 2 || seen.has(key) || dismissedPairs.has(key)) continue;
      seen.add(key);
      result.push({ contact_ids: ids, display_names: ids.map((id) => get(id).display_name), confidence: group.confidence, reasons: [group.reason] });
      if (result.length >= limit) break;
    }
    return result;
  };

  const validateTag = (input: TagInput, exceptId?: string) => {
    const fields: FieldError[] = [];
    if (!input.name.trim()) fields.push({ field: "name", message: "Name is required" });
    if ([...tags.values()].some((tag) => tag.id !== exceptId && tag.name.toLowerCase() === input.name.trim().toLowerCase())) {
      fields.push({ field: "name", message: "A tag with this name already exists" });
    }
    if (input.color && !/^#[0-9a-fA-F]{6}$/.test(input.color)) fields.push({ field: "color", message: "Use #rrggbb" });
    if (fields.length > 0) fail("validation_failed", "Some fields are invalid", fields);
  };

  const noteFromInput = (contactId: string, input: NoteInput, previous?: Note): Note => {
    const body = (input.body ?? input.body_html?.replace(/<[^>]+>/g, " ") ?? "").trim();
    if (!body) fail("validation_failed", "Some fields are invalid", [{ field: "body", message: "Write something first" }]);
    const piiKinds: Note["pii_kinds"] = [];
    if (/[^@\s]+@[^@\s]+\.[a-z]+/i.test(body)) piiKinds.push("email");
    if (/\b(?:\d[ -]?){13,16}\b/.test(body)) piiKinds.push("card_number");
    return { id: previous?.id ?? newId("note"), contact_id: contactId, body, body_html: input.body_html, source_type: input.source_type ?? "typed", pii_kinds: piiKinds, is_private: input.is_private, created_at: previous?.created_at ?? stamp(), updated_at: stamp(), deleted_at: null };
  };

  const taskFromInput = (input: TaskInput, previous?: Task): Task => {
    if (!input.title.trim()) fail("validation_failed", "Some fields are invalid", [{ field: "title", message: "Title is required" }]);
    if (input.due_date && !/^\d{4}-\d{2}-\d{2}$/.test(input.due_date)) fail("validation_failed", "Some fields are invalid", [{ field: "due_date", message: "Use YYYY-MM-DD" }]);
    return { id: previous?.id ?? newId("task"), title: input.title.trim(), description: input.description, status: input.status ?? previous?.status ?? "todo", priority: input.priority ?? previous?.priority ?? "medium", due_date: input.due_date, completed_at: previous?.completed_at ?? null, project_id: input.project_id, zone_id: input.zone_id, parent_task_id: input.parent_task_id, contact_ids: input.contact_ids, created_at: previous?.created_at ?? stamp(), updated_at: stamp(), deleted_at: null };
  };

  const listTasks = (query: TaskQuery): Task[] => {
    const open = (task: Task) => task.status === "todo" || task.status === "in_progress";
    return [...tasks.values()]
      .filter((task) => (query.project_id === null || task.project_id === query.project_id) && (query.zone_id === null || task.zone_id === query.zone_id) && (query.contact_id === null || task.contact_ids.includes(query.contact_id)))
      .filter((task) => {
        const due = task.due_date;
        switch (query.view) {
          case "today": return open(task) && due === query.today;
          case "upcoming": return open(task) && due !== null && due > query.today;
          case "overdue": return open(task) && due !== null && due < query.today;
          case "open": return open(task);
          case "closed": return !open(task);
        }
      })
      .sort((a, b) => (a.due_date ?? "9999").localeCompare(b.due_date ?? "9999"));
  };

  const timeline = (contactId: string, cursor: TimelineCursor | null, limit: number) => {
    const items: TimelineItem[] = [
      ...[...interactions.values()].filter((entry) => entry.contact_ids.includes(contactId)).map((entry): TimelineItem => ({ kind: "interaction", id: entry.id, at: entry.occurred_at, detail: entry.kind, title: entry.subject, summary: entry.body, is_private: false })),
      ...(notes.get(contactId) ?? []).map((note): TimelineItem => ({ kind: "note", id: note.id, at: note.created_at, detail: note.source_type ?? "typed", title: null, summary: note.body.slice(0, 200), is_private: note.is_private ?? false })),
      ...[...tasks.values()].filter((task) => task.contact_ids.includes(contactId)).map((task): TimelineItem => ({ kind: "task", id: task.id, at: task.created_at, detail: task.status, title: task.title, summary: task.description, is_private: false })),
    ].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
    const start = cursor ? items.findIndex((entry) => entry.at === cursor.at && entry.id === cursor.id) + 1 : 0;
    const page = items.slice(start, start + limit);
    const last = page[page.length - 1];
    return { items: page, next: start + limit < items.length && last ? { at: last.at, id: last.id } : null };
  };

  // Imports: a rough reading of vCard and CSV text, enough to try the wizard in a browser.
  const jobs = new Map<string, JobInfo>();
  let nextJob = 1;
  const addJob = (kind: string, subject: string | null, overrides: Partial<JobInfo> = {}): JobInfo => {
    const created = stamp();
    const job: JobInfo = { id: `job-${nextJob++}`, kind, subject, batch_id: null, status: "queued", attempts: 0, max_attempts: 3, progress_done: 0, progress_total: null, error: null, run_at: created, cancel_requested: false, created_at: created, updated_at: created, finished_at: null, ...overrides };
    jobs.set(job.id, job);
    return job;
  };
  const updateJob = (id: string, change: Partial<JobInfo>): JobInfo => {
    const job = { ...(jobs.get(id) ?? fail("not_found", "No such job")), ...change, updated_at: stamp() };
    jobs.set(id, job);
    void emit("job-changed", { id: job.id, kind: job.kind, batch_id: job.batch_id, status: job.status, attempts: job.attempts, max_attempts: job.max_attempts, progress_done: job.progress_done, progress_total: job.progress_total, error: job.error, run_at: job.run_at, cancel_requested: job.cancel_requested, updated_at: job.updated_at });
    return job;
  };
  // One job that gave up, so the Jobs view and its indicator have something to show.
  addJob("backup.create", null, { status: "dead", attempts: 3, error: "could not create the backups folder: permission denied", finished_at: stamp() });

  const imports: ImportSummary[] = [];
  const importedIds = new Map<string, string[]>();
  const decodeText = (base64: string): string => {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(base64), (character) => character.charCodeAt(0)));
    } catch {
      return fail("validation_failed", "Some fields are invalid", [{ field: "content_base64", message: "is not valid base64" }]);
    }
  };
  const detect = (text: string, fileName: string | null) => {
    if (/^\s*BEGIN:VCARD/i.test(text) || fileName?.toLowerCase().endsWith(".vcf")) return "vcard" as const;
    if (/^\s*\{/.test(text)) return "json" as const;
    if (/^Name,Given Name/.test(text)) return "google_csv" as const;
    return "csv" as const;
  };
  const csvRows = (text: string) =>
    text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "")
      .map((line) => line.split(",").map((cell) => cell.trim()));
  const guessField = (header: string) => {
    const lower = header.toLowerCase();
    if (lower.includes("mail")) return "email" as const;
    if (lower.includes("phone") || lower.includes("mobile")) return "phone" as const;
    if (lower.includes("name")) return "display_name" as const;
    if (lower.includes("company") || lower.includes("org")) return "organization" as const;
    return "ignore" as const;
  };
  const planImport = (base64: string, options: ImportOptions): { preview: ImportPreview; people: Array<{ name: string; email: string | null }> } => {
    const text = decodeText(base64);
    const format = options.format ?? detect(text, options.file_name);
    const people: Array<{ name: string; email: string | null }> = [];
    const items: ImportPlanItem[] = [];
    if (format === "vcard") {
      text.split(/BEGIN:VCARD/i).slice(1).forEach((card, index) => {
        const name = /\nFN[^:]*:(.*)/i.exec(card)?.[1]?.trim() ?? "";
        const email = /\nEMAIL[^:]*:(.*)/i.exec(card)?.[1]?.trim() ?? null;
        if (!/END:VCARD/i.test(card)) items.push({ location: `contact ${index + 1}`, display_name: name, action: "invalid", reason: "vCard has no END:VCARD", contact_id: null });
        else if (!name) items.push({ location: `contact ${index + 1}`, display_name: "", action: "invalid", reason: "no name", contact_id: null });
        else people.push({ name, email });
      });
    } else if (format === "json") {
      fail("validation_failed", "Some fields are invalid", [{ field: "file", message: "JSON imports are not simulated in the browser mock" }]);
    } else {
      const [headers = [], ...rows] = csvRows(text);
      const columns = options.mapping?.columns ?? headers.map((header) => ({ header, field: guessField(header) }));
      const column = (field: string) => headers.indexOf(columns.find((entry) => entry.field === field)?.header ?? "\u0000");
      rows.forEach((row, index) => {
        const nameAt = column("display_name");
        const emailAt = column("email");
        const name = nameAt >= 0 ? (row[nameAt] ?? "") : "";
        if (!name) items.push({ location: `row ${index + 2}`, display_name: "", action: "invalid", reason: "no name", contact_id: null });
        else people.push({ name, email: emailAt >= 0 ? (row[emailAt] ?? null) : null });
      });
    }
    const existing = new Map([...contacts.values()].flatMap((contact) => contact.emails.map((email) => [email.address.toLowerCase(), contact.id] as const)));
    let create = 0;
    let skip = 0;
    people.forEach((person, index) => {
      const match = person.email ? existing.get(person.email.toLowerCase()) : undefined;
      if (match) skip += 1;
      else create += 1;
      items.push({ location: `record ${index + 1}`, display_name: person.name, action: match ? "skip" : "create", reason: match ? "already in OmniCRM with nothing new" : "new contact", contact_id: match ?? null });
    });
    const invalid = items.filter((item) => item.action === "invalid").length;
    return { preview: { format, records: people.length + invalid, counts: { create, update: 0, merge: 0, skip, invalid }, items }, people };
  };

  // Keep in touch and reminders: own cadences ("2w"), snoozes, tag and stage defaults.
  const ownCadence = new Map<string, string | null>();
  const snoozedUntil = new Map<string, string | null>();
  const kitDefaults: KeepInTouchDefault[] = [];
  const reminders = new Map<string, Reminder>();
  const localDay = (offset = 0) => {
    const date = new Date();
    date.setDate(date.getDate() + offset);
    return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
  };
  const cadenceString = (cadence: Cadence) => `${cadence.every}${cadence.unit[0]}`;
  const cadenceFrom = (text: string): Cadence => ({ every: Number.parseInt(text, 10), unit: text.endsWith("d") ? "day" : text.endsWith("w") ? "week" : "month" });
  const cadenceDays = (cadence: Cadence) => cadence.every * (cadence.unit === "day" ? 1 : cadence.unit === "week" ? 7 : 30);
  const effectiveCadence = (contact: Contact): { cadence: Cadence; origin: DuePerson["cadence_origin"] } | null => {
    const own = ownCadence.get(contact.id);
    if (own === null) return null;
    if (own) return { cadence: cadenceFrom(own), origin: { kind: "own" } };
    for (const entry of kitDefaults) {
      const tagName = entry.scope === "tag" ? tags.get(entry.target)?.name : undefined;
      if (tagName && contact.tags.includes(tagName)) return { cadence: cadenceFrom(entry.cadence), origin: { kind: "tag", name: tagName } };
    }
    const stage = kitDefaults.find((entry) => entry.scope === "stage" && entry.target === contact.lifecycle_stage);
    return stage && contact.lifecycle_stage ? { cadence: cadenceFrom(stage.cadence), origin: { kind: "stage", name: contact.lifecycle_stage } } : null;
  };
  const lastContactOf = (contactId: string): LastContact | null => {
    const latest = [...interactions.values()].filter((item) => item.contact_ids.includes(contactId)).sort((a, b) => b.occurred_at.localeCompare(a.occurred_at))[0];
    return latest ? { at: latest.occurred_at, kind: latest.kind, summary: latest.subject, source: "manual" } : null;
  };
  const keepInTouchOf = (contact: Contact) => {
    const own = ownCadence.get(contact.id);
    const setting: CadenceSetting = own === null ? { kind: "none" } : own ? { kind: "every", cadence: cadenceFrom(own) } : { kind: "default" };
    const effective = effectiveCadence(contact);
    const last = lastContactOf(contact.id);
    const from = last ? new Date(last.at) : new Date(contact.created_at);
    const due = effective ? new Date(from.getTime() + cadenceDays(effective.cadence) * 86_400_000) : null;
    const dueOn = due ? `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, "0")}-${String(due.getDate()).padStart(2, "0")}` : null;
    return { contact_id: contact.id, setting, cadence: effective?.cadence ?? null, cadence_origin: effective?.origin ?? null, snoozed_until: snoozedUntil.get(contact.id) ?? null, last_contact: last, due_on: dueOn };
  };
  const duePeople = (): DuePerson[] => {
    const today = localDay();
    const people: DuePerson[] = [];
    for (const contact of [...contacts.values()].slice(0, 2000)) {
      const state = keepInTouchOf(contact);
      if (!state.cadence || !state.cadence_origin || !state.due_on || state.due_on > today) continue;
      if (state.snoozed_until && state.snoozed_until > today) continue;
      const days = Math.round((new Date(today).getTime() - new Date(state.due_on).getTime()) / 86_400_000);
      people.push({ contact_id: contact.id, display_name: contact.display_name, cadence: state.cadence, cadence_origin: state.cadence_origin, last_contact: state.last_contact, due_on: state.due_on, days_overdue: days, overdue_ratio: null });
    }
    return people.sort((a, b) => b.days_overdue - a.days_overdue).slice(0, 50);
  };
  const setOwn = (contactId: string, apply: () => void) => {
    const before = { cadence: ownCadence.has(contactId) ? ownCadence.get(contactId) : undefined, snoozed: snoozedUntil.get(contactId) ?? null };
    apply();
    const result = undoable("keep_in_touch", contactId, () => {
      if (before.cadence === undefined) ownCadence.delete(contactId);
      else ownCadence.set(contactId, before.cadence);
      snoozedUntil.set(contactId, before.snoozed);
    });
    return { keep_in_touch: { id: `kit-${contactId}`, contact_id: contactId, cadence: ownCadence.get(contactId) ?? null, snoozed_until: snoozedUntil.get(contactId) ?? null, ...record }, ...result };
  };
  {
    const seededIds = [...contacts.keys()].slice(0, 3);
    seededIds.forEach((id, index) => ownCadence.set(id, ["2w", "1m", "10d"][index]));
    if (seededIds[0]) {
      const reminder: Reminder = { id: newId("rem"), contact_id: seededIds[0], title: "Send the intake form", due_on: localDay(1), yearly: false, days_ahead: 2, done_through: null, snoozed_until: null, ...record };
      reminders.set(reminder.id, reminder);
    }
  }

  const consentKinds: ConsentKind[] = ["data_processing", "marketing", "hipaa", "photography"];

  // Access log: what was done with whose data, newest last; a viewing at most every 10 minutes.
  const accessLog: AccessEntry[] = [];
  let accessRetentionDays = 2190;
  const accessDevice = "This browser";
  const recordAccess = (contactId: string | null, action: AccessAction, detail: string) => {
    accessLog.push({ id: newId("acc"), occurred_at: stamp(), contact_id: contactId, contact_name: null, action, detail, device: accessDevice });
  };
  const recordView = (contactId: string) => {
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const recent = accessLog.some((entry) => entry.contact_id === contactId && entry.action === "viewed" && entry.occurred_at >= since);
    if (!recent) recordAccess(contactId, "viewed", "opened in the app");
  };
  {
    const seededId = [...contacts.keys()][0];
    if (seededId) {
      const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString();
      accessLog.push(
        { id: newId("acc"), occurred_at: day(40), contact_id: seededId, contact_name: null, action: "exported", detail: "their data as JSON (a data subject request)", device: accessDevice },
        { id: newId("acc"), occurred_at: day(12), contact_id: seededId, contact_name: null, action: "sent_to_ai", detail: "to OpenAI (gpt-4o-mini), redacted: name, tags, recent notes", device: accessDevice },
        { id: newId("acc"), occurred_at: day(3), contact_id: seededId, contact_name: null, action: "shared_with_team", detail: "their record and notes, to https://team.example.com", device: "Front desk laptop" },
      );
    }
  }

  // Team sync: a pretend workspace on any http(s) address; the token "bad" is refused.
  let teamSync = { server: null as string | null, workspace_id: null as string | null, workspace_name: null as string | null, connected: false, share_health_details: false, pending_changes: 0, last_synced_at: null as string | null, last_error: null as string | null, member_name: null as string | null };
  const teamSyncChanged = (syncing: boolean) =>
    void emit("team-sync-changed", { state: { status: teamSync, syncing, last_report: null, next_retry_at: null } });

  // Encryption at rest: the data is encrypted under this recovery key. With ?locked=1 its key is
  // "not on this computer", so every command fails until the recovery screen unlocks it.
  const recoveryKey = "7c1e-92ab-04f3-d85e-6a20-bb17-e9c4-3f08-51da-c62e-0b9f-7734-a8e1-2d5c-f640-198b-4e2a";
  const normalizedKey = (text: string) => text.replace(/[\s-]/g, "").toLowerCase();
  let locked = new URLSearchParams(window.location.search).get("locked") === "1";
  const savedKeyFiles = new Set<string>();

  mockIPC(
    async (command, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (locked && command !== "recover_data_folder") {
        fail("encryption_key_missing", "the database is encrypted and its key is not on this computer; restore it with the recovery key you were shown when encryption was turned on");
      }
      switch (command) {
        case "encryption_status":
          return { encrypted: true, key_location: { kind: "keyring" }, summary: "Encrypted. The key is kept in the system keyring.", plain_backups: 0 };
        case "reveal_recovery_key":
          return recoveryKey;
        case "save_recovery_key": {
          const typed = (args.path as string).trim();
          const path = typed.startsWith("~/") ? `/home/you/${typed.slice(2)}` : typed;
          if (path === "") fail("validation_failed", "Some fields are invalid", [{ field: "path", message: "is required" }]);
          if (!path.startsWith("/")) fail("validation_failed", "Some fields are invalid", [{ field: "path", message: "must be a full path, such as /media/usb/omnicrm-recovery-key.txt" }]);
          if (savedKeyFiles.has(path)) fail("io", "could not write the recovery key file: File exists (os error 17)", [{ field: "path", message: "already exists; choose a new file name" }]);
          savedKeyFiles.add(path);
          return path;
        }
        case "recover_data_folder": {
          const typed = normalizedKey(args.recoveryKey as string);
          if (typed === "") fail("validation_failed", "Some fields are invalid", [{ field: "recovery_key", message: "is required" }]);
          if (typed.length !== 68) fail("validation_failed", "Some fields are invalid", [{ field: "recovery_key", message: "is not a recovery key: it has 17 groups of four characters" }]);
          if (typed !== normalizedKey(recoveryKey)) fail("encryption_key_wrong", "this key does not open the database (it is damaged, or it was encrypted with another key)");
          locked = false;
          // The app restarts with the key: here, the page reloads without ?locked.
          const url = new URL(window.location.href);
          url.searchParams.delete("locked");
          window.location.replace(url.toString());
          return null;
        }
        case "contacts_list":
          return list(args.query as ContactListQuery);
        case "contacts_get": {
          const contact = get(args.id as string);
          recordView(contact.id);
          return contact;
        }
        case "contacts_create": {
          const input = args.input as ContactInput;
          validate(input);
          const contact = fromInput(`n${(nextId += 1).toString(36)}`, input);
          add(contact);
          changed([contact.id], "created");
          return contact;
        }
        case "contacts_update": {
          const input = args.input as ContactInput;
          const previous = get(args.id as string);
          validate(input);
          const contact = fromInput(previous.id, input, previous);
          add(contact);
          changed([contact.id], "updated");
          return contact;
        }
        case "contacts_delete": {
          const contact = get(args.id as string);
          contacts.delete(contact.id);
          const change = { id: `ch${nextChange++}`, contact, undone: false };
          changes.set(change.id, change);
          changed([contact.id], "deleted");
          return { change_id: change.id };
        }
        case "changes_undo": {
          const other = undoers.get(args.changeId as string);
          if (other) {
            undoers.delete(args.changeId as string);
            other.undo();
            return { change_id: newId("chg"), entity: other.entity, entity_id: other.entityId };
          }
          const change = changes.get(args.changeId as string);
          if (!change || change.undone) fail("undo_unavailable", "That change can no longer be undone");
          change.undone = true;
          add(change.contact);
          changed([change.contact.id], "restored");
          return { change_id: change.id, entity: "contact", entity_id: change.contact.id };
        }
        case "contacts_search":
          return list({ search: args.text as string, stage: null, status: null, tag: null, source: null, sort: "name", direction: "asc", offset: 0, limit: args.limit as number }).items;
        case "notes_list_for_contact":
          return notes.get(args.contactId as string) ?? [];
        case "tags_list": {
          const counts = new Map<string, number>();
          for (const contact of contacts.values()) for (const tag of contact.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
          return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => a.name.localeCompare(b.name));
        }
        case "dashboard_get":
          return dashboard();
        case "notes_create": {
          const note = noteFromInput(args.contactId as string, args.input as NoteInput);
          notes.set(note.contact_id, [note, ...(notes.get(note.contact_id) ?? [])]);
          return note;
        }
        case "tags_list_with_usage":
          return [...tags.values()].map((tag) => ({ tag, usage_count: [...contacts.values()].filter((contact) => contact.tags.includes(tag.name)).length }));
        case "tags_create": {
          const input = args.input as TagInput;
          validateTag(input);
          const tag: Tag = { id: newId("tag"), name: input.name.trim(), category: input.category, color: input.color ?? "#8a8f98", is_system: false, ...record };
          tags.set(tag.id, tag);
          return tag;
        }
        case "tags_update": {
          const input = args.input as TagInput;
          const previous = tags.get(args.id as string) ?? fail("not_found", "Tag not found");
          validateTag(input, previous.id);
          const tag = { ...previous, name: input.name.trim(), category: input.category, color: input.color ?? previous.color, updated_at: stamp() };
          tags.set(tag.id, tag);
          for (const contact of contacts.values()) contact.tags = contact.tags.map((name) => (name === previous.name ? tag.name : name));
          changed([], "updated");
          return tag;
        }
        case "tags_delete": {
          const tag = tags.get(args.id as string) ?? fail("not_found", "Tag not found");
          const carrying = [...contacts.values()].filter((contact) => contact.tags.includes(tag.name)).map((contact) => contact.id);
          const saved = snapshot(carrying);
          tags.delete(tag.id);
          for (const id of carrying) add({ ...get(id), tags: get(id).tags.filter((name) => name !== tag.name) });
          changed(carrying, "updated");
          return batch(carrying.length + 1, () => {
            tags.set(tag.id, tag);
            restoreSnapshot(saved)();
          });
        }
        case "tags_tag_contacts":
        case "tags_untag_contacts": {
          const ids = args.contactIds as string[];
          const names = args.tagNames as string[];
          if (ids.length === 0) fail("validation_failed", "Some fields are invalid", [{ field: "contact_ids", message: "lists no contacts" }]);
          const saved = snapshot(ids);
          for (const id of ids) {
            const contact = get(id);
            const next = command === "tags_tag_contacts" ? [...new Set([...contact.tags, ...names])] : contact.tags.filter((name) => !names.includes(name));
            add({ ...contact, tags: next, updated_at: stamp() });
          }
          for (const name of names) if (![...tags.values()].some((tag) => tag.name === name)) { const id = newId("tag"); tags.set(id, { id, name, category: null, color: "#8a8f98", is_system: false, ...record }); }
          changed(ids, "updated");
          return batch(ids.length, restoreSnapshot(saved));
        }
        case "contacts_bulk_edit": {
          const ids = args.ids as string[];
          const edit = args.edit as BulkEdit;
          const saved = snapshot(ids);
          for (const id of ids) {
            const contact = get(id);
            add({ ...contact, lifecycle_stage: edit.lifecycle_stage ?? contact.lifecycle_stage, client_status: edit.client_status ?? contact.client_status, updated_at: stamp() });
          }
          changed(ids, "updated");
          return batch(ids.length, restoreSnapshot(saved));
        }
        case "contacts_delete_many": {
          const ids = args.ids as string[];
          const saved = snapshot(ids);
          for (const id of ids) contacts.delete(id);
          changed(ids, "deleted");
          return batch(ids.length, restoreSnapshot(saved));
        }
        case "changes_undo_batch": {
          const revert = batches.get(args.batchId as string) ?? fail("undo_unavailable", "That change can no longer be undone");
          batches.delete(args.batchId as string);
          revert();
          return { batch_id: args.batchId, undone: 1 };
        }
        case "interactions_create": {
          const input = args.input as InteractionInput;
          const interaction: Interaction = { id: newId("int"), kind: input.kind ?? "call", subject: input.subject, body: input.body, occurred_at: input.occurred_at ?? stamp(), duration_minutes: input.duration_minutes, source: "manual", source_id: null, source_metadata: null, contact_ids: input.contact_ids, ...record };
          interactions.set(interaction.id, interaction);
          return interaction;
        }
        case "interactions_delete": {
          const previous = interactions.get(args.id as string) ?? fail("not_found", "Interaction not found");
          interactions.delete(previous.id);
          return undoable("interaction", previous.id, () => interactions.set(previous.id, previous));
        }
        case "timeline_page":
          return timeline(args.contactId as string, (args.cursor as TimelineCursor | null) ?? null, args.limit as number);
        case "identities_list_for_contact": {
          const contact = get(args.contactId as string);
          return [
            ...contact.emails.map((email) => ({ identity_id: null, kind: "email", value: email.address, provider: email.address.endsWith("@gmail.com") ? "google" : "email" })),
            ...contact.phones.map((phone) => ({ identity_id: null, kind: "phone", value: phone.number, provider: "phone" })),
          ];
        }
        case "identities_list_ignored":
          return ignored;
        case "identities_ignore": {
          const pattern = (args.pattern as string).trim();
          if (!pattern.includes("@")) fail("validation_failed", "Some fields are invalid", [{ field: "pattern", message: "Use an email address or a pattern like *@example.com" }]);
          const entry: IgnoredIdentifier = { id: newId("ig"), pattern, reason: (args.reason as string | null) ?? null, is_system: false, ...record };
          ignored.push(entry);
          return entry;
        }
        case "identities_unignore": {
          const index = ignored.findIndex((entry) => entry.id === args.id);
          if (index >= 0) ignored.splice(index, 1);
          return { change_id: `ch${nextChange++}` };
        }
        case "consents_list_for_contact": {
          const history = consents.filter((entry) => entry.contact_id === args.contactId).sort((a, b) => b.recorded_at.localeCompare(a.recorded_at));
          return {
            current: consentKinds.map((kind) => {
              const latest = history.find((entry) => entry.kind === kind);
              return { kind, granted: latest?.granted ?? null, recorded_at: latest?.recorded_at ?? null };
            }),
            history,
          };
        }
        case "consents_record": {
          const input = args.input as ConsentInput;
          const entry: Consent = { id: newId("con"), contact_id: args.contactId as string, kind: input.kind, granted: input.granted, recorded_at: input.recorded_at ?? stamp(), note: input.note, ...record };
          consents.push(entry);
          return entry;
        }
        case "zones_list":
          return zones;
        case "zones_create": {
          const input = args.input as ZoneInput;
          const zone: Zone = { id: newId("z"), name: input.name, color: input.color ?? "#6b8f71", icon: input.icon, position: zones.length, ...record };
          zones.push(zone);
          return zone;
        }
        case "zones_update": {
          const index = zones.findIndex((zone) => zone.id === args.id);
          const previous = zones[index] ?? fail("not_found", "Zone not found");
          const input = args.input as ZoneInput;
          zones[index] = { ...previous, name: input.name, color: input.color ?? previous.color, icon: input.icon, updated_at: stamp() };
          return zones[index];
        }
        case "zones_delete": {
          const index = zones.findIndex((zone) => zone.id === args.id);
          const [removed] = index >= 0 ? zones.splice(index, 1) : fail("not_found", "Zone not found");
          return undoable("zone", removed.id, () => zones.splice(index, 0, removed));
        }
        case "projects_list":
          return projects;
        case "projects_create": {
          const input = args.input as ProjectInput;
          const project: Project = { id: newId("p"), name: input.name, description: input.description, zone_id: input.zone_id, status: input.status ?? "active", due_date: input.due_date, ...record };
          projects.push(project);
          return project;
        }
        case "projects_update": {
          const index = projects.findIndex((project) => project.id === args.id);
          const previous = projects[index] ?? fail("not_found", "Project not found");
          const input = args.input as ProjectInput;
          projects[index] = { ...previous, ...input, status: input.status ?? previous.status, updated_at: stamp() };
          return projects[index];
        }
        case "projects_delete": {
          const index = projects.findIndex((project) => project.id === args.id);
          const [removed] = index >= 0 ? projects.splice(index, 1) : fail("not_found", "Project not found");
          return undoable("project", removed.id, () => projects.splice(index, 0, removed));
        }
        case "goals_list":
          return goals.filter((goal) => !args.contactId || goal.contact_id === args.contactId);
        case "goals_create": {
          const input = args.input as GoalInput;
          if (input.kind === "client_wellness" && !input.contact_id) fail("validation_failed", "contact_id is required for a client goal", [{ field: "contact_id", message: "is required for a client goal" }]);
          const goal: Goal = { id: newId("g"), title: input.title, description: input.description, kind: input.kind, status: input.status ?? "on_track", contact_id: input.contact_id, target_date: input.target_date, progress: input.progress ?? 0, ...record };
          goals.push(goal);
          return goal;
        }
        case "goals_update": {
          const index = goals.findIndex((goal) => goal.id === args.id);
          const previous = goals[index] ?? fail("not_found", "Goal not found");
          const input = args.input as GoalInput;
          goals[index] = { ...previous, ...input, status: input.status ?? previous.status, progress: input.progress ?? previous.progress, updated_at: stamp() };
          return goals[index];
        }
        case "goals_delete": {
          const index = goals.findIndex((goal) => goal.id === args.id);
          const [removed] = index >= 0 ? goals.splice(index, 1) : fail("not_found", "Goal not found");
          return undoable("goal", removed.id, () => goals.splice(index, 0, removed));
        }
        case "tasks_list":
          return listTasks(args.query as TaskQuery);
        case "tasks_create": {
          const task = taskFromInput(args.input as TaskInput);
          tasks.set(task.id, task);
          return task;
        }
        case "tasks_update": {
          const previous = tasks.get(args.id as string) ?? fail("not_found", "Task not found");
          const task = taskFromInput(args.input as TaskInput, previous);
          tasks.set(task.id, task);
          return task;
        }
        case "tasks_set_status": {
          const previous = tasks.get(args.id as string) ?? fail("not_found", "Task not found");
          const status = args.status as TaskStatus;
          const task = { ...previous, status, completed_at: status === "done" ? stamp() : null, updated_at: stamp() };
          tasks.set(task.id, task);
          return { task, ...undoable("task", task.id, () => tasks.set(previous.id, previous)) };
        }
        case "tasks_subtasks":
          return [...tasks.values()].filter((task) => task.parent_task_id === args.parentId);
        case "backups_list":
          return backups;
        case "backups_create": {
          await new Promise((resolve) => setTimeout(resolve, 600));
          const created = stamp();
          const info: BackupInfo = { file_name: `omnicrm-${created.replace(/[-:.]/g, "")}-manual.sqlite3`, created_at: created, reason: "manual", size_bytes: 40_960 + contacts.size * 900, schema_version: 5, contact_count: contacts.size, error: null };
          backups.unshift(info);
          return info;
        }
        case "backups_restore": {
          const found = backups.find((entry) => entry.file_name === args.fileName) ?? fail("validation_failed", "Some fields are invalid", [{ field: "file_name", message: "No such backup" }]);
          changed([], "imported");
          return { restored_from: found.file_name, previous_saved_as: "omnicrm-before_restore.sqlite3" };
        }
        case "demo_generate": {
          const count = args.contacts as number;
          const ids: string[] = [];
          for (let index = 0; index < count; index += 1) {
            const contact = makeContact((nextId += 1), random, now);
            add(contact);
            ids.push(contact.id);
            if ((index + 1) % 20 === 0) {
              void emit("demo-progress", { done: index + 1, total: count });
              await new Promise((resolve) => setTimeout(resolve, 60));
            }
          }
          changed(ids, "imported");
          return { contacts: count, notes: 0, tags: TAGS.length };
        }
        case "imports_detect_format":
          return detect(decodeText(args.contentBase64 as string), (args.fileName as string | null) ?? null);
        case "imports_csv_preview": {
          const [headers = [], ...rows] = csvRows(decodeText(args.contentBase64 as string));
          return { headers, sample_rows: rows.slice(0, 5), suggested_mapping: { columns: headers.map((header) => ({ header, field: guessField(header) })) }, delimiter: "," };
        }
        case "imports_preview":
          return planImport(args.contentBase64 as string, args.options as ImportOptions).preview;
        case "imports_start": {
          const options = args.options as ImportOptions;
          const { preview, people } = planImport(args.contentBase64 as string, options);
          if (preview.counts.invalid > 0 && !options.accept_valid_rows) {
            fail("validation_failed", "Some fields are invalid", [{ field: "accept_valid_rows", message: `${preview.counts.invalid} records are invalid; import only the valid ones, or fix the file` }]);
          }
          const fresh = people.filter((_, index) => preview.items.filter((item) => item.action !== "invalid")[index]?.action === "create");
          const job = addJob("import.apply", options.file_name);
          // Like the real runner: picked up a moment later, progress as it goes, then done.
          void (async () => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            const ids: string[] = [];
            for (const [index, person] of fresh.entries()) {
              const contact = fromInput(`c${(nextId += 1).toString(36).padStart(6, "0")}`, { ...makeContact(nextId, random, now), display_name: person.name, emails: person.email ? [{ address: person.email, label: null, is_primary: true }] : [], source: "upload" } as unknown as ContactInput);
              add(contact);
              ids.push(contact.id);
              updateJob(job.id, { status: "running", attempts: 1, progress_done: index + 1, progress_total: fresh.length });
              await new Promise((resolve) => setTimeout(resolve, 40));
            }
            const summaryEntry: ImportSummary = { id: job.id, file_name: options.file_name, format: preview.format, undone: false, counts: preview.counts, created_at: stamp(), undone_at: null };
            imports.unshift(summaryEntry);
            importedIds.set(summaryEntry.id, ids);
            updateJob(job.id, { status: "succeeded", finished_at: stamp() });
            changed(ids, "imported");
          })();
          return job;
        }
        case "imports_get":
          return imports.find((item) => item.id === args.importId) ?? fail("not_found", "No such import");
        case "jobs_list": {
          const statuses = args.statuses as JobStatus[];
          return [...jobs.values()].filter((job) => statuses.length === 0 || statuses.includes(job.status)).slice(0, args.limit as number);
        }
        case "jobs_get":
          return jobs.get(args.id as string) ?? fail("not_found", "No such job");
        case "jobs_retry": {
          const job = jobs.get(args.id as string) ?? fail("not_found", "No such job");
          if (!["dead", "failed", "canceled"].includes(job.status)) fail("conflict", `a ${job.status} job cannot be retried`);
          const retried = updateJob(job.id, { status: "queued", attempts: 0, error: null, finished_at: null });
          setTimeout(() => updateJob(job.id, { status: "succeeded", attempts: 1, finished_at: stamp() }), 800);
          return retried;
        }
        case "jobs_cancel": {
          const job = jobs.get(args.id as string) ?? fail("not_found", "No such job");
          if (job.status === "succeeded" || job.status === "canceled") fail("conflict", "the job has already ended");
          return job.status === "running" ? updateJob(job.id, { cancel_requested: true }) : updateJob(job.id, { status: "canceled", finished_at: stamp() });
        }
        case "imports_list":
          return imports;
        case "imports_undo": {
          const entry = imports.find((item) => item.id === args.importId) ?? fail("not_found", "No such import");
          if (entry.undone) fail("undo_unavailable", "This import was already undone");
          const ids = importedIds.get(entry.id) ?? [];
          ids.forEach((id) => contacts.delete(id));
          entry.undone = true;
          entry.undone_at = stamp();
          changed(ids, "restored");
          return { batch_id: entry.id, undone: ids.length };
        }
        case "export_write": {
          const format = args.format as string;
          const extension = format === "vcard" ? "vcf" : format === "google_csv" ? "csv" : "json";
          recordAccess((args.contactId as string | null) ?? null, "exported", `${args.contactId ? "their data" : "all contacts"} as ${format === "vcard" ? "vCard" : format === "google_csv" ? "Google CSV" : "JSON"}`);
          const stem = args.contactId ? `omnicrm-client-${get(args.contactId as string).display_name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}` : format === "json" ? "omnicrm-export" : "omnicrm-contacts";
          return { path: `/home/you/Downloads/${stem}-${stamp().slice(0, 10)}.${extension}`, contacts: args.contactId ? 1 : contacts.size, bytes: contacts.size * 420 };
        }
        case "data_delete_all": {
          if ((args.confirmation as string).trim() !== "DELETE ALL MY DATA") fail("validation_failed", "Some fields are invalid", [{ field: "confirmation", message: 'must be exactly "DELETE ALL MY DATA"' }]);
          const removed = contacts.size;
          contacts.clear();
          notes.clear();
          const removedBackups = backups.length;
          backups.length = 0;
          changed([], "deleted");
          return { contacts: removed, backups: removedBackups };
        }
        case "duplicates_suggestions":
          return suggestDuplicates(args.limit as number);
        case "duplicates_dismiss": {
          const ids = [...(args.contactIds as string[])].sort();
          if (ids.length < 2) fail("validation_failed", "Some fields are invalid", [{ field: "contact_ids", message: "needs at least two contacts" }]);
          for (let first = 0; first < ids.length; first += 1) for (let second = first + 1; second < ids.length; second += 1) dismissedPairs.add(`${ids[first]}|${ids[second]}`);
          return null;
        }
        case "duplicates_merge": {
          const request = args.request as MergeRequest;
          const all = [request.survivor_id, ...request.merged_ids];
          if (request.merged_ids.length === 0) fail("validation_failed", "Some fields are invalid", [{ field: "merged_ids", message: "choose at least one contact to merge" }]);
          const saved = snapshot(all);
          const survivor = get(request.survivor_id);
          const merged = request.merged_ids.map(get);
          const next: Contact = { ...survivor, updated_at: stamp() };
          const fields = request.fields ?? {};
          for (const [field, from] of Object.entries(fields) as Array<[keyof typeof fields, string | null | undefined]>) {
            if (!from || from === survivor.id) continue;
            if (!all.includes(from)) fail("validation_failed", "Some fields are invalid", [{ field: `fields.${field}`, message: "must be one of the merged contacts" }]);
            (next as Record<string, unknown>)[field] = get(from)[field];
          }
          const emails = [...survivor.emails];
          const phones = [...survivor.phones];
          for (const other of merged) {
            for (const email of other.emails) if (!emails.some((item) => item.address.toLowerCase() === email.address.toLowerCase())) emails.push({ ...email, is_primary: false });
            for (const phone of other.phones) if (!phones.some((item) => item.number === phone.number)) phones.push({ ...phone, is_primary: false });
            next.tags = Array.from(new Set([...next.tags, ...other.tags]));
            contacts.delete(other.id);
          }
          add({ ...next, emails, phones });
          const { batch_id: batchId } = batch(all.length, () => {
            for (const other of merged) contacts.delete(other.id);
            restoreSnapshot(saved)();
          });
          changed(all, "updated");
          return { survivor: get(survivor.id), batch_id: batchId, moved: { notes: 0, interactions: 0, tasks: 0, goals: 0, identities: merged.length, consents: 0 } };
        }
        // The assistant is "off" until a key is stored; then it answers with a canned,
        // streamed reply citing the first contact.
        case "ai_status":
          return aiKeyStored
            ? { available: true, reason: null, message: null, provider: "cloud", base_url: aiSettings.base_url, models: [aiSettings.model], redacts: aiSettings.redact_cloud, privacy: "Personal data is replaced by placeholders before it is sent." }
            : { available: false, reason: "missing_api_key", message: "Add an API key in Settings → AI assistant.", provider: "cloud", base_url: aiSettings.base_url, models: [aiSettings.model], redacts: true, privacy: "" };
        case "ai_settings_get":
          return { settings: aiSettings, api_key_stored: aiKeyStored };
        case "ai_settings_save":
          aiSettings = args.settings as typeof aiSettings;
          return { settings: aiSettings, api_key_stored: aiKeyStored };
        case "ai_key_set":
          aiKeyStored = true;
          return { settings: aiSettings, api_key_stored: true };
        case "ai_key_clear":
          aiKeyStored = false;
          return { settings: aiSettings, api_key_stored: false };
        case "ai_usage": {
          const reset = new Date(Date.now() + 60_000).toISOString();
          return { minute: { limit: aiSettings.limits.requests_per_minute, used: 0, resets_at: reset }, today: { limit: aiSettings.limits.daily_cost_cap_usd, used: 0, resets_at: reset }, month: { limit: aiSettings.limits.monthly_credits_usd, used: 0, resets_at: reset }, by_model: [] };
        }
        case "ai_threads":
        case "ai_proposals_pending":
        case "ai_contact_features_stored":
          return [];
        case "ai_ask": {
          if (!aiKeyStored) fail("ai_unavailable", "Add an API key in Settings → AI assistant.");
          const first = [...contacts.values()][0];
          const text = first ? `${first.display_name} is one of your clients.` : "You have no clients yet.";
          for (const [index, word] of text.split(" ").entries()) {
            await new Promise((resolve) => setTimeout(resolve, 80));
            void emit("ai-streamed", { request_id: args.requestId, delta: (index === 0 ? "" : " ") + word, reset: false });
          }
          const threadId = (args.threadId as string | null) ?? newId("thread");
          return { thread_id: threadId, message: { id: newId("msg"), thread_id: threadId, role: "assistant", content: text, citations: first ? [{ record_type: "contact", id: first.id, title: first.display_name }] : [], model: aiSettings.model, created_at: stamp() }, proposals: [] };
        }
        case "ai_contact_feature":
        case "ai_brain_dump":
          return fail("ai_unavailable", "The development mock has no AI provider.");
        case "sync_status":
          return teamSync;
        case "sync_connect": {
          const server = String(args.server).trim().replace(/\/+$/, "");
          if (!/^https?:\/\/\S+$/.test(server)) fail("validation_failed", "server must start with http:// or https://", [{ field: "server", message: "must start with http:// or https:// (for example http://192.168.1.20:3030)" }]);
          if (String(args.token).trim() === "bad") fail("auth_required", "the team server refused this device token (it may have been revoked); ask for a new one");
          teamSync = { ...teamSync, server, workspace_id: "workspace-dev", workspace_name: "Dev team", member_name: "Dev", connected: true, pending_changes: contacts.size, last_error: null };
          teamSyncChanged(false);
          return { server, workspace_id: "workspace-dev", workspace_name: "Dev team", documents_on_server: 0, records_to_share: contacts.size };
        }
        case "sync_now": {
          teamSyncChanged(true);
          await new Promise((resolve) => setTimeout(resolve, 800));
          const sent = teamSync.pending_changes;
          teamSync = { ...teamSync, pending_changes: 0, last_synced_at: stamp(), last_error: null };
          teamSyncChanged(false);
          return { sent, received: 0, batch_id: null, pending_changes: 0, synced_at: teamSync.last_synced_at };
        }
        case "sync_disconnect":
          teamSync = { ...teamSync, server: null, workspace_id: null, workspace_name: null, member_name: null, connected: false, pending_changes: 0, last_synced_at: null, last_error: null };
          teamSyncChanged(false);
          return teamSync;
        case "sync_conflicts":
          return [];
        case "sync_resolve_conflict":
          fail("not_found", "sync conflict not found");
        case "sync_set_share_health":
          teamSync = { ...teamSync, share_health_details: Boolean(args.share) };
          teamSyncChanged(false);
          return teamSync;
        case "today_get": {
          const today = localDay();
          const shown = [...reminders.values()].filter((reminder) => !reminder.done_through && (!reminder.snoozed_until || reminder.snoozed_until <= today) && reminder.due_on <= localDay(reminder.days_ahead));
          return {
            date: today,
            meetings: [],
            due: duePeople(),
            reminders: shown.map((reminder) => ({ reminder_id: reminder.id, contact_id: reminder.contact_id, display_name: contacts.get(reminder.contact_id)?.display_name ?? "Someone", kind: reminder.yearly ? "date" : "follow_up", title: reminder.title, on: reminder.due_on, days_until: Math.round((new Date(reminder.due_on).getTime() - new Date(today).getTime()) / 86_400_000), turns: null })),
            tasks: [...listTasks({ view: "today", today, project_id: null, zone_id: null, contact_id: null }), ...listTasks({ view: "overdue", today, project_id: null, zone_id: null, contact_id: null })],
          };
        }
        case "keep_in_touch_due":
          return duePeople();
        case "keep_in_touch_get":
          return keepInTouchOf(get(args.contactId as string));
        case "keep_in_touch_set_cadence": {
          const contact = get(args.contactId as string);
          const setting = args.setting as CadenceSetting;
          return setOwn(contact.id, () => {
            if (setting.kind === "default") ownCadence.delete(contact.id);
            else ownCadence.set(contact.id, setting.kind === "none" ? null : cadenceString(setting.cadence));
          });
        }
        case "keep_in_touch_snooze": {
          const contact = get(args.contactId as string);
          return setOwn(contact.id, () => snoozedUntil.set(contact.id, (args.until as string | null) ?? null));
        }
        case "keep_in_touch_set_default": {
          const scope = args.scope as DefaultScope;
          const target = args.target as string;
          const index = kitDefaults.findIndex((entry) => entry.scope === scope && entry.target === target);
          if (index >= 0) kitDefaults.splice(index, 1);
          const cadence = args.cadence as Cadence | null;
          if (!cadence) return null;
          const entry: KeepInTouchDefault = { id: newId("kitd"), scope, target, cadence: cadenceString(cadence), ...record };
          kitDefaults.push(entry);
          return entry;
        }
        case "keep_in_touch_defaults":
          return kitDefaults;
        case "keep_in_touch_health": {
          const byStage = new Map<string, { stage: LifecycleStage | null; within: number; overdue: number; no_cadence: number }>();
          const today = localDay();
          for (const contact of [...contacts.values()].slice(0, 2000)) {
            const state = keepInTouchOf(contact);
            const key = contact.lifecycle_stage ?? "none";
            const entry = byStage.get(key) ?? { stage: contact.lifecycle_stage, within: 0, overdue: 0, no_cadence: 0 };
            if (!state.cadence) entry.no_cadence += 1;
            else if (state.due_on && state.due_on <= today) entry.overdue += 1;
            else entry.within += 1;
            byStage.set(key, entry);
          }
          const rows = [...byStage.values()];
          return { within: rows.reduce((sum, row) => sum + row.within, 0), overdue: rows.reduce((sum, row) => sum + row.overdue, 0), no_cadence: rows.reduce((sum, row) => sum + row.no_cadence, 0), by_stage: rows };
        }
        case "reminders_add": {
          const input = args.input as ReminderInput;
          if (!input.title.trim()) fail("validation_failed", "Some fields are invalid", [{ field: "title", message: "is required" }]);
          const reminder: Reminder = { id: newId("rem"), contact_id: args.contactId as string, title: input.title.trim(), due_on: input.due_on, yearly: input.yearly ?? false, days_ahead: input.days_ahead ?? 0, done_through: null, snoozed_until: null, ...record };
          reminders.set(reminder.id, reminder);
          return reminder;
        }
        case "reminders_list":
          return [...reminders.values()].filter((reminder) => args.contactId == null || reminder.contact_id === args.contactId);
        case "reminders_done":
        case "reminders_snooze": {
          const previous = reminders.get(args.id as string) ?? fail("not_found", "Reminder not found");
          const reminder = command === "reminders_done" ? { ...previous, done_through: previous.due_on } : { ...previous, snoozed_until: args.until as string };
          reminders.set(reminder.id, reminder);
          return { reminder, ...undoable("reminder", reminder.id, () => reminders.set(previous.id, previous)) };
        }
        case "reminders_delete": {
          const previous = reminders.get(args.id as string) ?? fail("not_found", "Reminder not found");
          reminders.delete(previous.id);
          return undoable("reminder", previous.id, () => reminders.set(previous.id, previous));
        }
        case "access_log_list": {
          const limit = args.limit as number;
          if (!Number.isInteger(limit) || limit < 1 || limit > 1000) fail("validation_failed", "Some fields are invalid", [{ field: "limit", message: "must be between 1 and 1000" }]);
          const contactId = (args.contactId as string | null) ?? null;
          return accessLog
            .filter((entry) => contactId === null || entry.contact_id === contactId)
            .sort((a, b) => b.occurred_at.localeCompare(a.occurred_at))
            .slice(0, limit)
            .map((entry) => ({ ...entry, contact_name: entry.contact_id ? (contacts.get(entry.contact_id)?.display_name ?? null) : null }));
        }
        case "access_log_retention":
          return accessRetentionDays;
        case "access_log_set_retention": {
          const days = args.days as number;
          if (!Number.isInteger(days) || days < 30 || days > 36_500) fail("validation_failed", "Some fields are invalid", [{ field: "retention_days", message: "must be between 30 days and 100 years" }]);
          accessRetentionDays = days;
          const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
          for (let index = accessLog.length - 1; index >= 0; index -= 1) if (accessLog[index].occurred_at < cutoff) accessLog.splice(index, 1);
          return days;
        }
        case "app_info":
          return { version: "0.1.0-dev", data_dir: "/tmp/omnicrm", schema_version: 1 };
        default:
          return fail("internal", `Unknown command ${command}`);
      }
    },
    { shouldMockEvents: true },
  );
}
