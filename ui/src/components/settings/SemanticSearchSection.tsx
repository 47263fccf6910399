import { useEffect, useId, useState } from "react";
import { api, toAppError, type EmbedderProbe, type EmbedderSettings, type EmbedderSettingsState, type EmbedderSource } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { TextField } from "../form/TextField";
import { shownFieldError } from "../form/FieldErrors";
import { isLocalUrl } from "../../lib/urls";
import { useToasts } from "../Toasts";

export const OLLAMA_EMBEDDINGS_URL = "http://localhost:11434/v1";
/** The local model's id, as the backend names it. */
export const LOCAL_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2";

/** The form's text: the dimension count stays a string while typed. */
type Draft = { source: EmbedderSource; baseUrl: string; model: string; dimensions: string };

function draftOf(settings: EmbedderSettings): Draft {
  return {
    source: settings.source ?? "local",
    baseUrl: settings.base_url,
    model: settings.model,
    dimensions: String(settings.dimensions),
  };
}

function settingsOf(draft: Draft, base: EmbedderSettings): EmbedderSettings {
  const dimensions = Number(draft.dimensions.trim());
  return {
    ...base,
    source: draft.source,
    base_url: draft.baseUrl.trim(),
    model: draft.model.trim(),
    // Not a whole number: 0, which the backend refuses by field.
    dimensions: Number.isInteger(dimensions) && dimensions > 0 ? dimensions : 0,
  };
}



/** What runs now, and whether the saved choice waits for a restart. */
function ActiveLine({ state }: { state: EmbedderSettingsState }) {
  const running = state.active_model_id;
  return (
    <p className="muted" role="status" data-testid="embedder-active">
      {running
        ? `Semantic search runs with ${running === LOCAL_MODEL_ID ? "the local model (all-MiniLM-L6-v2)" : running}.`
        : "Semantic search is off: search works by keywords only."}
    </p>
  );
}

/**
 * Settings → Semantic search: the local model (nothing leaves this computer) or an
 * OpenAI-compatible embeddings endpoint such as Ollama. The endpoint's API key is write-only.
 */
