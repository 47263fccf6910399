import { useEffect, useMemo, useRef, useState } from "react";
import { api, type ItemKind, type SearchHit, type SearchMode, type SearchResponse } from "../api";
import type { ModeNotice } from "../bindings";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { Overlay } from "./Overlay";

const KIND_LABELS: Record<ItemKind, string> = {
  contact: "Contacts",
  note: "Notes",
  interaction: "Mail, events and calls",
  task: "Tasks",
  project: "Projects",
};

/**
 * Why the results fall back to exact words, in plain words. The backend's own message names a
 * command and a folder, which mean nothing to someone using the app.
 */
export const NOTICE_TEXT: Record<ModeNotice, string> = {
  model_missing:
    "Searching by meaning is not set up yet, so these results match your exact words. It becomes available once the search model is set up in Settings, under Semantic search.",
  embedder_unavailable:
    "Searching by meaning is not available right now, so these results match your exact words. Check Semantic search in Settings.",
  indexing_in_progress:
    "Some of your records are still being prepared for searching by meaning, so a few may be missing from these results.",
};

const MODES: { value: SearchMode; label: string }[] = [
  { value: "hybrid", label: "Best match" },
  { value: "keyword", label: "Exact words" },
  { value: "semantic", label: "Meaning" },
];

type CommandPaletteProps = {
  open: boolean;
  onClose: () => void;
  /** Opens what a result points at: its contact, or the page that holds it. */
  onOpen: (hit: SearchHit) => void;
  /** Opens Settings → Semantic search, offered when searching by meaning is not set up. */
  onOpenSearchSettings?: () => void;
};

/**
 * Cmd-K / Ctrl-K: searches everything as you type (contacts, notes, mail, events, calls, tasks,
 * projects), grouped by kind, each result showing why it matched; ↑/↓ move, Enter opens,
 * Escape closes.
 */
export function CommandPalette({ open, onClose, onOpen, onOpenSearchSettings }: CommandPaletteProps) {
  const [text, setText] = useState("");
  const [mode, setMode] = useState<SearchMode>("hybrid");
  const [response, setResponse] = useState<SearchResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const query = useDebouncedValue(text, 150);

  useEffect(() => {
    if (open) {
      setText("");
      setResponse(null);
      setError(null);
      setActive(0);
    }
  }, [open]);

  useEffect(() => {
    if (!open || !query.trim()) {
      setResponse(null);
      return;
    }
    let current = true;
    api
      .search({ text: query, mode, filters: { kinds: [], contact_id: null, tag_id: null, from: null, to: null }, limit: 5 })
      .then(
        (result) => {
          if (!current) return;
          setResponse(result);
          setError(null);
          setActive(0);
        },
        (caught: unknown) => {
          if (current) setError(caught instanceof Error ? caught.message : "Search failed");
        },
      );
    return () => {
      current = false;
    };
  }, [open, query, mode]);

  const hits = useMemo(() => response?.groups.flatMap((group) => group.hits) ?? [], [response]);

  const choose = (hit: SearchHit | undefined) => {
    if (!hit) return;
    onOpen(hit);
    onClose();
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive((index) => Math.min(index + 1, Math.max(hits.length - 1, 0)));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((index) => Math.max(index - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(hits[active]);
    }
  };

  let index = -1;
  return (
    <Overlay open={open} onClose={onClose} title="Search everything" size="lg" initialFocusRef={inputRef} testId="command-palette">
      <div className="palette" onKeyDown={onKeyDown}>
        <div className="palette__bar">
          <input
            ref={inputRef}
            className="input palette__input"
            type="search"
            placeholder="Search contacts, notes, mail, tasks…"
            aria-label="Search everything"
            aria-controls="palette-results"
            aria-activedescendant={hits[active] ? `palette-hit-${active}` : undefined}
            value={text}
            onChange={(event) => setText(event.target.value)}
            data-testid="palette-input"
          />
          <select className="select palette__mode" aria-label="Match by" value={mode} onChange={(event) => setMode(event.target.value as SearchMode)}>
            {MODES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {response?.notice ? (
          <p className="notice notice--warning small" role="status" data-testid="palette-notice">
            {NOTICE_TEXT[response.notice.reason] ?? NOTICE_TEXT.embedder_unavailable}
            {onOpenSearchSettings && response.notice.reason !== "indexing_in_progress" ? (
              <>
                {" "}
                <a
                  href="#/settings/semantic-search"
                  data-testid="palette-open-search-settings"
                  onClick={(event) => {
                    event.preventDefault();
                    onClose();
                    onOpenSearchSettings();
                  }}
                >
                  Open Semantic search settings
                </a>
              </>
            ) : null}
          </p>
        ) : null}
        {error ? (
          <p className="notice notice--danger" role="alert">
            {error}
          </p>
        ) : null}
        <div id="palette-results" role="listbox" aria-label="Results" className="palette__results">
          {response && hits.length === 0 ? (
            <p className="muted" data-testid="palette-empty">
              Nothing matches “{query}”.
            </p>
          ) : null}
          {!query.trim() ? <p className="muted small">Type to search. ↑ ↓ to move, Enter to open, Esc to close.</p> : null}
          {response?.groups.map((group) => (
            <section key={group.kind} className="palette__group" aria-label={KIND_LABELS[group.kind]}>
              <h3 className="section-subtitle">{KIND_LABELS[group.kind]}</h3>
              {group.hits.map((hit) => {
                index += 1;
                const position = index;
                return (
                  <div
                    key={`${hit.kind}-${hit.item_id}`}
                    id={`palette-hit-${position}`}
                    role="option"
                    aria-selected={position === active}
                    className={position === active ? "palette__hit is-active" : "palette__hit"}
                    onMouseEnter={() => setActive(position)}
                    onClick={() => choose(hit)}
                    data-testid="palette-hit"
                    data-kind={hit.kind}
                  >
                    <span className="palette__title">{hit.title}</span>
                    <span className="palette__snippet">
                      {hit.snippet.map((part, partIndex) => (part.highlighted ? <mark key={partIndex}>{part.text}</mark> : <span key={partIndex}>{part.text}</span>))}
                    </span>
                  </div>
                );
              })}
            </section>
          ))}
        </div>
      </div>
    </Overlay>
  );
}
