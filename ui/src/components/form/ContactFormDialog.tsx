import { useRef } from "react";
import type { Contact } from "../../api";
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
  return (
    <Overlay
      open={target !== null}
      onClose={onClose}
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
          onCancel={onClose}
          onSaved={(contact) => onSaved(contact, editing === null)}
          tagSuggestions={tagSuggestions}
          nameInputRef={nameInputRef}
        />
      ) : null}
    </Overlay>
  );
}