export function SemanticSearchSection() {
  const { showToast, showError } = useToasts();
  const id = useId();
  const [state, setState] = useState<EmbedderSettingsState | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [probe, setProbe] = useState<EmbedderProbe | null>(null);
  const [probeError, setProbeError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    api.embedderSettings().then(
      (loaded) => {
        setState(loaded);
        setDraft(draftOf(loaded.settings));
      },
      (error: unknown) => showError(error, "Could not load the semantic search settings"),
    );
  }, [showError]);

  if (!state || !draft) return <p className="muted">Loading the semantic search settings…</p>;

  const update = (change: Partial<Draft>) => {
    setDraft((current) => (current ? { ...current, ...change } : current));
    setProbe(null);
    setProbeError(null);
  };
  const remote = draft.source === "remote";

  const save = async () => {
    setBusy(true);
    setFieldErrors({});
    try {
      const saved = await api.embedderSave(settingsOf(draft, state.settings), key.trim() === "" ? null : key);
      setState(saved);
      setDraft(draftOf(saved.settings));
      showToast({
        tone: "success",
        message: saved.restart_needed ? "Saved: restart OmniCRM to use it" : "Semantic search settings saved",
      });
    } catch (error) {
      const byField = errorsByField(error);
      setFieldErrors(byField);
      if (Object.keys(byField).length === 0) showError(error, "Could not save the semantic search settings");
    } finally {
      // The key is never kept in the page, whether it was stored or not.
      setKey("");
      setBusy(false);
    }
  };

  const tryEndpoint = async () => {
    setBusy(true);
    setProbe(null);
    setProbeError(null);
    setFieldErrors({});
    try {
      setProbe(await api.embedderProbe(settingsOf(draft, state.settings), key.trim() === "" ? null : key));
    } catch (error) {
      const byField = errorsByField(error);
      setFieldErrors(byField);
      setProbeError(Object.keys(byField).length > 0 ? "Fix the fields marked below first." : toAppError(error).message);
    } finally {
      setBusy(false);
    }
  };

  const removeKey = async () => {
    setBusy(true);
    try {
      setState(await api.embedderClearKey());
      showToast({ tone: "success", message: "The embeddings API key is removed" });
    } catch (error) {
      showError(error, "Could not remove the embeddings API key");
    } finally {
      setBusy(false);
    }
  };

  const restart = () => {
    api.restartApp().catch((error: unknown) => showError(error, "Could not restart OmniCRM"));
  };

  return (
    <div className="embedder-settings" data-testid="embedder-settings">
      <ActiveLine state={state} />
      {state.restart_needed ? (
        <div className="alert" role="status" data-testid="embedder-restart-needed">
          <span>The saved choice takes effect when OmniCRM starts again; records are then embedded again in the background.</span>{" "}
          <Button size="sm" onClick={restart} data-testid="embedder-restart">
            Restart now
          </Button>
        </div>
      ) : null}

      <fieldset className="field">
        <legend className="field__label">Where embeddings are made</legend>
        <label className="checkbox-row">
          <input
            type="radio"
            name={`${id}-source`}
            value="local"
            checked={!remote}
            onChange={() => update({ source: "local" })}
            data-testid="embedder-source-local"
          />
          <span>On this computer (all-MiniLM-L6-v2): nothing leaves this computer</span>
        </label>
        <label className="checkbox-row">
          <input
            type="radio"
            name={`${id}-source`}
            value="remote"
            checked={remote}
            onChange={() => update({ source: "remote" })}
            data-testid="embedder-source-remote"
          />
          <span>An embeddings endpoint (OpenAI-compatible, e.g. Ollama)</span>
        </label>
      </fieldset>

      {remote ? (
        <>
          <TextField
            id={`${id}-base-url`}
            label="Endpoint URL"
            value={draft.baseUrl}
            onValueChange={(baseUrl) => update({ baseUrl })}
            errors={shownFieldError(fieldErrors, "base_url", `${id}-base-url`)}
            hint={`Up to and including /v1. Ollama: ${OLLAMA_EMBEDDINGS_URL}`}
            testId="embedder-base-url"
          />
          <TextField
            id={`${id}-model`}
            label="Model"
            value={draft.model}
            onValueChange={(model) => update({ model })}
            errors={shownFieldError(fieldErrors, "model", `${id}-model`)}
            hint="For example nomic-embed-text on Ollama, or text-embedding-3-small."
            testId="embedder-model"
          />
          <TextField
            id={`${id}-dimensions`}
            label="Dimensions"
            inputMode="numeric"
            value={draft.dimensions}
            onValueChange={(dimensions) => update({ dimensions })}
            errors={shownFieldError(fieldErrors, "dimensions", `${id}-dimensions`)}
            hint="The length of the model's vectors: 768 for nomic-embed-text, 1536 for text-embedding-3-small. Try the endpoint to check."
            testId="embedder-dimensions"
          />
          <TextField
            id={`${id}-key`}
            label={state.api_key_stored ? "API key (one is stored; type to replace it)" : "API key (optional)"}
            type="password"
            autoComplete="off"
            value={key}
            onValueChange={setKey}
            errors={[]}
            hint="Kept in your system keyring, never in the database."
            testId="embedder-api-key"
          />
          <p className="muted" data-testid="embedder-privacy-note">
            {isLocalUrl(draft.baseUrl)
              ? "This endpoint runs on this computer: your notes stay here."
              : "The text of your records (never those marked private) is sent to this endpoint to be embedded."}
          </p>
          <div className="embedder-settings__actions">
            <Button variant="ghost" onClick={tryEndpoint} disabled={busy} data-testid="embedder-probe">
              Try the endpoint
            </Button>
            {state.api_key_stored ? (
              <Button variant="ghost" onClick={removeKey} disabled={busy} data-testid="embedder-clear-key">
                Remove the stored key
              </Button>
            ) : null}
          </div>
          {probe ? (
            <p className="alert" role="status" data-testid="embedder-probe-ok">
              The endpoint answered in {probe.milliseconds} ms with {probe.dimensions}-dimensional vectors.
            </p>
          ) : null}
          {probeError ? (
            <p className="alert alert--warning" role="alert" data-testid="embedder-probe-error">
              {probeError}
            </p>
          ) : null}
        </>
      ) : null}

      <Button onClick={save} disabled={busy} data-testid="embedder-save">
        Save
      </Button>
    </div>
  );
}
