import { useCallback, useEffect, useState } from "react";
import { api, onJobChanged, type ContactSuggestion } from "../../api";
import { useEventSubscription } from "../../hooks/useEventSubscription";
import { Button } from "../Button";
import { useToasts } from "../Toasts";

/**
 * People the Google sync met who are not contacts yet, each with the reason they are suggested.
 * Adding one makes a contact and links the mail and events that name them; dismissing one means
 * they are not suggested again. Nobody becomes a contact without the practitioner's say.
 */
export function GoogleSuggestions() {
  const { showToast, showError } = useToasts();
  const [suggestions, setSuggestions] = useState<ContactSuggestion[] | null>(null);
  const [deciding, setDeciding] = useState<string | null>(null);

  const load = useCallback(() => {
    api.googleSuggestions().then(setSuggestions, (error: unknown) => showError(error, "Could not read the suggested people"));
  }, [showError]);
  useEffect(load, [load]);
  useEventSubscription(onJobChanged, (change) => {
    if (change.kind.startsWith("google.") && change.status === "succeeded") load();
  });

  const decide = async (suggestion: ContactSuggestion, add: boolean) => {
    setDeciding(suggestion.id);
    try {
      if (add) {
        const approval = await api.approveGoogleSuggestion(suggestion.id, null);
        showToast({
          tone: "success",
          message: `Added ${approval.contact.display_name}; ${approval.linked_interactions} synced ${approval.linked_interactions === 1 ? "item is" : "items are"} now on their timeline.`,
        });
      } else {
        await api.dismissGoogleSuggestion(suggestion.id);
      }
      setSuggestions((current) => (current ?? []).filter((item) => item.id !== suggestion.id));
    } catch (error) {
      showError(error, add ? "Could not add the contact" : "Could not dismiss the suggestion");
    } finally {
      setDeciding(null);
    }
  };

  if (!suggestions || suggestions.length === 0) return null;
  return (
    <section className="suggestions" aria-labelledby="google-suggestions-title" data-testid="google-suggestions">
      <h3 id="google-suggestions-title" className="section-subtitle">
        People to add ({suggestions.length})
      </h3>
      <ul className="suggestion-list">
        {suggestions.map((suggestion) => (
          <li key={suggestion.id} className="suggestion" data-testid="google-suggestion">
            <div className="suggestion__who">
              <span className="suggestion__name">{suggestion.display_name ?? suggestion.email}</span>
              {suggestion.display_name ? <span className="muted small"> {suggestion.email}</span> : null}
              <p className="muted small">{suggestion.reason}</p>
            </div>
            <Button size="sm" variant="primary" icon="plus" busy={deciding === suggestion.id} disabled={deciding !== null} onClick={() => void decide(suggestion, true)} data-testid="google-suggestion-add">
              Add contact
            </Button>
            <Button size="sm" variant="ghost" disabled={deciding !== null} onClick={() => void decide(suggestion, false)} data-testid="google-suggestion-dismiss">
              Dismiss
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
