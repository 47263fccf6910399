// The contact form's state, its conversion to/from the API types, and the placement of
// server field errors (paths such as "emails[0].address") next to the right input.
// Pure functions only, so the mapping can be unit-tested.

import type {
  ClientStatus,
  Contact,
  ContactInput,
  ContactSource,
  FieldError,
  JsonValue,
  LifecycleStage,
} from "../api";
import { birthdayProblem } from "./birthday";

/** One email or phone entry; `value` is the address or the number. */
export type ContactPointRow = { key: string; value: string; label: string; isPrimary: boolean };
/** One entry of a key/value editor. `original` keeps a non-string JSON value intact. */
export type KeyValueRow = { key: string; name: string; value: string; original?: JsonValue };

export type AddressFields = {
  street: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
};

export type ContactFormState = {
  displayName: string;
  organization: string;
  emails: ContactPointRow[];
  phones: ContactPointRow[];
  dateOfBirth: string;
  address: AddressFields;
  lifecycleStage: LifecycleStage | "";
  clientStatus: ClientStatus | "";
  source: ContactSource | "";
  referralSource: string;
  emergencyContactName: string;
  emergencyContactPhone: string;
  tags: string[];
  photo: string | null;
  healthContext: KeyValueRow[];
  preferences: KeyValueRow[];
};

export const MAX_PHOTO_BYTES = 1024 * 1024;
export const ACCEPTED_PHOTO_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];

let rowCounter = 0;
export function newRowKey(prefix = "row"): string {
  rowCounter += 1;
  return `${prefix}-${rowCounter}`;
}

export function blankEmailRow(isPrimary = false): ContactPointRow {
  return { key: newRowKey("email"), value: "", label: "", isPrimary };
}

export function blankPhoneRow(isPrimary = false): ContactPointRow {
  return { key: newRowKey("phone"), value: "", label: "", isPrimary };
}

export function blankKeyValueRow(): KeyValueRow {
  return { key: newRowKey("kv"), name: "", value: "" };
}

export function emptyFormState(): ContactFormState {
  return {
    displayName: "",
    organization: "",
    emails: [blankEmailRow(true)],
    phones: [blankPhoneRow(true)],
    dateOfBirth: "",
    address: { street: "", city: "", region: "", postalCode: "", country: "" },
    lifecycleStage: "",
    clientStatus: "active",
    source: "manual",
    referralSource: "",
    emergencyContactName: "",
    emergencyContactPhone: "",
    tags: [],
    photo: null,
    healthContext: [],
    preferences: [],
  };
}

function jsonToText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function jsonObjectToRows(value: JsonValue): KeyValueRow[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).map(([name, entry]) => {
    const row: KeyValueRow = { key: newRowKey("kv"), name, value: jsonToText(entry) };
    if (typeof entry !== "string") row.original = entry;
    return row;
  });
}

/** Rows with a name become object entries (later duplicates win); no rows gives null. */
export function rowsToJsonObject(rows: KeyValueRow[]): JsonValue {
  const result: { [key: string]: JsonValue } = {};
  let count = 0;
  for (const row of rows) {
    const name = row.name.trim();
    if (name.length === 0) continue;
    const keepOriginal = row.original !== undefined && row.value === jsonToText(row.original);
    result[name] = keepOriginal ? (row.original as JsonValue) : row.value;
    count += 1;
  }
  return count === 0 ? null : result;
}

export function formStateFromContact(contact: Contact): ContactFormState {
  const emails: ContactPointRow[] = contact.emails.map((email) => ({
    key: newRowKey("email"),
    value: email.address,
    label: email.label ?? "",
    isPrimary: email.is_primary,
  }));
  const phones: ContactPointRow[] = contact.phones.map((phone) => ({
    key: newRowKey("phone"),
    value: phone.number,
    label: phone.label ?? "",
    isPrimary: phone.is_primary,
  }));
  return {
    displayName: contact.display_name,
    organization: contact.organization ?? "",
    emails: emails.length > 0 ? emails : [blankEmailRow(true)],
    phones: phones.length > 0 ? phones : [blankPhoneRow(true)],
    dateOfBirth: contact.date_of_birth ?? "",
    address: {
      street: contact.address?.street ?? "",
      city: contact.address?.city ?? "",
      region: contact.address?.region ?? "",
      postalCode: contact.address?.postal_code ?? "",
      country: contact.address?.country ?? "",
    },
    lifecycleStage: contact.lifecycle_stage ?? "",
    clientStatus: contact.client_status,
    source: contact.source,
    referralSource: contact.referral_source ?? "",
    emergencyContactName: contact.emergency_contact_name ?? "",
    emergencyContactPhone: contact.emergency_contact_phone ?? "",
    tags: [...contact.tags],
    photo: contact.photo,
    healthContext: jsonObjectToRows(contact.health_context),
    preferences: jsonObjectToRows(contact.preferences),
  };
}

function optionalText(value: string): string | null {
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : null;
}

/** What is sent, plus which form row each submitted email/phone came from. */
export type Submission = {
  input: ContactInput;
  /** emailRowKeys[i] is the form row submitted as emails[i]. */
  emailRowKeys: string[];
  phoneRowKeys: string[];
};

/**
 * Builds the ContactInput. Blank email/phone rows are left out (so indexes in server
 * errors refer to the submitted arrays, see Submission); if no kept row is marked
 * primary, the first one becomes primary. No other client-side validation: the
 * server's field errors are the source of truth.
 */
