import { useEffect, useMemo, useState } from "react";
import { api, isApiError, toAppError, type Contact, type FieldError, type MergeFieldChoices, type MergeOutcome } from "../../api";
import { formatBirthday } from "../../lib/birthday";
import { humanizeKey } from "../../lib/format";
import { STATUS_LABELS, stageLabel } from "../../lib/labels";
import { Button } from "../Button";
import { Overlay } from "../Overlay";

/** A row of the dialog: one or more `MergeFieldChoices` keys chosen together. */
type FieldRow = {
  key: string;
  label: string;
  fields: Array<keyof MergeFieldChoices>;
  show: (contact: Contact) => string;
};

function text(value: string | null | undefined): string {
  return value?.trim() ? value.trim() : "";
}

export const MERGE_FIELD_ROWS: FieldRow[] = [
  { key: "display_name", label: "Display name", fields: ["display_name"], show: (c) => text(c.display_name) },
  { key: "organization", label: "Organization", fields: ["organization"], show: (c) => text(c.organization) },
  {
    key: "address",
    label: "Address",
    fields: ["address"],
    show: (c) =>
      c.address
        ? [c.address.street, c.address.city, c.address.region, c.address.postal_code, c.address.country]
            .filter((part) => part && part.trim())
            .join(", ")
        : "",
  },
  { key: "date_of_birth", label: "Birthday", fields: ["date_of_birth"], show: (c) => (c.date_of_birth ? formatBirthday(c.date_of_birth) : "") },
  {
    key: "lifecycle_stage",
    label: "Stage",
    fields: ["lifecycle_stage"],
    show: (c) => (c.lifecycle_stage ? stageLabel(c.lifecycle_stage) : ""),
  },
  {
    key: "client_status",
    label: "Status",
    fields: ["client_status"],
    show: (c) => (c.client_status ? STATUS_LABELS[c.client_status] : ""),
  },
  { key: "referral_source", label: "Referral source", fields: ["referral_source"], show: (c) => text(c.referral_source) },
  {
    key: "emergency_contact",
    label: "Emergency contact",
    fields: ["emergency_contact_name", "emergency_contact_phone"],
    show: (c) => [text(c.emergency_contact_name), text(c.emergency_contact_phone)].filter(Boolean).join(" · "),
  },
];

const KEPT_NOTE =
  "Emails, phones, tags, notes, interactions, tasks, goals and consents from all contacts are kept on the surviving contact.";

type MergeDialogProps = {
  contactIds: string[];
  onClose: () => void;
  onMerged: (outcome: MergeOutcome) => void;
};

/** Choose the surviving contact and, for each differing field, whose value to keep. */
export function MergeDialog({ contactIds, onClose, onMerged }: MergeDialogProps) {
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [survivorId, setSurvivorId] = useState(contactIds[0] ?? "");
  const [choices, setChoices] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);

  useEffect(() => {
    let active = true;
    Promise.all(contactIds.map((id) => api.getContact(id))).then(
      (loaded) => {
        if (active) setContacts(loaded);
      },
      (failure: unknown) => {
        if (active) setLoadError(toAppError(failure).message);
      },
    );
    return () => {
      active = false;
    };
  }, [contactIds]);

  const differing = useMemo(() => {
    if (!contacts) return [];
    return MERGE_FIELD_ROWS.filter((row) => new Set(contacts.map((contact) => row.show(contact))).size > 1);
  }, [contacts]);

  const chosenFor = (row: FieldRow) => choices[row.key] ?? survivorId;

  const errorsFor = (row: FieldRow) =>
    fieldErrors.filter((item) =>
      [row.key, ...row.fields].some((name) => item.field === name || item.field === `fields.${name}`),
    );
  const otherErrors = fieldErrors.filter((item) => !MERGE_FIELD_ROWS.some((row) => errorsFor(row).includes(item)));

  const merge = async () => {
    setBusy(true);
    setError(null);
    setFieldErrors([]);
    const fields: MergeFieldChoices = {};
    for (const row of differing) {
      const chosen = chosenFor(row);
      if (chosen !== survivorId) for (const name of row.fields) fields[name] = chosen;
    }
    try {
      const outcome = await api.mergeDuplicates({
        survivor_id: survivorId,
        merged_ids: contactIds.filter((id) => id !== survivorId),
        fields,
      });
      onMerged(outcome);
    } catch (failure) {
      const appError = toAppError(failure);
      setError(appError.message);
      setFieldErrors(isApiError(failure) ? failure.fields : (appError.details?.fields ?? []));
    } finally {
      setBusy(false);
    }
  };

  const nameOf = (id: string) => contacts?.find((contact) => contact.id === id)?.display_name ?? id;

  return (
    <Overlay
      open
      onClose={onClose}
      title="Merge contacts"
      size="lg"
      testId="merge-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" busy={busy} disabled={!contacts} onClick={merge} data-testid="merge-confirm">
            Merge {contactIds.length} contacts
          </Button>
        </>
      }
    >
      {loadError ? (
        <p className="field-error" role="alert">
          {loadError}
        </p>
      ) : !contacts ? (
        <p className="muted" aria-busy="true">
          Loading contacts…
        </p>
      ) : (
        <div className="merge-dialog">
          <fieldset className="merge-dialog__survivor">
            <legend className="section-title">Keep this contact</legend>
            {contacts.map((contact) => (
              <label key={contact.id} className="merge-dialog__option">
                <input
                  type="radio"
                  name="merge-survivor"
                  value={contact.id}
                  checked={survivorId === contact.id}
                  onChange={() => setSurvivorId(contact.id)}
                  data-testid={`merge-survivor-${contact.id}`}
                />
                <span>
                  {contact.display_name}
                  {contact.emails[0] ? <span className="muted"> · {contact.emails[0].address}</span> : null}
                </span>
              </label>
            ))}
          </fieldset>

          {differing.length === 0 ? (
            <p className="muted">These contacts have the same details.</p>
          ) : (
            differing.map((row) => {
              const rowErrors = errorsFor(row);
              return (
                <fieldset key={row.key} className="merge-dialog__field" data-testid={`merge-field-${row.key}`}>
                  <legend>{row.label}</legend>
                  {contacts.map((contact) => (
                    <label key={contact.id} className="merge-dialog__option">
                      <input
                        type="radio"
                        name={`merge-field-${row.key}`}
                        value={contact.id}
                        checked={chosenFor(row) === contact.id}
                        onChange={() => setChoices((current) => ({ ...current, [row.key]: contact.id }))}
                        data-testid={`merge-field-${row.key}-${contact.id}`}
                      />
                      <span>{row.show(contact) || <span className="muted">(empty)</span>}</span>
                    </label>
                  ))}
                  {rowErrors.map((item) => (
                    <p key={item.field} className="field-error" role="alert" data-testid={`field-error-${item.field}`}>
                      {item.message}
                    </p>
                  ))}
                </fieldset>
              );
            })
          )}

          <p className="muted merge-dialog__kept">{KEPT_NOTE}</p>
          <p className="muted">
            {contactIds
              .filter((id) => id !== survivorId)
              .map(nameOf)
              .join(", ")}{" "}
            will be merged into {nameOf(survivorId)}. You can undo this right after.
          </p>
          {otherErrors.map((item) => (
            <p key={item.field} className="field-error" role="alert" data-testid={`field-error-${item.field}`}>
              {humanizeKey(item.field)}: {item.message}
            </p>
          ))}
          {error && fieldErrors.length === 0 ? (
            <p className="field-error" role="alert" data-testid="merge-error">
              {error}
            </p>
          ) : null}
        </div>
      )}
    </Overlay>
  );
}
