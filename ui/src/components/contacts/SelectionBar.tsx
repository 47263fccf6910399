import { useId, useState } from "react";
import { api, type BatchReceipt, type ClientStatus, type LifecycleStage } from "../../api";
import { pluralize } from "../../lib/format";
import { CLIENT_STATUSES, LIFECYCLE_STAGES, STAGE_LABELS, STATUS_LABELS } from "../../lib/labels";
import { Button } from "../Button";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

type SelectionBarProps = {
  ids: string[];
  onClear: () => void;
  /** Called after a bulk write or its undo, so the page reloads. */
  onChanged: (deletedIds: string[]) => void;
};

type Pending = "tag" | "untag" | "stage" | "status" | "delete" | null;

/** Bulk actions on the selected contacts. Each action is one batch that one Undo reverts. */
export function SelectionBar({ ids, onClear, onChanged }: SelectionBarProps) {
  const { showToast, showError, announce } = useToasts();
  const tagInputId = useId();
  const [pending, setPending] = useState<Pending>(null);
  const [tagName, setTagName] = useState("");
  const count = ids.length;

  const run = async (action: Exclude<Pending, null>, work: () => Promise<BatchReceipt>, message: string, deleted = false) => {
    setPending(action);
    try {
      const receipt = await work();
      onChanged(deleted ? ids : []);
      showToast({
        message,
        action: {
          label: "Undo",
          testId: "toast-undo-button",
          onAction: async () => {
            try {
              await api.undoBatch(receipt.batch_id);
              announce(`${message}: undone.`);
            } catch (error) {
              showError(error, "Could not undo");
            } finally {
              onChanged([]);
            }
          },
        },
      });
    } catch (error) {
      showError(error, "Could not change the selected contacts");
    } finally {
      setPending(null);
    }
  };

  const tagNames = () =>
    tagName
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean);

  const what = pluralize(count, "contact");

  return (
    <div className="selection-bar" role="region" aria-label="Selection" data-testid="selection-bar">
      <span className="selection-bar__count" aria-live="polite">
        {what} selected
      </span>
      <div className="selection-bar__actions">
        <label className="visually-hidden" htmlFor={tagInputId}>
          Tag names, separated by commas
        </label>
        <input
          id={tagInputId}
          className="input input--sm"
          placeholder="Tag…"
          value={tagName}
          onChange={(event) => setTagName(event.target.value)}
          data-testid="bulk-tag-input"
        />
        <Button
          size="sm"
          icon="tag"
          disabled={tagNames().length === 0 || pending !== null}
          busy={pending === "tag"}
          onClick={() => run("tag", () => api.tagContacts(ids, tagNames()), `Tagged ${what}`)}
          data-testid="bulk-tag-button"
        >
          Tag
        </Button>
        <Button
          size="sm"
          variant="ghost"
          disabled={tagNames().length === 0 || pending !== null}
          busy={pending === "untag"}
          onClick={() => run("untag", () => api.untagContacts(ids, tagNames()), `Untagged ${what}`)}
          data-testid="bulk-untag-button"
        >
          Untag
        </Button>
        <Select
          size="sm"
          aria-label="Set stage of the selected contacts"
          value=""
          disabled={pending !== null}
          options={[{ value: "", label: "Set stage…" }, ...LIFECYCLE_STAGES.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }))]}
          onChange={(event) => {
            const stage = event.target.value as LifecycleStage | "";
            if (!stage) return;
            void run("stage", () => api.bulkEditContacts(ids, { lifecycle_stage: stage, client_status: null }), `Set ${what} to ${STAGE_LABELS[stage]}`);
          }}
          data-testid="bulk-stage-select"
        />
        <Select
          size="sm"
          aria-label="Set status of the selected contacts"
          value=""
          disabled={pending !== null}
          options={[{ value: "", label: "Set status…" }, ...CLIENT_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] }))]}
          onChange={(event) => {
            const status = event.target.value as ClientStatus | "";
            if (!status) return;
            void run("status", () => api.bulkEditContacts(ids, { lifecycle_stage: null, client_status: status }), `Set ${what} to ${STATUS_LABELS[status]}`);
          }}
          data-testid="bulk-status-select"
        />
        <Button size="sm" variant="ghost" onClick={onClear} disabled={pending !== null}>
          Clear selection
        </Button>
        <Button
          size="sm"
          variant="danger"
          icon="trash"
          onClick={() => run("delete", () => api.deleteContacts(ids), `Deleted ${what}`, true)}
          busy={pending === "delete"}
          disabled={pending !== null && pending !== "delete"}
          data-testid="delete-selected-button"
        >
          Delete selected
        </Button>
      </div>
    </div>
  );
}
