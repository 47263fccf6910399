import { useCallback, useEffect, useId, useState } from "react";
import {
  api,
  type AiSettings,
  type AiSettingsState,
  type AiStatus,
  type LimitUsage,
  type ModelPrice,
  type ProviderLocation,
  type UsageSummary,
} from "../../api";
import { formatUsd } from "../../lib/aiErrors";
import { errorsByField } from "../../lib/fieldErrors";
import { formatDateTime, formatNumber } from "../../lib/format";
import { Button } from "../Button";
import { Checkbox } from "../Checkbox";
import { ProgressBar } from "../ProgressBar";
import { Select } from "../Select";
import { TextField } from "../form/TextField";
import { shownFieldError } from "../form/FieldErrors";
import { isLocalUrl } from "../../lib/urls";
import { useToasts } from "../Toasts";

export const OPENROUTER_URL = "https://openrouter.ai/api/v1";
export const OLLAMA_URL = "http://localhost:11434/v1";
export const LM_STUDIO_URL = "http://localhost:1234/v1";

const LOCATIONS: ReadonlyArray<{ value: ProviderLocation; label: string }> = [
  { value: "auto", label: "Decide from the URL (localhost is local)" },
  { value: "local", label: "Local: a server I run" },
  { value: "cloud", label: "Cloud: treat as leaving this computer" },
];

/** The form's text: numbers stay strings while typed, so a half-typed "0." is not lost. */
type Draft = {
  enabled: boolean;
  baseUrl: string;
  location: ProviderLocation;
  model: string;
  fallbacks: string;
  redactCloud: boolean;
  requestsPerMinute: string;
  dailyCap: string;
  monthlyCredits: string;
  /** The model's price you set, US$ per million tokens; both empty: OmniCRM's price list. */
  inputPrice: string;
  outputPrice: string;
};

/** The backend's defaults, for fields a stored row leaves out (every field has a serde default). */
const DEFAULT_LIMITS = { requests_per_minute: 20, daily_cost_cap_usd: 1, monthly_credits_usd: 10, reserve_per_request_usd: 0.01 };

/** The price fields for `model`: the price set for it, or empty (OmniCRM's price list). */
function priceFieldsOf(model: string, settings: AiSettings): Pick<Draft, "inputPrice" | "outputPrice"> {
  const price = (settings.prices ?? []).find((entry) => entry.model === model.trim());
  return {
    inputPrice: price?.prompt_usd_per_million != null ? String(price.prompt_usd_per_million) : "",
    outputPrice: price?.completion_usd_per_million != null ? String(price.completion_usd_per_million) : "",
  };
}

function draftOf(settings: AiSettings): Draft {
  const limits = settings.limits;
  return {
    ...priceFieldsOf(settings.model ?? "", settings),
    enabled: settings.enabled ?? true,
    baseUrl: settings.base_url ?? OPENROUTER_URL,
    location: settings.location ?? "auto",
    model: settings.model ?? "",
    fallbacks: (settings.fallback_models ?? []).join(", "),
    redactCloud: settings.redact_cloud ?? true,
    requestsPerMinute: String(limits?.requests_per_minute ?? DEFAULT_LIMITS.requests_per_minute),
    dailyCap: String(limits?.daily_cost_cap_usd ?? DEFAULT_LIMITS.daily_cost_cap_usd),
    monthlyCredits: String(limits?.monthly_credits_usd ?? DEFAULT_LIMITS.monthly_credits_usd),
  };
}

/** Numbers that do not parse go to the backend as NaN-free sentinels it refuses by field. */
function amount(text: string): number {
  const value = Number(text.trim());
  return text.trim() === "" || !Number.isFinite(value) ? -1 : value;
}

/** The prices with the model's own set from the draft (or removed when both fields are empty). */
function pricesOf(draft: Draft, base: AiSettings): ModelPrice[] {
  const model = draft.model.trim();
  const others = (base.prices ?? []).filter((price) => price.model !== model);
  if (draft.inputPrice.trim() === "" && draft.outputPrice.trim() === "") return others;
  return [
    ...others,
    { model, prompt_usd_per_million: amount(draft.inputPrice), completion_usd_per_million: amount(draft.outputPrice) },
  ];
}

