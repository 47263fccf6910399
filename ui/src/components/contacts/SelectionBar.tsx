import { pluralize } from "../../lib/format";
import { Button } from "../Button";

type SelectionBarProps = {
  count: number;
  deleting: boolean;
  onClear: () => void;
  onDelete: () => void;
};

export function SelectionBar({ count, deleting, onClear, onDelete }: SelectionBarProps) {
  return (
    <div className="selection-bar" role="region" aria-label="Selection" data-testid="selection-bar">
      <span className="selection-bar__count" aria-live="polite">
        {pluralize(count, "contact")} selected
      </span>
      <div className="selection-bar__actions">
        <Button size="sm" variant="ghost" onClick={onClear} disabled={deleting}>
          Clear selection
        </Button>
        <Button size="sm" variant="danger" icon="trash" onClick={onDelete} busy={deleting} data-testid="delete-selected-button">
          Delete selected
        </Button>
      </div>
    </div>
  );
}
