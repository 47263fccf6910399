// Pure helpers for the table's multi-select: toggling, shift-click ranges and the
// "select all loaded" header checkbox. Selections are immutable Sets of contact ids.

export type RowLookup = (rowIndex: number) => { id: string } | undefined;

export function toggleId(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/**
 * Shift-click: every loaded row between the anchor and the clicked row (inclusive)
 * takes the state `select`. Rows that are not loaded yet are skipped.
 */
export function applyRange(
  selected: ReadonlySet<string>,
  anchorIndex: number,
  targetIndex: number,
  lookup: RowLookup,
  select: boolean,
): Set<string> {
  const next = new Set(selected);
  const start = Math.min(anchorIndex, targetIndex);
  const end = Math.max(anchorIndex, targetIndex);
  for (let index = start; index <= end; index += 1) {
    const row = lookup(index);
    if (!row) continue;
    if (select) next.add(row.id);
    else next.delete(row.id);
  }
  return next;
}

export type HeaderCheckboxState = "none" | "some" | "all";

export function headerCheckboxState(selected: ReadonlySet<string>, loadedIds: readonly string[]): HeaderCheckboxState {
  if (loadedIds.length === 0) return "none";
  let count = 0;
  for (const id of loadedIds) if (selected.has(id)) count += 1;
  if (count === 0) return selected.size > 0 ? "some" : "none";
  return count === loadedIds.length ? "all" : "some";
}

/** Header checkbox click: selects every loaded row, or clears the selection if all are selected. */
export function toggleAllLoaded(selected: ReadonlySet<string>, loadedIds: readonly string[]): Set<string> {
  if (headerCheckboxState(selected, loadedIds) === "all") return new Set();
  const next = new Set(selected);
  for (const id of loadedIds) next.add(id);
  return next;
}