function settingsOf(draft: Draft, base: AiSettings): AiSettings {
  const requests = Number(draft.requestsPerMinute.trim());
  const prices = pricesOf(draft, base);
  return {
    ...base,
    prices,
    enabled: draft.enabled,
    base_url: draft.baseUrl.trim(),
    location: draft.location,
    model: draft.model.trim(),
    fallback_models: draft.fallbacks
      .split(/[,\n]/)
      .map((model) => model.trim())
      .filter((model) => model.length > 0),
    redact_cloud: draft.redactCloud,
    limits: {
      reserve_per_request_usd: base.limits?.reserve_per_request_usd ?? DEFAULT_LIMITS.reserve_per_request_usd,
      requests_per_minute:
        Number.isInteger(requests) && requests >= 0
          ? requests
          : (base.limits?.requests_per_minute ?? DEFAULT_LIMITS.requests_per_minute),
      daily_cost_cap_usd: amount(draft.dailyCap),
      monthly_credits_usd: amount(draft.monthlyCredits),
    },
  };
}


/** Whether the provider counts as on this computer, as the backend decides it. */
function draftIsLocal(draft: Draft): boolean {
  if (draft.location === "local") return true;
  if (draft.location === "cloud") return false;
  return isLocalUrl(draft.baseUrl);
}


/**
 * Why AI is off, said for someone already looking at these settings: the backend's message
 * sends them to "Settings → AI", where they are.
 */
function offHere(status: AiStatus): string {
  switch (status.reason) {
    case "disabled":
      return "AI is off. Tick “Use the AI assistant” below to turn it on.";
    case "missing_api_key":
      return "AI is off: add the provider's API key below, under API key.";
    default:
      return `AI is off: ${status.message ?? "it is not available right now."}`;
  }
}

/** The status line: on and where it goes, or off and why. */
export function AiStatusLine({ status }: { status: AiStatus }) {
  if (!status.available) {
    return (
      <p className="alert alert--warning" role="status" data-testid="ai-status" data-state="off">
        {offHere(status)}
      </p>
    );
  }
  return (
    <p className="muted" role="status" data-testid="ai-status" data-state="on">
      AI is on: {status.models.join(" → ")} {status.provider === "local" ? "on this computer" : `at ${status.base_url}`}.{" "}
      {status.privacy}
    </p>
  );
}

function UsageBar({ label, usage, money, testId }: { label: string; usage: LimitUsage; money: boolean; testId: string }) {
  // Amounts are never NaN in practice; the generated type allows null because f64 may be.
  const used = usage.used ?? 0;
  const limit = usage.limit ?? 0;
  const text = money
    ? `${label}: ${formatUsd(used)} of ${formatUsd(limit)}`
    : `${label}: ${formatNumber(used)} of ${formatNumber(limit)}`;
  return (
    <div data-testid={testId}>
      <ProgressBar value={used} max={limit} label={text} />
      <p className="field__hint">Resets {formatDateTime(usage.resets_at)}</p>
    </div>
  );
}

