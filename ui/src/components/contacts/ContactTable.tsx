import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from "react";
import type { ContactSort, ContactSummary } from "../../api";
import { ALL_COLUMNS, columnSpec, columnsThatFit, gridTemplate, minimumWidth, type ColumnId } from "../../lib/contactColumns";
import type { ContactFilters } from "../../lib/contactPageCache";
import type { HeaderCheckboxState } from "../../lib/selection";
import { Checkbox } from "../Checkbox";
import { Icon } from "../Icon";
import { ContactRow, ROW_HEIGHT } from "./ContactRow";

export const HEADER_HEIGHT = 40;
const PAGE_JUMP = 10;

type ContactTableProps = {
  total: number;
  /** Changes whenever rows were loaded, so the table re-renders. */
  version: number;
  /** Changes when the result set changes; the table scrolls back to the top. */
  resultKey: string;
  getRow: (index: number) => ContactSummary | undefined;
  filters: ContactFilters;
  onSort: (column: ContactSort) => void;
  selected: ReadonlySet<string>;
  headerState: HeaderCheckboxState;
  onToggleAll: () => void;
  onToggleRow: (index: number, id: string, shiftKey: boolean) => void;
  activeIndex: number;
  onActiveIndexChange: (index: number) => void;
  onOpen: (id: string) => void;
  onRangeChange: (first: number, last: number) => void;
  tableRef?: React.RefObject<HTMLDivElement | null>;
  /** The columns the user chose to see; those that do not fit the width are left out. */
  chosenColumns?: readonly ColumnId[];
};

