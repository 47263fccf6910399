import { useCallback } from "react";
import { api } from "../../api";
import { useToasts } from "../Toasts";

/**
 * Shows `message` with an Undo button. By default undo reverts the recorded change
 * (`changeId`); `undo` replaces that for changes undone another way (deleting a logged touch).
 * `reload` runs after the undo, whether it worked or not.
 */
export function useUndoToast(reload: () => void) {
  const { showToast, showError } = useToasts();
  return useCallback(
    (message: string, undo: { changeId: string } | { run: () => Promise<unknown> }) => {
      showToast({
        message,
        action: {
          label: "Undo",
          testId: "toast-undo-button",
          onAction: async () => {
            try {
              if ("changeId" in undo) await api.undoChange(undo.changeId);
              else await undo.run();
            } catch (error) {
              showError(error, "Could not undo");
            } finally {
              reload();
            }
          },
        },
      });
    },
    [reload, showToast, showError],
  );
}
