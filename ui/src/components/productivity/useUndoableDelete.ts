import { useCallback } from "react";
import { api, type ChangeReceipt } from "../../api";
import { useToasts } from "../Toasts";

/**
 * Deletes through `remove`, then offers Undo in a toast; undoing reverts the recorded change.
 * `reload` runs after both.
 */
export function useUndoableDelete(reload: () => void) {
  const { showToast, showError } = useToasts();
  return useCallback(
    async (name: string, remove: () => Promise<ChangeReceipt>) => {
      try {
        const receipt = await remove();
        reload();
        showToast({
          message: `Deleted ${name}`,
          action: {
            label: "Undo",
            testId: "toast-undo-button",
            onAction: async () => {
              try {
                await api.undoChange(receipt.change_id);
              } catch (error) {
                showError(error, "Could not undo");
              } finally {
                reload();
              }
            },
          },
        });
      } catch (error) {
        showError(error, `Could not delete ${name}`);
      }
    },
    [reload, showToast, showError],
  );
}
