import { memo, type MouseEvent, type ReactNode } from "react";
import type { ContactSummary } from "../../api";
import type { ColumnId } from "../../lib/contactColumns";
import { formatDateTime, formatRelative } from "../../lib/format";
import { formatPhone } from "../../lib/phone";
import { Avatar } from "../Avatar";
import { Checkbox } from "../Checkbox";
import { StagePill, StatusBadge, TagList, tagsThatFit } from "../StagePill";

export const ROW_HEIGHT = 52;

type ContactRowProps = {
  contact: ContactSummary;
  index: number;
  /** Offset inside the table body, in pixels. */
  top: number;
  domId: string;
  isSelected: boolean;
  isActive: boolean;
  /** The columns shown, in order (the checkbox column comes first on its own). */
  columns: readonly ColumnId[];
  onOpen: (id: string) => void;
  onActiveIndexChange: (index: number) => void;
  onToggleRow: (index: number, id: string, shiftKey: boolean) => void;
};

/** One loaded row of the contacts grid. Memoized: scrolling does not re-render rows that stay. */
export const ContactRow = memo(function ContactRow({
  contact,
  index,
  top,
  domId,
  isSelected,
  isActive,
  columns,
  onOpen,
  onActiveIndexChange,
  onToggleRow,
}: ContactRowProps) {
  return (
    <div
      id={domId}
      className={["contacts-grid__row", isSelected ? "is-selected" : "", isActive ? "is-active" : ""].filter(Boolean).join(" ")}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={isSelected}
      data-testid="contacts-row"
      data-contact-id={contact.id}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => {
        onActiveIndexChange(index);
        onOpen(contact.id);
      }}
    >
      <div className="contacts-grid__cell contacts-grid__cell--select" role="gridcell" onClick={(event) => event.stopPropagation()}>
        <Checkbox
          aria-label={`Select ${contact.display_name}`}
          checked={isSelected}
          tabIndex={-1}
          onChange={() => {}}
          onClick={(event: MouseEvent<HTMLInputElement>) => {
            event.stopPropagation();
            onActiveIndexChange(index);
            onToggleRow(index, contact.id, event.shiftKey);
          }}
        />
      </div>
      {columns.map((column) => (
        <div key={column} className={`contacts-grid__cell contacts-grid__cell--${column}`} role="gridcell">
          {cellContent(column, contact)}
        </div>
      ))}
    </div>
  );
});

function cellContent(column: ColumnId, contact: ContactSummary): ReactNode {
  switch (column) {
    case "name":
      return (
        <>
          <Avatar name={contact.display_name} size="sm" />
          <span className="contacts-grid__name">
            <span className="contacts-grid__display-name">{contact.display_name}</span>
            {contact.organization ? <span className="contacts-grid__organization">{contact.organization}</span> : null}
          </span>
        </>
      );
    case "email":
      return contact.primary_email ? (
        <span className="truncate" title={contact.primary_email}>
          {contact.primary_email}
        </span>
      ) : (
        <span className="muted">—</span>
      );
    case "phone":
      return contact.primary_phone ? (
        <span className="truncate tabular">
          {formatPhone(contact.primary_phone)}
        </span>
      ) : (
        <span className="muted">—</span>
      );
    case "stage":
      return <StagePill stage={contact.lifecycle_stage} />;
    case "status":
      return <StatusBadge status={contact.client_status} />;
    case "tags":
      return <TagList tags={contact.tags} limit={tagsThatFit(contact.tags, 18)} />;
    case "updated":
      return (
        <time dateTime={contact.updated_at} title={formatDateTime(contact.updated_at)}>
          {formatRelative(contact.updated_at)}
        </time>
      );
  }
}
