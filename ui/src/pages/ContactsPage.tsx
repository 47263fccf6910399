import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  api,
  onContactsChanged,
  onDemoProgress,
  type ChangeReceipt,
  type Contact,
  type ContactsChanged,
  type ContactSort,
  type DemoProgress,
  type TagCount,
} from "../api";
import { Button } from "../components/Button";
import { ContactDetail } from "../components/contacts/ContactDetail";
import { ContactsEmptyState } from "../components/contacts/ContactsEmptyState";
import { ContactTable } from "../components/contacts/ContactTable";
import { ContactToolbar } from "../components/contacts/ContactToolbar";
import { ColumnMenu } from "../components/contacts/ColumnMenu";
import { SelectionBar } from "../components/contacts/SelectionBar";
import { EmptyState } from "../components/EmptyState";
import { ContactFormDialog } from "../components/form/ContactFormDialog";
import { ProgressBar } from "../components/ProgressBar";
import { ImportWizard } from "../components/transfer/ImportWizard";
import { useToasts } from "../components/Toasts";
import { useContactPages } from "../hooks/useContactPages";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useEventSubscription } from "../hooks/useEventSubscription";
import {
  clearFilters,
  DEFAULT_FILTERS,
  hasActiveFilters,
  nextSort,
  type ContactFilters,
} from "../lib/contactPageCache";
import { loadChosenColumns, saveChosenColumns, type ColumnId } from "../lib/contactColumns";
import { formatNumber, pluralize } from "../lib/format";
import { applyRange, headerCheckboxState, toggleAllLoaded, toggleId } from "../lib/selection";

export const SEARCH_DEBOUNCE_MS = 120;
const CHANGE_REFRESH_DEBOUNCE_MS = 150;
export const DEMO_CONTACT_COUNT = 200;

export type ContactsCommand =
  | { type: "focus-search" | "new-contact"; nonce: number }
  | { type: "open-contact"; contactId: string; nonce: number };

type ContactsPageProps = {
  command: ContactsCommand | null;
};

type DemoState = { running: boolean; progress: DemoProgress | null };