/** The table's inner width, followed as the window is resized (0 until measured). */
function useWidth(ref: React.RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(element.clientWidth);
    measure();
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", measure);
      return () => window.removeEventListener("resize", measure);
    }
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function ContactTable({
  total,
  version,
  resultKey,
  getRow,
  filters,
  onSort,
  selected,
  headerState,
  onToggleAll,
  onToggleRow,
  activeIndex,
  onActiveIndexChange,
  onOpen,
  onRangeChange,
  tableRef,
  chosenColumns = ALL_COLUMNS,
}: ContactTableProps) {
  const ownRef = useRef<HTMLDivElement>(null);
  const scrollRef = tableRef ?? ownRef;
  const idPrefix = useId();
  const width = useWidth(scrollRef);
  // Only the columns that fit: at the smallest window the table never scrolls sideways.
  const fitting = columnsThatFit(chosenColumns, width).join(",");
  const columns = useMemo(() => fitting.split(",") as ColumnId[], [fitting]);
  const gridStyle = {
    "--contacts-columns": gridTemplate(columns),
    "--contacts-min-width": `${minimumWidth(columns)}px`,
  } as CSSProperties;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    initialRect: { width: 1024, height: 720 },
  });

  const items = virtualizer.getVirtualItems();
  const firstIndex = items.length > 0 ? items[0].index : 0;
  const lastIndex = items.length > 0 ? items[items.length - 1].index : -1;

  useEffect(() => {
    onRangeChange(firstIndex, lastIndex);
  }, [firstIndex, lastIndex, onRangeChange, version]);

  useEffect(() => {
    virtualizer.scrollToOffset(0);
    // Only when the result set changes.
  }, [resultKey]);

  const moveActive = (index: number) => {
    if (total === 0) return;
    const next = Math.max(0, Math.min(total - 1, index));
    onActiveIndexChange(next);
    virtualizer.scrollToIndex(next, { align: "auto" });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        moveActive(activeIndex < 0 ? 0 : activeIndex + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        moveActive(activeIndex < 0 ? 0 : activeIndex - 1);
        break;
      case "PageDown":
        event.preventDefault();
        moveActive(activeIndex + PAGE_JUMP);
        break;
      case "PageUp":
        event.preventDefault();
        moveActive(activeIndex - PAGE_JUMP);
        break;
      case "Home":
        event.preventDefault();
        moveActive(0);
        break;
      case "End":
        event.preventDefault();
        moveActive(total - 1);
        break;
      case "Enter": {
        const row = activeIndex >= 0 ? getRow(activeIndex) : undefined;
        if (row) {
          event.preventDefault();
          onOpen(row.id);
        }
        break;
      }
      case " ": {
        const row = activeIndex >= 0 ? getRow(activeIndex) : undefined;
        event.preventDefault();
        if (row) onToggleRow(activeIndex, row.id, event.shiftKey);
        break;
      }
      default:
        break;
    }
  };

  const onFocus = () => {
    if (activeIndex < 0 && total > 0) onActiveIndexChange(Math.max(firstIndex, 0));
  };

  const rowDomId = (index: number) => `${idPrefix}-row-${index}`;
  const activeRowLoaded = activeIndex >= 0 && activeIndex < total && items.some((item) => item.index === activeIndex);

  return (
    <div
      ref={scrollRef}
      className="contacts-grid"
      role="grid"
      aria-label="Contacts"
      aria-rowcount={total + 1}
      aria-colcount={columns.length + 1}
      aria-multiselectable="true"
      aria-activedescendant={activeRowLoaded ? rowDomId(activeIndex) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      style={gridStyle}
      data-testid="contacts-table"
      data-columns={columns.join(" ")}
    >
      <div className="contacts-grid__header" role="row" aria-rowindex={1} style={{ height: HEADER_HEIGHT }}>
        <div className="contacts-grid__cell contacts-grid__cell--select" role="columnheader">
          <Checkbox
            aria-label={headerState === "all" ? "Deselect all loaded contacts" : "Select all loaded contacts"}
            checked={headerState === "all"}
            indeterminate={headerState === "some"}
            onChange={onToggleAll}
            data-testid="contacts-select-all"
          />
        </div>
        {columns.map(columnSpec).map((column) => {
          const sorted = column.sort !== undefined && filters.sort === column.sort;
          const ariaSort = sorted ? (filters.direction === "asc" ? "ascending" : "descending") : undefined;
          return (
            <div
              key={column.id}
              className={`contacts-grid__cell contacts-grid__cell--${column.id}`}
              role="columnheader"
              aria-sort={column.sort ? (ariaSort ?? "none") : undefined}
            >
              {column.sort ? (
                <button
                  type="button"
                  className={sorted ? "sort-button is-sorted" : "sort-button"}
                  onClick={() => onSort(column.sort as ContactSort)}
                  data-testid={`contacts-sort-${column.sort}`}
                >
                  {column.label}
                  <Icon
                    name={sorted && filters.direction === "desc" ? "chevronDown" : "chevronUp"}
                    size={14}
                    className={sorted ? "sort-button__icon" : "sort-button__icon is-idle"}
                  />
                </button>
              ) : (
                <span className="contacts-grid__heading">{column.label}</span>
              )}
            </div>
          );
        })}
      </div>

      <div className="contacts-grid__body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const contact = getRow(item.index);
          const top = item.start - HEADER_HEIGHT;
          if (!contact) {
            return (
              <div
                key={`placeholder-${item.index}`}
                className="contacts-grid__row is-placeholder"
                role="row"
                aria-rowindex={item.index + 2}
                aria-busy="true"
                style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
              >
                <div className="contacts-grid__cell contacts-grid__cell--select" role="gridcell" />
                <div className="contacts-grid__cell contacts-grid__cell--name" role="gridcell">
                  <span className="skeleton skeleton--circle" />
                  <span className="skeleton skeleton--text" />
                </div>
                <div className="contacts-grid__cell contacts-grid__cell--email" role="gridcell">
                  <span className="skeleton skeleton--text" />
                </div>
              </div>
            );
          }
          return (
            <ContactRow
              key={contact.id}
              contact={contact}
              index={item.index}
              top={top}
              domId={rowDomId(item.index)}
              isSelected={selected.has(contact.id)}
              isActive={item.index === activeIndex}
              columns={columns}
              onOpen={onOpen}
              onActiveIndexChange={onActiveIndexChange}
              onToggleRow={onToggleRow}
            />
          );
        })}
      </div>
    </div>
  );
}
