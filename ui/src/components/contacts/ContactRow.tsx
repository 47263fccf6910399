import { memo, type MouseEvent } from "react";
import type { ContactSummary } from "../../api";
import { formatDateTime, formatRelative } from "../../lib/format";
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
      <div className="contacts-grid__cell contacts-grid__cell--name" role="gridcell">
        <Avatar name={contact.display_name} size="sm" />
        <span className="contacts-grid__name">
          <span className="contacts-grid__display-name">{contact.display_name}</span>
          {contact.organization ? <span className="contacts-grid__organization">{contact.organization}</span> : null}
        </span>
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--email" role="gridcell">
        <span className="truncate">{contact.primary_email ?? <span className="muted">—</span>}</span>
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--phone" role="gridcell">
        <span className="truncate tabular">{contact.primary_phone ?? <span className="muted">—</span>}</span>
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--stage" role="gridcell">
        <StagePill stage={contact.lifecycle_stage} />
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--status" role="gridcell">
        <StatusBadge status={contact.client_status} />
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--tags" role="gridcell">
        <TagList tags={contact.tags} limit={tagsThatFit(contact.tags, 12)} />
      </div>
      <div className="contacts-grid__cell contacts-grid__cell--updated" role="gridcell">
        <time dateTime={contact.updated_at} title={formatDateTime(contact.updated_at)}>
          {formatRelative(contact.updated_at)}
        </time>
      </div>
    </div>
  );
});