export function ContactsPage({ command }: ContactsPageProps) {
  const { showToast, showError, announce } = useToasts();

  const [searchText, setSearchText] = useState("");
  const [chosenColumns, setChosenColumns] = useState<ColumnId[]>(() => loadChosenColumns());
  const debouncedSearch = useDebouncedValue(searchText, SEARCH_DEBOUNCE_MS);
  const [baseFilters, setBaseFilters] = useState<ContactFilters>(DEFAULT_FILTERS);
  const filters = useMemo(() => ({ ...baseFilters, search: debouncedSearch }), [baseFilters, debouncedSearch]);
  const filtersActive = hasActiveFilters(filters);

  const pages = useContactPages(filters, showError);
  const { refresh: refreshPages } = pages;

  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const anchorIndex = useRef<number | null>(null);
  const [activeIndex, setActiveIndex] = useState(-1);
  const [detailId, setDetailId] = useState<string | null>(null);
  const [detailRefresh, setDetailRefresh] = useState(0);
  const [formTarget, setFormTarget] = useState<{ contact: Contact | null } | null>(null);
  const [tags, setTags] = useState<TagCount[]>([]);
  const [importOpen, setImportOpen] = useState(false);
  const [demo, setDemo] = useState<DemoState>({ running: false, progress: null });

  const searchRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);

  // ---- Tags (filter options and form suggestions) ---------------------------------
  const refreshTags = useCallback(() => {
    api.listTags().then(setTags, (error: unknown) => showError(error, "Could not load tags"));
  }, [showError]);
  useEffect(refreshTags, [refreshTags]);

  // ---- A new result set starts with a clean selection and cursor -------------------
  useEffect(() => {
    setSelected(new Set());
    anchorIndex.current = null;
    setActiveIndex(-1);
  }, [pages.key]);

  // ---- Commands from global shortcuts ----------------------------------------------
  useEffect(() => {
    if (!command) return;
    if (command.type === "focus-search") {
      searchRef.current?.focus();
      searchRef.current?.select();
    } else if (command.type === "open-contact") {
      setDetailId(command.contactId);
    } else {
      setFormTarget({ contact: null });
    }
  }, [command]);

  // ---- Backend events ----------------------------------------------------------------
  const changeTimer = useRef<number | null>(null);
  const pendingChange = useRef<{ ids: Set<string>; all: boolean }>({ ids: new Set(), all: false });
  const detailIdRef = useRef(detailId);
  detailIdRef.current = detailId;

  const refreshAll = useCallback(() => {
    refreshPages();
    refreshTags();
  }, [refreshPages, refreshTags]);

  const onChanged = useCallback(
    (change: ContactsChanged) => {
      if (change.reason === "deleted" && detailIdRef.current && change.ids.includes(detailIdRef.current)) {
        setDetailId(null);
      }
      const pending = pendingChange.current;
      if (change.ids.length === 0 || change.reason === "imported") pending.all = true;
      change.ids.forEach((id) => pending.ids.add(id));
      if (changeTimer.current !== null) window.clearTimeout(changeTimer.current);
      changeTimer.current = window.setTimeout(() => {
        changeTimer.current = null;
        const { ids, all } = pendingChange.current;
        pendingChange.current = { ids: new Set(), all: false };
        refreshAll();
        const openId = detailIdRef.current;
        if (openId && (all || ids.has(openId))) setDetailRefresh((count) => count + 1);
      }, CHANGE_REFRESH_DEBOUNCE_MS);
    },
    [refreshAll],
  );
  useEventSubscription(onContactsChanged, onChanged);
  useEffect(
    () => () => {
      if (changeTimer.current !== null) window.clearTimeout(changeTimer.current);
    },
    [],
  );

  const onDemoProgressEvent = useCallback((progress: DemoProgress) => {
    setDemo((current) => (current.running ? { ...current, progress } : current));
  }, []);
  useEventSubscription(onDemoProgress, onDemoProgressEvent);

  // ---- Actions -------------------------------------------------------------------------
  const loadDemoData = async () => {
    setDemo({ running: true, progress: null });
    try {
      const summary = await api.generateDemoData(DEMO_CONTACT_COUNT);
      announce(`Added ${pluralize(summary.contacts, "demo contact")}.`);
      refreshAll();
    } catch (error) {
      showError(error, "Could not load demo data");
    } finally {
      setDemo({ running: false, progress: null });
    }
  };

  const undoChanges = async (receipts: ChangeReceipt[], what: string) => {
    let failed: unknown = null;
    // Undo newest first, so the history unwinds in order.
    for (const receipt of [...receipts].reverse()) {
      try {
        await api.undoChange(receipt.change_id);
      } catch (error) {
        failed ??= error;
      }
    }
    refreshAll();
    if (failed) showError(failed, "Could not undo");
    else announce(`${what} restored.`);
  };

  const onContactDeleted = (receipt: ChangeReceipt, contact: Contact) => {
    setDetailId(null);
    setSelected((current) => {
      if (!current.has(contact.id)) return current;
      const next = new Set(current);
      next.delete(contact.id);
      return next;
    });
    refreshAll();
    showToast({
      message: `Deleted ${contact.display_name}`,
      action: {
        label: "Undo",
        testId: "toast-undo-button",
        onAction: () => undoChanges([receipt], contact.display_name),
      },
    });
  };

  const afterBulkChange = (deletedIds: string[]) => {
    if (deletedIds.length > 0) {
      setSelected(new Set());
      anchorIndex.current = null;
      if (detailId && deletedIds.includes(detailId)) setDetailId(null);
    }
    refreshAll();
    setDetailRefresh((count) => count + 1);
  };

  const onSaved = (contact: Contact, created: boolean) => {
    setFormTarget(null);
    refreshAll();
    if (created) {
      announce(`${contact.display_name} was added.`);
    } else {
      announce(`Changes to ${contact.display_name} were saved.`);
      setDetailRefresh((count) => count + 1);
    }
  };

  // ---- Table interaction -----------------------------------------------------------------
  const { getRow } = pages;
  const onToggleRow = useCallback(
    (index: number, id: string, shiftKey: boolean) => {
      const anchor = anchorIndex.current;
      setSelected((current) => {
        if (shiftKey && anchor !== null) {
          const anchorRow = getRow(anchor);
          const select = anchorRow ? current.has(anchorRow.id) : true;
          return applyRange(current, anchor, index, getRow, select);
        }
        return toggleId(current, id);
      });
      if (!shiftKey || anchor === null) anchorIndex.current = index;
    },
    [getRow],
  );

  const { status: pagesStatus, version: pagesVersion, loadedRows } = pages;
  const loadedIds = useMemo(
    () => (pagesStatus === "ready" ? loadedRows().map((row) => row.contact.id) : []),
    // loadedRows reads the cache, which changes exactly when `version` does.
    [pagesStatus, pagesVersion, loadedRows],
  );
  const headerState = headerCheckboxState(selected, loadedIds);

  const onSort = (column: ContactSort) => setBaseFilters((current) => nextSort(current, column));

  const openNewContact = () => setFormTarget({ contact: null });

  // ---- Rendering --------------------------------------------------------------------------
  const total = pages.total;
  const showEmpty = pages.status === "ready" && total === 0 && !filtersActive;
  const showNoResults = pages.status === "ready" && total === 0 && filtersActive;

  const lastSubtitle = useRef("Loading…");
  let subtitle = lastSubtitle.current;
  if (pages.status === "ready") {
    subtitle = filtersActive ? `${formatNumber(total)} matching` : pluralize(total, "contact");
  } else if (pages.status === "error") {
    subtitle = "Could not load contacts";
  }
  lastSubtitle.current = subtitle;

  return (
    <div className="page page--contacts" data-testid="contacts-page">
      <header className="page__header">
        <div>
          <h1 className="page__title">Contacts</h1>
          <p className="page__subtitle" aria-live="polite">
            {subtitle}
          </p>
        </div>
        <div className="page__actions">
          {showEmpty ? null : (
            <ColumnMenu
              chosen={chosenColumns}
              onChange={(columns) => {
                setChosenColumns(columns);
                saveChosenColumns(columns);
              }}
            />
          )}
          <Button icon="upload" onClick={() => setImportOpen(true)} data-testid="import-open">
            Import
          </Button>
          <Button variant="primary" icon="plus" onClick={openNewContact} data-testid="contacts-new-button">
            New contact
            <kbd className="kbd kbd--on-primary" aria-hidden="true">
              n
            </kbd>
          </Button>
        </div>
      </header>

      {showEmpty ? null : (
        <ContactToolbar
          searchText={searchText}
          onSearchTextChange={setSearchText}
          searchRef={searchRef}
          onSearchArrowDown={() => {
            if (total > 0) {
              setActiveIndex((current) => (current < 0 ? 0 : current));
              tableRef.current?.focus();
            }
          }}
          filters={baseFilters}
          onFiltersChange={setBaseFilters}
          tags={tags}
          filtersActive={filtersActive}
          onClearFilters={() => {
            setSearchText("");
            setBaseFilters((current) => clearFilters(current));
          }}
        />
      )}

      {demo.running && !showEmpty ? (
        <div className="banner">
          <ProgressBar
            value={demo.progress?.done ?? 0}
            max={demo.progress?.total ?? 1}
            label={demo.progress ? `Creating demo contacts (${demo.progress.done} of ${demo.progress.total})` : "Preparing demo data…"}
          />
        </div>
      ) : null}

      <div className={selected.size > 0 ? "page__content page__content--selecting" : "page__content"}>
        {pages.status === "error" ? (
          <EmptyState
            icon="alert"
            title="Contacts could not be loaded"
            actions={
              <Button variant="primary" onClick={pages.retry}>
                Try again
              </Button>
            }
          >
            <p>Something went wrong while reading your contacts. The details are in the notification.</p>
          </EmptyState>
        ) : showEmpty ? (
          <ContactsEmptyState
            onCreate={openNewContact}
            onLoadDemo={loadDemoData}
            onImport={() => setImportOpen(true)}
            demoProgress={demo.progress}
            demoRunning={demo.running}
          />
        ) : showNoResults ? (
          <EmptyState
            icon="search"
            title="No contacts match"
            testId="contacts-no-results"
            actions={
              <Button
                onClick={() => {
                  setSearchText("");
                  setBaseFilters((current) => clearFilters(current));
                }}
              >
                Clear search and filters
              </Button>
            }
          >
            <p>Try a different spelling, or loosen the filters.</p>
          </EmptyState>
        ) : pages.status === "loading" ? (
          <div className="table-loading" aria-busy="true" aria-label="Loading contacts">
            {Array.from({ length: 8 }, (_, index) => (
              <div key={index} className="table-loading__row">
                <span className="skeleton skeleton--circle" />
                <span className="skeleton skeleton--text" />
                <span className="skeleton skeleton--text skeleton--short" />
              </div>
            ))}
          </div>
        ) : (
          <ContactTable
            tableRef={tableRef}
            total={total}
            version={pages.version}
            resultKey={pages.key}
            getRow={pages.getRow}
            filters={filters}
            onSort={onSort}
            selected={selected}
            headerState={headerState}
            onToggleAll={() => setSelected((current) => toggleAllLoaded(current, loadedIds))}
            onToggleRow={onToggleRow}
            activeIndex={activeIndex}
            onActiveIndexChange={setActiveIndex}
            onOpen={setDetailId}
            onRangeChange={pages.requestRange}
            chosenColumns={chosenColumns}
          />
        )}
        {/* Floats over the bottom of the table, so selecting a row never moves the rows under the pointer. */}
        {selected.size > 0 ? (
          <SelectionBar
            ids={[...selected]}
            onClear={() => {
              setSelected(new Set());
              anchorIndex.current = null;
            }}
            onChanged={afterBulkChange}
          />
        ) : null}
      </div>

      <ContactDetail
        contactId={detailId}
        refreshToken={detailRefresh}
        onClose={() => setDetailId(null)}
        onEdit={(contact) => setFormTarget({ contact })}
        onDeleted={onContactDeleted}
      />

      <ImportWizard open={importOpen} onClose={() => setImportOpen(false)} />

      <ContactFormDialog
        target={formTarget}
        onClose={() => setFormTarget(null)}
        onSaved={onSaved}
        tagSuggestions={tags.map((tag) => tag.name)}
      />
    </div>
  );
}
