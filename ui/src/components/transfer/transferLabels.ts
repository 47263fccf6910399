import type { AppError, ImportAction, ImportField, ImportFormat } from "../../api";

export const IMPORT_FORMAT_LABELS: Record<ImportFormat, string> = {
  vcard: "vCard (.vcf)",
  google_csv: "Google Contacts CSV",
  outlook_csv: "Outlook CSV",
  csv: "Other CSV (map the columns)",
  json: "OmniCRM export (.json)",
};

export const IMPORT_ACTION_LABELS: Record<ImportAction, string> = {
  create: "New",
  update: "Update",
  merge: "Combine",
  kept_apart: "New, possible duplicate",
  skip: "Already there",
  invalid: "Invalid",
};

export const IMPORT_FIELD_LABELS: Record<ImportField, string> = {
  ignore: "Don't import",
  display_name: "Full name",
  given_name: "First name",
  family_name: "Last name",
  organization: "Organization",
  title: "Job title",
  email: "Email",
  phone: "Phone",
  street: "Street",
  city: "City",
  region: "Region / state",
  postal_code: "Postal code",
  country: "Country",
  birthday: "Birthday",
  note: "Note",
  categories: "Tags",
  url: "Website",
};

/** An error's message followed by each field problem, e.g. "file: line 14: …". */
export function errorLines(error: AppError): string[] {
  const fields = error.details?.fields ?? [];
  return fields.length > 0 ? fields.map((field) => `${field.field}: ${field.message}`) : [];
}
