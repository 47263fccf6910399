import { useState, useRef } from "react";
import type { Contact } from "../../api";
import { DiscardChangesDialog } from "../DiscardChangesDialog";
import { Overlay } from "../Overlay";
import { ContactForm } from "./ContactForm";

type ContactFormDialogProps = {
  /** null: closed; { contact: null }: create; { contact }: edit. */
  target: { contact: Contact | null } | null;
  onClose: () => void;
  onSaved: (contact: Contact, created: boolean) => void;
  tagSuggestions: string[];
};

export function ContactFormDialog({ target, onClose, onSaved, tagSuggestions }: ContactFormDialogProps) {
  const nameInputRef = useRef<HTMLInputElement>(null);
  const editing = target?.contact ?? null;
  const [dirty, setDirty] = useState(false);
  const [confirming, setConfirming] = useState(false);

  // Cancel, the close button, Escape and a click outside all come here: unsaved changes are
  // only thrown away once the user says so.
  const requestClose = () => {
    if (dirty) setConfirming(true);
    else onClose();
  };
  const discard = () => {
    setConfirming(false);
    setDirty(false);
    onClose();
  };

  return (
    <>
      <Overlay
        open={target !== null}
        onClose={requestClose}
        variant="sheet"
        size="lg"
        flush
        title={editing ? `Edit ${editing.display_name}` : "New contact"}
        initialFocusRef={nameInputRef}
        testId="contact-form-dialog"
      >
        {target ? (
          <ContactForm
            key={editing?.id ?? "new"}
            contact={editing}
            onCancel={requestClose}
            onSaved={(contact) => {
              setDirty(false);
              onSaved(contact, editing === null);
            }}
            onDirtyChange={setDirty}
            tagSuggestions={tagSuggestions}
            nameInputRef={nameInputRef}
          />
        ) : null}
      </Overlay>
      <DiscardChangesDialog open={confirming} onKeepEditing={() => setConfirming(false)} onDiscard={discard} />
    </>
  );
}
