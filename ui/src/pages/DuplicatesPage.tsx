import { useCallback, useEffect, useState } from "react";
import { api, onContactsChanged, type DuplicateSuggestion, type MergeOutcome } from "../api";
import { Button } from "../components/Button";
import { EmptyState } from "../components/EmptyState";
import { MergeDialog } from "../components/duplicates/MergeDialog";
import { useToasts } from "../components/Toasts";
import { useEventSubscription } from "../hooks/useEventSubscription";

export const SUGGESTION_LIMIT = 200;

const keyOf = (suggestion: DuplicateSuggestion) => suggestion.contact_ids.join("|");

/** Contacts that are probably one person: merge them or say they are different people. */
export function DuplicatesPage() {
  const { showToast, showError } = useToasts();
  const [suggestions, setSuggestions] = useState<DuplicateSuggestion[] | null>(null);
  const [merging, setMerging] = useState<DuplicateSuggestion | null>(null);
  const [dismissing, setDismissing] = useState<string | null>(null);

  const load = useCallback(() => {
    api.duplicateSuggestions(SUGGESTION_LIMIT).then(setSuggestions, (error: unknown) =>
      showError(error, "Could not find duplicates"),
    );
  }, [showError]);

  useEffect(load, [load]);
  useEventSubscription(onContactsChanged, load);

  const dismiss = async (suggestion: DuplicateSuggestion) => {
    const key = keyOf(suggestion);
    setDismissing(key);
    try {
      await api.dismissDuplicates(suggestion.contact_ids);
      setSuggestions((current) => current?.filter((item) => keyOf(item) !== key) ?? null);
      showToast({ tone: "success", message: "Marked as different people" });
    } catch (error) {
      showError(error, "Could not dismiss the suggestion");
    } finally {
      setDismissing(null);
    }
  };

  const merged = (suggestion: DuplicateSuggestion, outcome: MergeOutcome) => {
    setMerging(null);
    setSuggestions((current) => current?.filter((item) => keyOf(item) !== keyOf(suggestion)) ?? null);
    showToast({
      tone: "success",
      message: `Merged ${suggestion.contact_ids.length} contacts into ${outcome.survivor.display_name}`,
      action: {
        label: "Undo",
        testId: "toast-undo-button",
        onAction: async () => {
          try {
            await api.undoBatch(outcome.batch_id);
            showToast({ tone: "info", message: "Merge undone" });
            load();
          } catch (error) {
            showError(error, "Could not undo the merge");
          }
        },
      },
    });
    load();
  };

  return (
    <div className="page duplicates-page" data-testid="duplicates-page">
      <header className="page__header">
        <h1 className="page__title">Duplicates</h1>
      </header>
      <div className="page__content page__content--padded">
        {suggestions === null ? (
          <p className="muted" aria-busy="true">
            Looking for duplicates…
          </p>
        ) : suggestions.length === 0 ? (
          <EmptyState icon="check" title="No duplicates found" testId="duplicates-empty">
            Contacts that look like the same person will show up here.
          </EmptyState>
        ) : (
          <ul className="duplicate-list">
            {suggestions.map((suggestion) => {
              const key = keyOf(suggestion);
              return (
                <li
                  key={key}
                  className="duplicate-suggestion card"
                  data-testid="duplicate-suggestion"
                  data-confidence={suggestion.confidence}
                >
                  <div className="duplicate-suggestion__main">
                    <p className="duplicate-suggestion__names">
                      <strong>{suggestion.display_names.join(" · ")}</strong>{" "}
                      <span
                        className={`pill duplicate-confidence duplicate-confidence--${suggestion.confidence}`}
                        data-testid="duplicate-confidence"
                      >
                        {suggestion.confidence === "exact" ? "Exact match" : "Likely match"}
                      </span>
                    </p>
                    <ul className="duplicate-suggestion__reasons muted">
                      {suggestion.reasons.map((reason) => (
                        <li key={reason}>{reason}</li>
                      ))}
                    </ul>
                  </div>
                  <div className="duplicate-suggestion__actions">
                    <Button variant="primary" size="sm" onClick={() => setMerging(suggestion)} data-testid="duplicate-merge-open">
                      Merge…
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      busy={dismissing === key}
                      onClick={() => dismiss(suggestion)}
                      data-testid="duplicate-dismiss"
                    >
                      Not duplicates
                    </Button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {merging ? (
        <MergeDialog
          contactIds={merging.contact_ids}
          onClose={() => setMerging(null)}
          onMerged={(outcome) => merged(merging, outcome)}
        />
      ) : null}
    </div>
  );
}
