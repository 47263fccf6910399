// DEVELOPMENT ONLY: an in-memory stand-in for the Rust commands, so the UI can be run
// in a plain browser with `npm run dev` (no Tauri shell). main.tsx loads it only when
// import.meta.env.DEV is true and no Tauri runtime is present, so it is never part of
// the production bundle. Open http://localhost:1420/?mock=100000 to try 100k contacts,
// or ?mock=0 for the empty state.

import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  AppError,
  Contact,
  ContactInput,
  ContactListQuery,
  ContactSummary,
  Dashboard,
  FieldError,
  LifecycleStage,
  Note,
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
      { id: "n1", contact_id: firstId, body: "Intake call. Prefers morning sessions; lower back tension.", created_at: new Date(now - 86_400_000 * 3).toISOString(), updated_at: new Date(now).toISOString(), deleted_at: null },
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

  mockIPC(
    async (command, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 30));
      switch (command) {
        case "contacts_list":
          return list(args.query as ContactListQuery);
        case "contacts_get":
          return get(args.id as string);
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
        case "app_info":
          return { version: "0.1.0-dev", data_dir: "/tmp/omnicrm", schema_version: 1 };
        default:
          return fail("internal", `Unknown command ${command}`);
      }
    },
    { shouldMockEvents: true },
  );
}
