import { useEffect, useMemo, useState, type ReactNode } from "react";
import { api, type ChangeReceipt, type Contact, type JsonValue, type Note } from "../../api";
import { formatDateTime, humanizeKey } from "../../lib/format";
import { formatBirthday } from "../../lib/birthday";
import { SOURCE_LABELS } from "../../lib/labels";
import { formatPhone } from "../../lib/phone";
import { Avatar } from "../Avatar";
import { Button } from "../Button";
import { EmptyState } from "../EmptyState";
import { Icon } from "../Icon";
import { DiscardChangesDialog } from "../DiscardChangesDialog";
import { Overlay } from "../Overlay";
import { StagePill, StatusBadge, TagList } from "../StagePill";
import { useToasts } from "../Toasts";
import { GoalsPanel } from "../productivity/GoalsPanel";
import { AccessLogPanel } from "./AccessLogPanel";
import { AiInsightsPanel } from "./AiInsightsPanel";
import { ConsentsPanel } from "./ConsentsPanel";
import { ContactTimeline } from "./ContactTimeline";
import { IdentitiesList } from "./IdentitiesList";
import { InteractionForm } from "./InteractionForm";
import { KeepInTouchPanel } from "./KeepInTouchPanel";
import { NoteEditor } from "./NoteEditor";
import { SyncConflictsNotice } from "./SyncConflictsNotice";

type ContactDetailProps = {
  contactId: string | null;
  /** Bumped by the page when the contact may have changed (saved, contacts-changed). */
  refreshToken: number;
  onClose: () => void;
  onEdit: (contact: Contact) => void;
  onDeleted: (receipt: ChangeReceipt, contact: Contact) => void;
};

type LoadState =
  | { status: "loading" }
  | { status: "ready"; contact: Contact; notes: Note[] | null }
  | { status: "error"; message: string };

export function ContactDetail({ contactId, refreshToken, onClose, onEdit, onDeleted }: ContactDetailProps) {
  const { showError, showToast } = useToasts();
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [deleting, setDeleting] = useState(false);
  const [exporting, setExporting] = useState(false);
  // Bumped when a note or interaction was added here, to reload notes and the timeline.
  const [activity, setActivity] = useState(0);
  // A note or a logged call typed and not saved yet: closing the contact asks first.
  const [draftDirty, setDraftDirty] = useState(false);
  // Bumped when this page exported the client's data, so an open access log shows the export.
  const [disclosures, setDisclosures] = useState(0);
  const [confirmingClose, setConfirmingClose] = useState(false);
  const requestClose = () => {
    if (draftDirty) setConfirmingClose(true);
    else onClose();
  };

  useEffect(() => {
    if (!contactId) return;
    let current = true;
    setState((previous) =>
      previous.status === "ready" && previous.contact.id === contactId ? previous : { status: "loading" },
    );
    Promise.all([
      api.getContact(contactId),
      api.listNotes(contactId).catch((error: unknown) => {
        if (current) showError(error, "Could not load notes");
        return null;
      }),
    ]).then(
      ([contact, notes]) => {
        if (current) setState({ status: "ready", contact, notes });
      },
      (error: unknown) => {
        if (!current) return;
        showError(error);
        setState({ status: "error", message: error instanceof Error ? error.message : "Could not load this contact." });
      },
    );
    return () => {
      current = false;
    };
  }, [contactId, refreshToken, activity, showError]);

  const remove = async (contact: Contact) => {
    setDeleting(true);
    try {
      const receipt = await api.deleteContact(contact.id);
      onDeleted(receipt, contact);
    } catch (error) {
      showError(error, "Could not delete contact");
    } finally {
      setDeleting(false);
    }
  };

  const exportClient = async (contact: Contact) => {
    setExporting(true);
    try {
      const summary = await api.exportWrite("json", contact.id);
      showToast({ tone: "success", message: `${contact.display_name}'s data was exported to ${summary.path}. The file is not encrypted: keep it somewhere safe.` });
      setDisclosures((count) => count + 1);
    } catch (error) {
      showError(error, "Could not export this client's data");
    } finally {
      setExporting(false);
    }
  };

  const contact = state.status === "ready" ? state.contact : null;

  return (
    <>
      <Overlay
        open={contactId !== null}
        onClose={requestClose}
        variant="sheet"
        size="md"
        title={contact ? "Contact" : "Contact details"}
        testId="contact-detail"
        headerActions={
          contact ? (
            <>
              <Button
                size="sm"
                variant="ghost"
                icon="upload"
                busy={exporting}
                onClick={() => exportClient(contact)}
                title="Everything about this client as JSON, for a data subject request"
                data-testid="contact-export-button"
              >
                Export this client's data
              </Button>
              <Button size="sm" icon="edit" onClick={() => onEdit(contact)} data-testid="contact-edit-button">
                Edit
              </Button>
              <Button
                size="sm"
                variant="danger-ghost"
                icon="trash"
                busy={deleting}
                onClick={() => remove(contact)}
                data-testid="contact-delete-button"
              >
                Delete
              </Button>
            </>
          ) : null
        }
      >
        {state.status === "loading" ? (
          <div className="detail-loading" aria-busy="true">
            <span className="skeleton skeleton--avatar" />
            <span className="skeleton skeleton--title" />
            <span className="skeleton skeleton--text" />
          </div>
        ) : state.status === "error" ? (
          <EmptyState icon="alert" title="This contact could not be loaded">
            <p>{state.message}</p>
          </EmptyState>
        ) : (
          <ContactDetailBody
            contact={state.contact}
            notes={state.notes}
            activityToken={refreshToken + activity}
            disclosureToken={disclosures}
            onActivity={() => setActivity((count) => count + 1)}
            onDraftChange={setDraftDirty}
          />
        )}
      </Overlay>
      <DiscardChangesDialog
        open={confirmingClose}
        onKeepEditing={() => setConfirmingClose(false)}
        onDiscard={() => {
          setConfirmingClose(false);
          setDraftDirty(false);
          onClose();
        }}
      />
    </>
  );
}