/** Requests this minute, cost today and this month against the limits, and use per model. */
export function AiUsageView({ usage }: { usage: UsageSummary }) {
  return (
    <div className="ai-usage" data-testid="ai-usage">
      <UsageBar label="Requests this minute" usage={usage.minute} money={false} testId="ai-usage-minute" />
      <UsageBar label="Cost today" usage={usage.today} money testId="ai-usage-today" />
      <UsageBar label="Cost this month" usage={usage.month} money testId="ai-usage-month" />
      {usage.by_model.length === 0 ? (
        <p className="muted" data-testid="ai-usage-models-empty">
          No AI requests this month.
        </p>
      ) : (
        <table className="simple-table" data-testid="ai-usage-models">
          <caption className="visually-hidden">This month by model</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Requests</th>
              <th scope="col">Tokens in</th>
              <th scope="col">Tokens out</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {usage.by_model.map((model) => (
              <tr key={model.model} data-testid="ai-usage-model-row">
                <td>{model.model}</td>
                <td className="tabular">{formatNumber(model.requests)}</td>
                <td className="tabular">{formatNumber(model.prompt_tokens)}</td>
                <td className="tabular">{formatNumber(model.completion_tokens)}</td>
                <td className="tabular">{formatUsd(model.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Settings → AI assistant: provider, models, privacy, the API key (write-only), limits and usage. */
export function AiSection() {
  const { showToast, showError } = useToasts();
  const id = useId();
  const [state, setState] = useState<AiSettingsState | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState<AiStatus | null>(null);
  const [usage, setUsage] = useState<UsageSummary | null>(null);
  const [saving, setSaving] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [key, setKey] = useState("");
  const [keyBusy, setKeyBusy] = useState(false);

  const refreshStatus = useCallback(() => {
    api.aiStatus().then(setStatus, (error: unknown) => showError(error, "Could not read the AI status"));
    api.aiUsage().then(setUsage, (error: unknown) => showError(error, "Could not read the AI usage"));
  }, [showError]);

  useEffect(() => {
    api.aiSettings().then(
      (loaded) => {
        setState(loaded);
        setDraft(draftOf(loaded.settings));
      },
      (error: unknown) => showError(error, "Could not load the AI settings"),
    );
    refreshStatus();
  }, [refreshStatus, showError]);

  if (!state || !draft) return <p className="muted">Loading the AI settings…</p>;

  const update = (change: Partial<Draft>) => setDraft((current) => (current ? { ...current, ...change } : current));
  const local = draftIsLocal(draft);
  // Where the model's own price lands in what is saved, for the backend's field errors.
  const priceIndex = pricesOf(draft, state.settings).findIndex((price) => price.model === draft.model.trim());

  const save = async () => {
    setSaving(true);
    setFieldErrors({});
    try {
      const saved = await api.aiSaveSettings(settingsOf(draft, state.settings));
      setState(saved);
      setDraft(draftOf(saved.settings));
      showToast({ tone: "success", message: "AI settings saved" });
      refreshStatus();
    } catch (error) {
      const byField = errorsByField(error);
      setFieldErrors(byField);
      if (Object.keys(byField).length === 0) showError(error, "Could not save the AI settings");
    } finally {
      setSaving(false);
    }
  };

  const storeKey = async () => {
    setKeyBusy(true);
    try {
      const saved = await api.aiSetKey(key);
      setState(saved);
      showToast({ tone: "success", message: "The API key is stored in your system keyring" });
      refreshStatus();
    } catch (error) {
      showError(error, "Could not store the API key");
    } finally {
      // The key is never kept in the page, whether it was stored or not.
      setKey("");
      setKeyBusy(false);
    }
  };

  const removeKey = async () => {
    setKeyBusy(true);
    try {
      setState(await api.aiClearKey());
      showToast({ tone: "success", message: "The API key is removed" });
      refreshStatus();
    } catch (error) {
      showError(error, "Could not remove the API key");
    } finally {
      setKeyBusy(false);
    }
  };

  return (
    <div className="ai-settings" data-testid="ai-settings">
      {status ? <AiStatusLine status={status} /> : null}

      <label className="checkbox-row">
        <Checkbox
          checked={draft.enabled}
          onChange={(event) => update({ enabled: event.target.checked })}
          data-testid="ai-enabled"
        />
        <span>Use the AI assistant</span>
      </label>

      <TextField
        id={`${id}-base-url`}
        label="Provider URL (OpenAI-compatible)"
        value={draft.baseUrl}
        onValueChange={(baseUrl) => update({ baseUrl })}
        errors={shownFieldError(fieldErrors, "base_url", `${id}-base-url`)}
        hint={`OpenRouter (default): ${OPENROUTER_URL} · Ollama: ${OLLAMA_URL} · LM Studio: ${LM_STUDIO_URL}`}
        testId="ai-base-url"
      />
      <div className="ai-settings__presets">
        <Button size="sm" variant="ghost" onClick={() => update({ baseUrl: OPENROUTER_URL })} data-testid="ai-preset-openrouter">
          OpenRouter
        </Button>
        <Button size="sm" variant="ghost" onClick={() => update({ baseUrl: OLLAMA_URL })} data-testid="ai-preset-ollama">
          Ollama
        </Button>
        <Button size="sm" variant="ghost" onClick={() => update({ baseUrl: LM_STUDIO_URL })} data-testid="ai-preset-lmstudio">
          LM Studio
        </Button>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-location`}>
          Where the provider runs
        </label>
        <Select
          id={`${id}-location`}
          value={draft.location}
          options={LOCATIONS}
          onChange={(event) => update({ location: event.target.value as ProviderLocation })}
          data-testid="ai-location"
        />
      </div>
      <TextField
        id={`${id}-model`}
        label="Model"
        value={draft.model}
        // Another model has its own price: the fields follow the model, not the other way round.
        onValueChange={(model) => update({ model, ...priceFieldsOf(model, state.settings) })}
        errors={shownFieldError(fieldErrors, "model", `${id}-model`)}
        hint="For example openai/gpt-4o-mini on OpenRouter, or llama3.1 on Ollama."
        testId="ai-model"
      />
      <div className="ai-settings__limits">
        <TextField
          id={`${id}-input-price`}
          label="Model price: input (US$ per million tokens)"
          inputMode="decimal"
          value={draft.inputPrice}
          onValueChange={(inputPrice) => update({ inputPrice })}
          errors={shownFieldError(fieldErrors, `prices[${priceIndex}]`, `${id}-input-price`)}
          testId="ai-price-input"
        />
        <TextField
          id={`${id}-output-price`}
          label="Model price: output (US$ per million tokens)"
          inputMode="decimal"
          value={draft.outputPrice}
          onValueChange={(outputPrice) => update({ outputPrice })}
          errors={[]}
          testId="ai-price-output"
        />
      </div>
      <p className="muted" data-testid="ai-price-note">
        {local
          ? "A provider on your computer costs nothing: no price is needed."
          : "As the provider lists it. Leave both empty to use OmniCRM's price list; a model it does not know needs a price, so the cost caps can be kept."}
      </p>
      <TextField
        id={`${id}-fallbacks`}
        label="Fallback models"
        value={draft.fallbacks}
        onValueChange={(fallbacks) => update({ fallbacks })}
        errors={shownFieldError(fieldErrors, "fallback_models[0]", `${id}-fallbacks`)}
        hint="Tried in order, separated by commas, when the model fails."
        testId="ai-fallbacks"
      />

      <h3 className="transfer__subtitle">Privacy</h3>
      <label className="checkbox-row">
        <Checkbox
          checked={draft.redactCloud}
          onChange={(event) => update({ redactCloud: event.target.checked })}
          data-testid="ai-redact"
        />
        <span>Hide emails, phone numbers, card numbers and IDs before text goes to a cloud provider</span>
      </label>
      <p className="muted" data-testid="ai-privacy-note">
        {local
          ? "This provider runs on your computer: nothing leaves it, so no redaction is needed."
          : draft.redactCloud
            ? "Redaction is on. Answers show the real details again; records marked private are never sent."
            : "Redaction is off: personal details are sent to the provider as written. Records marked private are never sent."}
      </p>

      <h3 className="transfer__subtitle">API key</h3>
      {state.api_key_stored ? (
        <div className="ai-settings__key" data-testid="ai-key-stored">
          <span className="badge badge--success">A key is stored</span>
          <Button size="sm" variant="danger-ghost" icon="trash" busy={keyBusy} onClick={removeKey} data-testid="ai-key-remove">
            Remove
          </Button>
        </div>
      ) : (
        <div className="ai-settings__key">
          <TextField
            id={`${id}-key`}
            label="API key"
            type="password"
            autoComplete="off"
            value={key}
            onValueChange={setKey}
            errors={[]}
            hint={
              local
                ? "A local provider usually needs no key."
                : "Kept in your system keyring, never shown again and never written to the database."
            }
            testId="ai-key-input"
          />
          <Button busy={keyBusy} disabled={key.trim() === ""} onClick={storeKey} data-testid="ai-key-save">
            Store key
          </Button>
        </div>
      )}

      <h3 className="transfer__subtitle">Limits</h3>
      <div className="ai-settings__limits">
        <TextField
          id={`${id}-rpm`}
          label="Requests per minute"
          inputMode="numeric"
          value={draft.requestsPerMinute}
          onValueChange={(requestsPerMinute) => update({ requestsPerMinute })}
          errors={shownFieldError(fieldErrors, "limits.requests_per_minute", `${id}-rpm`)}
          testId="ai-limit-rpm"
        />
        <TextField
          id={`${id}-daily`}
          label="Daily cost cap (US$)"
          inputMode="decimal"
          value={draft.dailyCap}
          onValueChange={(dailyCap) => update({ dailyCap })}
          errors={shownFieldError(fieldErrors, "limits.daily_cost_cap_usd", `${id}-daily`)}
          testId="ai-limit-daily"
        />
        <TextField
          id={`${id}-monthly`}
          label="Monthly credits (US$)"
          inputMode="decimal"
          value={draft.monthlyCredits}
          onValueChange={(monthlyCredits) => update({ monthlyCredits })}
          errors={shownFieldError(fieldErrors, "limits.monthly_credits_usd", `${id}-monthly`)}
          testId="ai-limit-monthly"
        />
      </div>
      <p className="muted">A limit of zero turns AI requests off until it is raised.</p>

      <div className="ai-settings__actions">
        <Button variant="primary" busy={saving} onClick={save} data-testid="ai-save">
          Save AI settings
        </Button>
      </div>

      <h3 className="transfer__subtitle">Usage</h3>
      {usage ? <AiUsageView usage={usage} /> : <p className="muted">Loading usage…</p>}
    </div>
  );
}
