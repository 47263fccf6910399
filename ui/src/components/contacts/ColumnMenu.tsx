import { useEffect, useId, useRef, useState } from "react";
import { COLUMN_SPECS, type ColumnId } from "../../lib/contactColumns";
import { Checkbox } from "../Checkbox";
import { Icon } from "../Icon";

type ColumnMenuProps = {
  chosen: readonly ColumnId[];
  onChange: (columns: ColumnId[]) => void;
};

/** Which columns the contacts table shows. Name always shows; the choice is remembered. */
export function ColumnMenu({ chosen, onChange }: ColumnMenuProps) {
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const headingId = useId();
  const [open, setOpen] = useState(false);

  // A menu closes when the user clicks elsewhere.
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const details = detailsRef.current;
      if (details && event.target instanceof Node && !details.contains(event.target)) details.open = false;
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);
  const toggle = (id: ColumnId, shown: boolean) => {
    const next = COLUMN_SPECS.map((column) => column.id).filter((column) =>
      column === id ? shown : column === "name" || chosen.includes(column),
    );
    onChange(next);
  };
  return (
    <details
      ref={detailsRef}
      className="column-menu"
      data-testid="column-menu"
      onToggle={(event) => setOpen(event.currentTarget.open)}
      onKeyDown={(event) => {
        if (event.key === "Escape" && detailsRef.current?.open) {
          event.preventDefault();
          event.stopPropagation();
          detailsRef.current.open = false;
          detailsRef.current.querySelector("summary")?.focus();
        }
      }}
    >
      <summary className="button button--ghost column-menu__toggle" data-testid="column-menu-toggle">
        <Icon name="columns" size={16} />
        Columns
      </summary>
      <div className="column-menu__panel" role="group" aria-labelledby={headingId}>
        <p id={headingId} className="column-menu__heading">
          Show columns
        </p>
        {COLUMN_SPECS.map((column) => (
          <label key={column.id} className="checkbox-row">
            <Checkbox
              checked={column.id === "name" || chosen.includes(column.id)}
              disabled={column.id === "name"}
              onChange={(event) => toggle(column.id, event.target.checked)}
              data-testid={`column-toggle-${column.id}`}
            />
            <span>{column.label}</span>
          </label>
        ))}
        <p className="muted small">Columns that do not fit the window are left out until there is room.</p>
      </div>
    </details>
  );
}