export function buildSubmission(state: ContactFormState): Submission {
  const keptEmails = state.emails.filter((row) => row.value.trim().length > 0);
  const keptPhones = state.phones.filter((row) => row.value.trim().length > 0);
  const emailHasPrimary = keptEmails.some((row) => row.isPrimary);
  const phoneHasPrimary = keptPhones.some((row) => row.isPrimary);

  const address = {
    street: optionalText(state.address.street),
    city: optionalText(state.address.city),
    region: optionalText(state.address.region),
    postal_code: optionalText(state.address.postalCode),
    country: optionalText(state.address.country),
  };
  const hasAddress = Object.values(address).some((value) => value !== null);

  const input: ContactInput = {
    display_name: state.displayName.trim(),
    organization: optionalText(state.organization),
    emails: keptEmails.map((row, index) => ({
      address: row.value.trim(),
      label: optionalText(row.label),
      is_primary: emailHasPrimary ? row.isPrimary : index === 0,
    })),
    phones: keptPhones.map((row, index) => ({
      number: row.value.trim(),
      label: optionalText(row.label),
      is_primary: phoneHasPrimary ? row.isPrimary : index === 0,
    })),
    address: hasAddress ? address : null,
    date_of_birth: optionalText(state.dateOfBirth),
    photo: state.photo,
    lifecycle_stage: state.lifecycleStage === "" ? null : state.lifecycleStage,
    client_status: state.clientStatus === "" ? null : state.clientStatus,
    source: state.source === "" ? null : state.source,
    referral_source: optionalText(state.referralSource),
    emergency_contact_name: optionalText(state.emergencyContactName),
    emergency_contact_phone: optionalText(state.emergencyContactPhone),
    health_context: rowsToJsonObject(state.healthContext),
    preferences: rowsToJsonObject(state.preferences),
    tags: [...state.tags],
  };

  return {
    input,
    emailRowKeys: keptEmails.map((row) => row.key),
    phoneRowKeys: keptPhones.map((row) => row.key),
  };
}

/** Client-side checks that are allowed before submitting (only the required name). */
export function clientSideErrors(state: ContactFormState, today: Date = new Date()): FieldError[] {
  const errors: FieldError[] = [];
  if (state.displayName.trim().length === 0) {
    errors.push({ field: "display_name", message: "Please enter a name." });
  }
  const birthday = birthdayProblem(state.dateOfBirth, today);
  if (birthday) errors.push({ field: "date_of_birth", message: birthday });
  return errors;
}

// ---- Error placement --------------------------------------------------------------

/** Targets of inputs that are not inside a repeated row. */
export const SIMPLE_TARGETS = [
  "display_name",
  "organization",
  "date_of_birth",
  "lifecycle_stage",
  "client_status",
  "source",
  "referral_source",
  "emergency_contact_name",
  "emergency_contact_phone",
  "photo",
  "tags",
  "emails",
  "phones",
  "address",
  "address.street",
  "address.city",
  "address.region",
  "address.postal_code",
  "address.country",
  "health_context",
  "preferences",
] as const;

export type PlacedError = FieldError & {
  /** Where it is shown: a simple target, or "email:<rowKey>:address|label", "phone:<rowKey>:number|label". */
  target: string;
  /** For "tags[i]": the chip index. */
  tagIndex?: number;
};

export function emailTarget(rowKey: string, part: "address" | "label"): string {
  return `email:${rowKey}:${part}`;
}

export function phoneTarget(rowKey: string, part: "number" | "label"): string {
  return `phone:${rowKey}:${part}`;
}

const INDEXED_PATH = /^(emails|phones|tags)\[(\d+)\](?:\.(\w+))?$/;

/** Where a server field error belongs in the form, or "general" if nowhere specific. */
export function targetForField(
  field: string,
  submission: Pick<Submission, "emailRowKeys" | "phoneRowKeys">,
): { target: string; tagIndex?: number } {
  if ((SIMPLE_TARGETS as readonly string[]).includes(field)) return { target: field };

  const indexed = INDEXED_PATH.exec(field);
  if (indexed) {
    const [, collection, indexText, part] = indexed;
    const index = Number(indexText);
    if (collection === "tags") return { target: "tags", tagIndex: index };
    if (collection === "emails") {
      const rowKey = submission.emailRowKeys[index];
      if (!rowKey) return { target: "emails" };
      return { target: emailTarget(rowKey, part === "label" ? "label" : "address") };
    }
    const rowKey = submission.phoneRowKeys[index];
    if (!rowKey) return { target: "phones" };
    return { target: phoneTarget(rowKey, part === "label" ? "label" : "number") };
  }

  if (field.startsWith("address.")) return { target: "address" };
  if (field.startsWith("health_context")) return { target: "health_context" };
  if (field.startsWith("preferences")) return { target: "preferences" };
  return { target: "general" };
}

export function placeFieldErrors(
  fields: FieldError[],
  submission: Pick<Submission, "emailRowKeys" | "phoneRowKeys">,
): PlacedError[] {
  return fields.map((error) => ({ ...error, ...targetForField(error.field, submission) }));
}

export function errorsFor(errors: PlacedError[], target: string): PlacedError[] {
  return errors.filter((error) => error.target === target);
}

/** A DOM id for an error element; unique per field path and position. */
export function errorElementId(field: string, position = 0): string {
  const safe = field.replace(/[^A-Za-z0-9_-]/g, "-");
  return position === 0 ? `field-error-id-${safe}` : `field-error-id-${safe}-${position}`;
}
