// The contacts table's columns: which exist, how wide each may get, which to drop first when
// the window is narrow, and which the user chose to see (kept in localStorage).

import type { ContactSort } from "../api";

export type ColumnId = "name" | "email" | "phone" | "stage" | "status" | "tags" | "updated";

export type ColumnSpec = {
  id: ColumnId;
  label: string;
  sort?: ContactSort;
  /** Its grid track; the minimum is what the column needs to be readable. */
  min: number;
  track: string;
  /** Lower is kept longer when the table is too narrow for every column. */
  priority: number;
};

/**
 * Email gets the most room (a whole address is ~200 px), then name and tags; stage, status and
 * "Updated" only what their longest text needs ("Referring Client", "Dec 31, 2025" and its
 * sortable heading).
 */
export const COLUMN_SPECS: readonly ColumnSpec[] = [
  { id: "name", label: "Name", sort: "name", min: 170, track: "minmax(170px, 1.6fr)", priority: 0 },
  { id: "email", label: "Email", min: 200, track: "minmax(200px, 2.4fr)", priority: 1 },
  { id: "phone", label: "Phone", min: 128, track: "minmax(128px, 1fr)", priority: 4 },
  { id: "stage", label: "Stage", sort: "stage", min: 124, track: "124px", priority: 2 },
  { id: "status", label: "Status", min: 92, track: "92px", priority: 3 },
  { id: "tags", label: "Tags", min: 120, track: "minmax(120px, 1.6fr)", priority: 5 },
  { id: "updated", label: "Updated", sort: "updated", min: 104, track: "104px", priority: 6 },
];

export const ALL_COLUMNS: readonly ColumnId[] = COLUMN_SPECS.map((column) => column.id);
/** The selection checkbox's column. */
export const SELECT_COLUMN_WIDTH = 44;

const specOf = (id: ColumnId): ColumnSpec => COLUMN_SPECS.find((column) => column.id === id) ?? COLUMN_SPECS[0];

export function isColumnId(value: unknown): value is ColumnId {
  return typeof value === "string" && (ALL_COLUMNS as readonly string[]).includes(value);
}

/** The width the columns need at least, with the checkbox column. */
export function minimumWidth(columns: readonly ColumnId[]): number {
  return columns.reduce((sum, id) => sum + specOf(id).min, SELECT_COLUMN_WIDTH);
}

/**
 * The chosen columns that fit `width` (in table order): the least needed ones are dropped
 * until the rest fit. Name always stays. An unknown width (0) keeps them all.
 */
export function columnsThatFit(chosen: readonly ColumnId[], width: number): ColumnId[] {
  const shown = ALL_COLUMNS.filter((id) => id === "name" || chosen.includes(id));
  if (width <= 0) return shown;
  const byDropOrder = [...shown].sort((a, b) => specOf(b).priority - specOf(a).priority);
  const kept = new Set(shown);
  for (const id of byDropOrder) {
    if (minimumWidth([...kept]) <= width || id === "name") break;
    kept.delete(id);
  }
  return shown.filter((id) => kept.has(id));
}

/** The CSS grid tracks for these columns, checkbox column first. */
export function gridTemplate(columns: readonly ColumnId[]): string {
  return [`${SELECT_COLUMN_WIDTH}px`, ...columns.map((id) => specOf(id).track)].join(" ");
}

export function columnSpec(id: ColumnId): ColumnSpec {
  return specOf(id);
}

const STORAGE_KEY = "omnicrm.contactColumns";

/** The columns the user chose to see; all of them until they choose. */
export function loadChosenColumns(storage: Storage | undefined = globalThis.localStorage): ColumnId[] {
  try {
    const stored: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "null");
    if (Array.isArray(stored)) {
      const columns = stored.filter(isColumnId);
      return ALL_COLUMNS.filter((id) => id === "name" || columns.includes(id));
    }
  } catch {
    // A damaged value means no choice was kept: show every column.
  }
  return [...ALL_COLUMNS];
}

export function saveChosenColumns(columns: readonly ColumnId[], storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(columns));
  } catch {
    // Storage full or blocked: the choice holds for this session only.
  }
}