type ContactDetailBodyProps = {
  contact: Contact;
  notes: Note[] | null;
  activityToken: number;
  /** Bumped when this page disclosed the client's data (an export). */
  disclosureToken: number;
  onActivity: () => void;
  /** Whether the note or call being written holds unsaved text. */
  onDraftChange: (dirty: boolean) => void;
};

function ContactDetailBody({ contact, notes, activityToken, disclosureToken, onActivity, onDraftChange }: ContactDetailBodyProps) {
  const [composer, setComposer] = useState<"note" | "interaction">("note");
  const notesById = useMemo(() => new Map((notes ?? []).map((note) => [note.id, note])), [notes]);
  const address = contact.address;
  const addressLines = address
    ? [address.street, [address.postal_code, address.city].filter(Boolean).join(" "), address.region, address.country].filter(
        (line): line is string => Boolean(line && line.trim()),
      )
    : [];

  return (
    <div className="detail">
      <div className="detail__hero">
        <Avatar name={contact.display_name} photo={contact.photo} size="xl" />
        <div className="detail__identity">
          <h3 className="detail__name" data-testid="contact-detail-name">
            {contact.display_name}
          </h3>
          {contact.organization ? (
            <p className="detail__organization" data-testid="contact-detail-organization">
              {contact.organization}
            </p>
          ) : null}
          <div className="detail__badges">
            <StagePill stage={contact.lifecycle_stage} />
            <StatusBadge status={contact.client_status} />
          </div>
        </div>
      </div>

      <SyncConflictsNotice recordId={contact.id} refreshToken={activityToken} onSettled={onActivity} />

      <DetailSection title="Keep in touch">
        <KeepInTouchPanel contactId={contact.id} displayName={contact.display_name} refreshToken={activityToken} />
      </DetailSection>

      <DetailSection title="Contact">
        <dl className="detail-list">
          <DetailItem label={contact.emails.length > 1 ? "Emails" : "Email"}>
            {contact.emails.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              <ul className="detail-entries">
                {contact.emails.map((email, index) => (
                  <li key={`${email.address}-${index}`}>
                    <Icon name="mail" size={15} className="muted" />
                    <span className="detail-entries__value">{email.address}</span>
                    {email.label ? <span className="detail-entries__label">{email.label}</span> : null}
                    {email.is_primary ? <span className="badge">Primary</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </DetailItem>
          <DetailItem label={contact.phones.length > 1 ? "Phones" : "Phone"}>
            {contact.phones.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              <ul className="detail-entries">
                {contact.phones.map((phone, index) => (
                  <li key={`${phone.number}-${index}`}>
                    <Icon name="phone" size={15} className="muted" />
                    <span className="detail-entries__value tabular">{formatPhone(phone.number)}</span>
                    {phone.label ? <span className="detail-entries__label">{phone.label}</span> : null}
                    {phone.is_primary ? <span className="badge">Primary</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </DetailItem>
          <DetailItem label="Address">
            {addressLines.length > 0 ? (
              <address className="detail-address">
                {addressLines.map((line) => (
                  <span key={line}>{line}</span>
                ))}
              </address>
            ) : (
              <span className="muted">None</span>
            )}
          </DetailItem>
          <DetailItem label="Date of birth">{contact.date_of_birth ? formatBirthday(contact.date_of_birth) : <span className="muted">—</span>}</DetailItem>
        </dl>
      </DetailSection>

      <DetailSection title="Relationship">
        <dl className="detail-list">
          <DetailItem label="Source">{SOURCE_LABELS[contact.source]}</DetailItem>
          <DetailItem label="Referred by">{contact.referral_source ?? <span className="muted">—</span>}</DetailItem>
          <DetailItem label="Emergency contact">
            {contact.emergency_contact_name || contact.emergency_contact_phone ? (
              <span className="detail-stack">
                {contact.emergency_contact_name ? <span>{contact.emergency_contact_name}</span> : null}
                {contact.emergency_contact_phone ? <span className="tabular muted">{formatPhone(contact.emergency_contact_phone)}</span> : null}
              </span>
            ) : (
              <span className="muted">—</span>
            )}
          </DetailItem>
          <DetailItem label="Tags">
            {contact.tags.length > 0 ? <TagList tags={contact.tags} /> : <span className="muted">No tags</span>}
          </DetailItem>
        </dl>
      </DetailSection>

      <DetailSection title="Health context">
        <JsonObjectList value={contact.health_context} emptyText="Nothing recorded." />
      </DetailSection>

      <DetailSection title="Preferences">
        <JsonObjectList value={contact.preferences} emptyText="Nothing recorded." />
      </DetailSection>

      <DetailSection title="AI insights">
        <AiInsightsPanel contactId={contact.id} />
      </DetailSection>

      <DetailSection title="Add to the history">
        <div className="segmented" role="tablist" aria-label="What to add">
          <button
            type="button"
            role="tab"
            aria-selected={composer === "note"}
            className={composer === "note" ? "segmented__option is-active" : "segmented__option"}
            onClick={() => setComposer("note")}
            data-testid="composer-note-tab"
          >
            Write a note
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={composer === "interaction"}
            className={composer === "interaction" ? "segmented__option is-active" : "segmented__option"}
            onClick={() => setComposer("interaction")}
            data-testid="composer-interaction-tab"
          >
            Log a call or meeting
          </button>
        </div>
        <div role="tabpanel">
          {composer === "note" ? (
            <NoteEditor contactId={contact.id} onSaved={onActivity} onDirtyChange={onDraftChange} />
          ) : (
            <InteractionForm contactId={contact.id} onSaved={onActivity} onDirtyChange={onDraftChange} />
          )}
        </div>
      </DetailSection>

      <DetailSection title="Timeline">
        {notes === null ? <p className="muted">Notes are unavailable right now.</p> : null}
        <ContactTimeline contactId={contact.id} reloadToken={activityToken} notesById={notesById} />
      </DetailSection>

      <DetailSection title="Goals">
        <GoalsPanel contactId={contact.id} />
      </DetailSection>

      <DetailSection title="Consents">
        <ConsentsPanel contactId={contact.id} />
      </DetailSection>

      <DetailSection title="Identities">
        <IdentitiesList contactId={contact.id} refreshToken={activityToken} />
      </DetailSection>

      <DetailSection title="Who has seen this client's data">
        <AccessLogPanel contactId={contact.id} refreshToken={activityToken + disclosureToken} />
      </DetailSection>

      <p className="detail__timestamps">
        Created {formatDateTime(contact.created_at)} · Updated {formatDateTime(contact.updated_at)}
      </p>
    </div>
  );
}

function DetailSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="detail-section">
      <h4 className="detail-section__title">{title}</h4>
      {children}
    </section>
  );
}

function DetailItem({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="detail-list__item">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function describeJson(value: JsonValue): string {
  if (value === null) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(describeJson).join(", ");
  return JSON.stringify(value);
}

function JsonObjectList({ value, emptyText }: { value: JsonValue; emptyText: string }) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return value === null ? <p className="muted">{emptyText}</p> : <p>{describeJson(value)}</p>;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return <p className="muted">{emptyText}</p>;
  return (
    <dl className="detail-list detail-list--compact">
      {entries.map(([key, entry]) => (
        <DetailItem key={key} label={humanizeKey(key)}>
          {describeJson(entry)}
        </DetailItem>
      ))}
    </dl>
  );
}
