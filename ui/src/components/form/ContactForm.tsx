import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type RefObject } from "react";
import { api, toAppError, type Contact, type FieldError } from "../../api";
import {
  blankEmailRow,
  blankPhoneRow,
  buildSubmission,
  clientSideErrors,
  emailTarget,
  emptyFormState,
  formStateFromContact,
  phoneTarget,
  placeFieldErrors,
  type ContactFormState,
  type ContactPointRow,
  type PlacedError,
  type Submission,
} from "../../lib/contactFormModel";
import {
  CLIENT_STATUSES,
  CONTACT_SOURCES,
  LIFECYCLE_STAGES,
  SOURCE_LABELS,
  STAGE_LABELS,
  STATUS_LABELS,
  isClientStatus,
  isContactSource,
  isLifecycleStage,
} from "../../lib/labels";
import { pluralize } from "../../lib/format";
import { Button } from "../Button";
import { Icon } from "../Icon";
import { BirthdayField } from "./BirthdayField";
import { ContactPointListEditor } from "./ContactPointListEditor";
import { FieldErrors, type ShownError } from "./FieldErrors";
import { KeyValueEditor } from "./KeyValueEditor";
import { PhotoField } from "./PhotoField";
import { SelectField } from "./SelectField";
import { TagInput } from "./TagInput";
import { TextField } from "./TextField";

type ContactFormProps = {
  /** The contact being edited, or null to create a new one. */
  contact: Contact | null;
  onCancel: () => void;
  onSaved: (contact: Contact) => void;
  tagSuggestions?: string[];
  nameInputRef?: RefObject<HTMLInputElement | null>;
  /** Told whether the form now differs from what it opened with (so closing can ask first). */
  onDirtyChange?: (dirty: boolean) => void;
};

/** What would be saved, so blank rows and stray spaces do not count as changes. */
const savedShape = (state: ContactFormState) => JSON.stringify(buildSubmission(state).input);

const NO_ERRORS: ShownError[] = [];

