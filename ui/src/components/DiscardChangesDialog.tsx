import { useRef } from "react";
import { Button } from "./Button";
import { Overlay } from "./Overlay";

type DiscardChangesDialogProps = {
  open: boolean;
  /** Go back to the form, changes kept. */
  onKeepEditing: () => void;
  /** Throw the changes away and close the form. */
  onDiscard: () => void;
};

/** Asked before a form with unsaved changes closes (Cancel, the close button, Escape, a click outside). */
export function DiscardChangesDialog({ open, onKeepEditing, onDiscard }: DiscardChangesDialogProps) {
  const keepRef = useRef<HTMLButtonElement>(null);
  return (
    <Overlay
      open={open}
      onClose={onKeepEditing}
      title="Discard your changes?"
      size="sm"
      initialFocusRef={keepRef}
      testId="discard-changes-dialog"
      footer={
        <>
          <Button ref={keepRef} onClick={onKeepEditing} data-testid="discard-changes-keep">
            Keep editing
          </Button>
          <Button variant="danger" onClick={onDiscard} data-testid="discard-changes-confirm">
            Discard changes
          </Button>
        </>
      }
    >
      <p>You have changes that are not saved yet. If you close now, they will be lost.</p>
    </Overlay>
  );
}
