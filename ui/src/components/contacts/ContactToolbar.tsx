import type { RefObject } from "react";
import type { ClientStatus, ContactSource, LifecycleStage, TagCount } from "../../api";
import {
  CLIENT_STATUSES,
  CONTACT_SOURCES,
  LIFECYCLE_STAGES,
  SOURCE_LABELS,
  STAGE_LABELS,
  STATUS_LABELS,
  isClientStatus,
  isContactSource,
  isLifecycleStage,
} from "../../lib/labels";
import type { ContactFilters } from "../../lib/contactPageCache";
import { Button } from "../Button";
import { Icon } from "../Icon";
import { Select } from "../Select";

type ContactToolbarProps = {
  searchText: string;
  onSearchTextChange: (text: string) => void;
  searchRef: RefObject<HTMLInputElement | null>;
  onSearchArrowDown: () => void;
  filters: ContactFilters;
  onFiltersChange: (filters: ContactFilters) => void;
  tags: TagCount[];
  filtersActive: boolean;
  onClearFilters: () => void;
};

export function ContactToolbar({
  searchText,
  onSearchTextChange,
  searchRef,
  onSearchArrowDown,
  filters,
  onFiltersChange,
  tags,
  filtersActive,
  onClearFilters,
}: ContactToolbarProps) {
  const tagOptions = [{ value: "", label: "Any tag" }, ...tags.map((tag) => ({ value: tag.name, label: `${tag.name} (${tag.count})` }))];
  // Keep a selected tag visible even if it disappeared from the list.
  if (filters.tag && !tags.some((tag) => tag.name === filters.tag)) {
    tagOptions.push({ value: filters.tag, label: filters.tag });
  }

  return (
    <div className="toolbar" role="search">
      <div className="search-field">
        <Icon name="search" size={16} className="search-field__icon" />
        <input
          ref={searchRef}
          type="search"
          className="input search-field__input"
          placeholder="Search contacts…"
          aria-label="Search contacts"
          value={searchText}
          onChange={(event) => onSearchTextChange(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown") {
              event.preventDefault();
              onSearchArrowDown();
            } else if (event.key === "Escape" && searchText !== "") {
              event.preventDefault();
              onSearchTextChange("");
            }
          }}
          data-testid="contacts-search"
        />
        <kbd className="kbd search-field__hint" aria-hidden="true">
          /
        </kbd>
      </div>

      <div className="toolbar__filters">
        <Select
          size="sm"
          aria-label="Filter by lifecycle stage"
          value={filters.stage ?? ""}
          onChange={(event) =>
            onFiltersChange({ ...filters, stage: isLifecycleStage(event.target.value) ? (event.target.value as LifecycleStage) : null })
          }
          options={[{ value: "", label: "Any stage" }, ...LIFECYCLE_STAGES.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }))]}
          data-testid="contacts-filter-stage"
        />
        <Select
          size="sm"
          aria-label="Filter by client status"
          value={filters.status ?? ""}
          onChange={(event) =>
            onFiltersChange({ ...filters, status: isClientStatus(event.target.value) ? (event.target.value as ClientStatus) : null })
          }
          options={[{ value: "", label: "Any status" }, ...CLIENT_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] }))]}
          data-testid="contacts-filter-status"
        />
        <Select
          size="sm"
          aria-label="Filter by tag"
          value={filters.tag ?? ""}
          onChange={(event) => onFiltersChange({ ...filters, tag: event.target.value === "" ? null : event.target.value })}
          options={tagOptions}
          data-testid="contacts-filter-tag"
        />
        <Select
          size="sm"
          aria-label="Filter by source"
          value={filters.source ?? ""}
          onChange={(event) =>
            onFiltersChange({ ...filters, source: isContactSource(event.target.value) ? (event.target.value as ContactSource) : null })
          }
          options={[{ value: "", label: "Any source" }, ...CONTACT_SOURCES.map((source) => ({ value: source, label: SOURCE_LABELS[source] }))]}
          data-testid="contacts-filter-source"
        />
        {filtersActive ? (
          <Button size="sm" variant="ghost" icon="close" onClick={onClearFilters}>
            Clear
          </Button>
        ) : null}
      </div>
    </div>
  );
}