export function ContactForm({ contact, onCancel, onSaved, tagSuggestions = [], nameInputRef, onDirtyChange }: ContactFormProps) {
  const formId = useId();
  const fieldId = (name: string) => `${formId}-${name}`;
  const formRef = useRef<HTMLFormElement>(null);
  const alertRef = useRef<HTMLDivElement>(null);

  const [initialState] = useState<ContactFormState>(() => (contact ? formStateFromContact(contact) : emptyFormState()));
  const [state, setState] = useState<ContactFormState>(initialState);
  const initialShape = useMemo(() => savedShape(initialState), [initialState]);
  const dirty = useMemo(() => savedShape(state) !== initialShape, [state, initialShape]);
  const dirtyListener = useRef(onDirtyChange);
  dirtyListener.current = onDirtyChange;
  useEffect(() => {
    dirtyListener.current?.(dirty);
  }, [dirty]);
  const [errors, setErrors] = useState<ShownError[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);

  // The row mapping of the last submission, so later client-side errors line up too.
  const lastSubmission = useRef<Pick<Submission, "emailRowKeys" | "phoneRowKeys">>({ emailRowKeys: [], phoneRowKeys: [] });

  useEffect(() => {
    if (focusRequest === 0) return;
    const form = formRef.current;
    if (!form) return;
    const firstInvalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (firstInvalid) firstInvalid.focus();
    else alertRef.current?.focus();
  }, [focusRequest]);

  const showErrors = (placed: PlacedError[]) =>
    setErrors(placed.map((error, index) => ({ ...error, elementId: `${formId}-error-${index}` })));

  const errorsByTarget = useMemo(() => {
    const map = new Map<string, ShownError[]>();
    for (const error of errors) {
      const list = map.get(error.target);
      if (list) list.push(error);
      else map.set(error.target, [error]);
    }
    return map;
  }, [errors]);

  const errorsFor = (target: string) => errorsByTarget.get(target) ?? NO_ERRORS;
  const clearTarget = (target: string) => {
    if (errorsByTarget.has(target)) setErrors((current) => current.filter((error) => error.target !== target));
  };

  const update = <K extends keyof ContactFormState>(key: K, value: ContactFormState[K], target?: string) => {
    setState((current) => ({ ...current, [key]: value }));
    if (target) clearTarget(target);
  };

  const updateAddress = (part: keyof ContactFormState["address"], value: string, target: string) => {
    setState((current) => ({ ...current, address: { ...current.address, [part]: value } }));
    clearTarget(target);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (submitting) return;
    const submission = buildSubmission(state);
    lastSubmission.current = submission;
    const localErrors = clientSideErrors(state);
    if (localErrors.length > 0) {
      setFormError(null);
      showErrors(placeFieldErrors(localErrors, submission));
      setFocusRequest((count) => count + 1);
      return;
    }

    setSubmitting(true);
    setFormError(null);
    setErrors([]);
    try {
      const saved = contact
        ? await api.updateContact(contact.id, submission.input)
        : await api.createContact(submission.input);
      onSaved(saved);
    } catch (error) {
      const appError = toAppError(error);
      const fields: FieldError[] = appError.details?.fields ?? [];
      if (appError.code === "validation_failed" && fields.length > 0) {
        showErrors(placeFieldErrors(fields, submission));
      } else {
        setFormError(appError.message);
      }
      setFocusRequest((count) => count + 1);
    } finally {
      setSubmitting(false);
    }
  };

  const rejectPhoto = (message: string) => {
    const placed = placeFieldErrors([{ field: "photo", message }], lastSubmission.current);
    setErrors((current) => [
      ...current.filter((error) => error.target !== "photo"),
      ...placed.map((error, index) => ({ ...error, elementId: `${formId}-photo-error-${index}` })),
    ]);
  };

  const generalErrors = errorsFor("general");
  const tagErrors = errorsFor("tags");
  const invalidTagIndexes = new Set(tagErrors.flatMap((error) => (error.tagIndex !== undefined ? [error.tagIndex] : [])));
  const fieldErrorCount = errors.length;

  const pointRowErrors =
    (kind: "email" | "phone") =>
    (rowKey: string, part: "value" | "label"): ShownError[] =>
      kind === "email"
        ? errorsFor(emailTarget(rowKey, part === "value" ? "address" : "label"))
        : errorsFor(phoneTarget(rowKey, part === "value" ? "number" : "label"));

  const clearPointRow = (kind: "email" | "phone") => (rowKey: string, part: "value" | "label") =>
    clearTarget(
      kind === "email"
        ? emailTarget(rowKey, part === "value" ? "address" : "label")
        : phoneTarget(rowKey, part === "value" ? "number" : "label"),
    );

  const addPoint = (kind: "emails" | "phones") => {
    const row = kind === "emails" ? blankEmailRow(state.emails.length === 0) : blankPhoneRow(state.phones.length === 0);
    setState((current) => ({ ...current, [kind]: [...current[kind], row] }));
    return row.key;
  };

  return (
    <form ref={formRef} className="contact-form" onSubmit={onSubmit} noValidate data-testid="contact-form">
      <div className="contact-form__scroll">
        {formError ? (
          <div className="alert alert--error" role="alert" tabIndex={-1} ref={alertRef} data-testid="contact-form-alert">
            <Icon name="alert" />
            <div>
              <p className="alert__title">The contact could not be saved</p>
              <p>{formError}</p>
            </div>
          </div>
        ) : fieldErrorCount > 0 ? (
          <div className="alert alert--warning" role="alert" tabIndex={-1} ref={alertRef} data-testid="contact-form-error-summary">
            <Icon name="alert" />
            <div>
              <p className="alert__title">
                {fieldErrorCount === 1 ? "One detail needs attention" : `${pluralize(fieldErrorCount, "detail")} need attention`}
              </p>
              {generalErrors.length > 0 ? <FieldErrors errors={generalErrors} /> : null}
            </div>
          </div>
        ) : null}

        <section className="form-section" aria-labelledby={fieldId("identity-heading")}>
          <h3 className="form-section__title" id={fieldId("identity-heading")}>
            Identity
          </h3>
          <PhotoField
            id={fieldId("photo")}
            name={state.displayName}
            photo={state.photo}
            onChange={(photo) => update("photo", photo, "photo")}
            onReject={rejectPhoto}
            errors={errorsFor("photo")}
          />
          <div className="form-grid">
            <TextField
              id={fieldId("display_name")}
              label="Name"
              required
              inputRef={nameInputRef}
              value={state.displayName}
              onValueChange={(value) => update("displayName", value, "display_name")}
              errors={errorsFor("display_name")}
              autoComplete="off"
              testId="field-display_name"
            />
            <TextField
              id={fieldId("organization")}
              label="Organization"
              value={state.organization}
              onValueChange={(value) => update("organization", value, "organization")}
              errors={errorsFor("organization")}
              autoComplete="off"
              testId="field-organization"
            />
          </div>
        </section>

        <section className="form-section" aria-labelledby={fieldId("reach-heading")}>
          <h3 className="form-section__title" id={fieldId("reach-heading")}>
            How to reach them
          </h3>
          <ContactPointListEditor
            kind="email"
            legend="Emails"
            rows={state.emails}
            onChange={(rows: ContactPointRow[]) => update("emails", rows)}
            onAdd={() => addPoint("emails")}
            errorsForRow={pointRowErrors("email")}
            listErrors={errorsFor("emails")}
            onRowEdited={clearPointRow("email")}
          />
          <ContactPointListEditor
            kind="phone"
            legend="Phones"
            rows={state.phones}
            onChange={(rows: ContactPointRow[]) => update("phones", rows)}
            onAdd={() => addPoint("phones")}
            errorsForRow={pointRowErrors("phone")}
            listErrors={errorsFor("phones")}
            onRowEdited={clearPointRow("phone")}
          />
        </section>

        <section className="form-section" aria-labelledby={fieldId("personal-heading")}>
          <h3 className="form-section__title" id={fieldId("personal-heading")}>
            Personal details
          </h3>
          <BirthdayField
            id={fieldId("date_of_birth")}
            value={state.dateOfBirth}
            onValueChange={(value) => update("dateOfBirth", value, "date_of_birth")}
            errors={errorsFor("date_of_birth")}
          />
          <fieldset className="fieldset">
            <legend className="fieldset__legend">Address</legend>
            <FieldErrors errors={errorsFor("address")} />
            <div className="form-grid">
              <TextField
                id={fieldId("address_street")}
                className="form-grid__wide"
                label="Street"
                value={state.address.street}
                onValueChange={(value) => updateAddress("street", value, "address.street")}
                errors={errorsFor("address.street")}
                autoComplete="off"
                testId="field-address.street"
              />
              <TextField
                id={fieldId("address_city")}
                label="City"
                value={state.address.city}
                onValueChange={(value) => updateAddress("city", value, "address.city")}
                errors={errorsFor("address.city")}
                autoComplete="off"
                testId="field-address.city"
              />
              <TextField
                id={fieldId("address_region")}
                label="State / region"
                value={state.address.region}
                onValueChange={(value) => updateAddress("region", value, "address.region")}
                errors={errorsFor("address.region")}
                autoComplete="off"
                testId="field-address.region"
              />
              <TextField
                id={fieldId("address_postal_code")}
                label="Postal code"
                value={state.address.postalCode}
                onValueChange={(value) => updateAddress("postalCode", value, "address.postal_code")}
                errors={errorsFor("address.postal_code")}
                autoComplete="off"
                testId="field-address.postal_code"
              />
              <TextField
                id={fieldId("address_country")}
                label="Country"
                value={state.address.country}
                onValueChange={(value) => updateAddress("country", value, "address.country")}
                errors={errorsFor("address.country")}
                autoComplete="off"
                testId="field-address.country"
              />
            </div>
          </fieldset>
        </section>

        <section className="form-section" aria-labelledby={fieldId("relationship-heading")}>
          <h3 className="form-section__title" id={fieldId("relationship-heading")}>
            Relationship
          </h3>
          <div className="form-grid">
            <SelectField
              id={fieldId("lifecycle_stage")}
              label="Lifecycle stage"
              value={state.lifecycleStage}
              onValueChange={(value) =>
                update("lifecycleStage", isLifecycleStage(value) ? value : "", "lifecycle_stage")
              }
              options={[{ value: "", label: "No stage" }, ...LIFECYCLE_STAGES.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }))]}
              errors={errorsFor("lifecycle_stage")}
              testId="field-lifecycle_stage"
            />
            <SelectField
              id={fieldId("client_status")}
              label="Client status"
              value={state.clientStatus}
              onValueChange={(value) => update("clientStatus", isClientStatus(value) ? value : "", "client_status")}
              options={CLIENT_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] }))}
              errors={errorsFor("client_status")}
              testId="field-client_status"
            />
            <SelectField
              id={fieldId("source")}
              label="Source"
              value={state.source}
              onValueChange={(value) => update("source", isContactSource(value) ? value : "", "source")}
              options={CONTACT_SOURCES.map((source) => ({ value: source, label: SOURCE_LABELS[source] }))}
              errors={errorsFor("source")}
              testId="field-source"
            />
            <TextField
              id={fieldId("referral_source")}
              label="Referred by"
              value={state.referralSource}
              onValueChange={(value) => update("referralSource", value, "referral_source")}
              errors={errorsFor("referral_source")}
              placeholder="Who sent them your way?"
              autoComplete="off"
              testId="field-referral_source"
            />
          </div>
          <TagInput
            id={fieldId("tags")}
            label="Tags"
            tags={state.tags}
            onChange={(tags) => update("tags", tags, "tags")}
            suggestions={tagSuggestions}
            errors={tagErrors}
            invalidIndexes={invalidTagIndexes}
          />
        </section>

        <section className="form-section" aria-labelledby={fieldId("emergency-heading")}>
          <h3 className="form-section__title" id={fieldId("emergency-heading")}>
            Emergency contact
          </h3>
          <div className="form-grid">
            <TextField
              id={fieldId("emergency_contact_name")}
              label="Name"
              value={state.emergencyContactName}
              onValueChange={(value) => update("emergencyContactName", value, "emergency_contact_name")}
              errors={errorsFor("emergency_contact_name")}
              autoComplete="off"
              testId="field-emergency_contact_name"
            />
            <TextField
              id={fieldId("emergency_contact_phone")}
              label="Phone"
              type="tel"
              value={state.emergencyContactPhone}
              onValueChange={(value) => update("emergencyContactPhone", value, "emergency_contact_phone")}
              errors={errorsFor("emergency_contact_phone")}
              autoComplete="off"
              testId="field-emergency_contact_phone"
            />
          </div>
        </section>

        <section className="form-section" aria-labelledby={fieldId("care-heading")}>
          <h3 className="form-section__title" id={fieldId("care-heading")}>
            Care notes
          </h3>
          <KeyValueEditor
            id={fieldId("health_context")}
            legend="Health context"
            description="Anything relevant to how you work together, e.g. allergies or injuries."
            rows={state.healthContext}
            onChange={(rows) => update("healthContext", rows, "health_context")}
            errors={errorsFor("health_context")}
            namePlaceholder="e.g. Allergies"
            valuePlaceholder="e.g. Lavender oil"
            testId="field-health_context"
          />
          <KeyValueEditor
            id={fieldId("preferences")}
            legend="Preferences"
            description="How they like to be contacted, scheduled or treated."
            rows={state.preferences}
            onChange={(rows) => update("preferences", rows, "preferences")}
            errors={errorsFor("preferences")}
            namePlaceholder="e.g. Session time"
            valuePlaceholder="e.g. Mornings"
            testId="field-preferences"
          />
        </section>
      </div>

      <div className="contact-form__actions">
        <Button onClick={onCancel} disabled={submitting} data-testid="contact-form-cancel">
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={submitting} data-testid="contact-form-submit">
          {contact ? "Save changes" : "Create contact"}
        </Button>
      </div>
    </form>
  );
}
