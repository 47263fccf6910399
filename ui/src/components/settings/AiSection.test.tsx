import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { aiOffNoKey, aiOn, settingsState, usage } from "../../test/aiFixtures";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { AiSection } from "./AiSection";

function renderSection() {
  return render(
    <ToastProvider>
      <AiSection />
    </ToastProvider>,
  );
}

describe("AiSection", () => {
  it("saves the edited provider, fallbacks and limits, and shows field errors from the backend", async () => {
    let saved = settingsState();
    mockCommands({
      ai_settings_get: () => saved,
      ai_status: () => aiOn,
      ai_usage: () => usage,
      ai_settings_save: (args) => {
        const settings = args.settings as typeof saved.settings;
        if (settings.model === "") throw appError("validation_failed", "invalid", { fields: [{ field: "model", message: "is required" }] });
        saved = { settings, api_key_stored: false };
        return saved;
      },
    });
    const user = userEvent.setup();
    renderSection();

    const model = await screen.findByTestId("ai-model");
    await user.clear(model);
    await user.click(screen.getByTestId("ai-save"));
    expect((await screen.findByTestId("field-error-model")).textContent).toBe("is required");

    await user.type(model, "llama3.1");
    await user.click(screen.getByTestId("ai-preset-ollama"));
    await user.clear(screen.getByTestId("ai-fallbacks"));
    await user.type(screen.getByTestId("ai-fallbacks"), "qwen, ,phi");
    await user.clear(screen.getByTestId("ai-limit-daily"));
    await user.type(screen.getByTestId("ai-limit-daily"), "2.5");
    await user.clear(screen.getByTestId("ai-limit-rpm"));
    await user.type(screen.getByTestId("ai-limit-rpm"), "6");
    await user.click(screen.getByTestId("ai-save"));

    await waitFor(() => expect(callsTo("ai_settings_save")).toHaveLength(2));
    const sent = callsTo("ai_settings_save")[1].settings as typeof saved.settings;
    expect(sent.base_url).toBe("http://localhost:11434/v1");
    expect(sent.model).toBe("llama3.1");
    expect(sent.fallback_models).toEqual(["qwen", "phi"]);
    expect(sent.limits?.daily_cost_cap_usd).toBe(2.5);
    expect(sent.limits?.requests_per_minute).toBe(6);
    expect(sent.limits?.monthly_credits_usd).toBe(10);
    // A provider on localhost needs no redaction, and the page says so.
    expect(screen.getByTestId("ai-privacy-note").textContent).toContain("no redaction is needed");
  }, 20000);

  // Issue 19: a cloud model OmniCRM has no price for is refused so the caps can be kept; its
  // price is set here, per million tokens, and clearing both fields removes it.
  it("saves the model's price per million tokens, and removes it when both fields are emptied", async () => {
    let saved = settingsState({
      model: "someone/new-model",
      prices: [{ model: "other/model", prompt_usd_per_million: 1, completion_usd_per_million: 2 }],
    });
    mockCommands({
      ai_settings_get: () => saved,
      ai_status: () => aiOn,
      ai_usage: () => usage,
      ai_settings_save: (args) => {
        saved = { settings: args.settings as typeof saved.settings, api_key_stored: false };
        return saved;
      },
    });
    const user = userEvent.setup();
    renderSection();

    const input = await screen.findByTestId("ai-price-input");
    expect((input as HTMLInputElement).value).toBe("");
    await user.type(input, "0.5");
    await user.type(screen.getByTestId("ai-price-output"), "1.5");
    await user.click(screen.getByTestId("ai-save"));
    await waitFor(() => expect(callsTo("ai_settings_save")).toHaveLength(1));
    const sent = callsTo("ai_settings_save")[0].settings as typeof saved.settings;
    expect(sent.prices).toEqual([
      { model: "other/model", prompt_usd_per_million: 1, completion_usd_per_million: 2 },
      { model: "someone/new-model", prompt_usd_per_million: 0.5, completion_usd_per_million: 1.5 },
    ]);

    await waitFor(() => expect((screen.getByTestId("ai-price-input") as HTMLInputElement).value).toBe("0.5"));
    await user.clear(screen.getByTestId("ai-price-input"));
    await user.clear(screen.getByTestId("ai-price-output"));
    await user.click(screen.getByTestId("ai-save"));
    await waitFor(() => expect(callsTo("ai_settings_save")).toHaveLength(2));
    const cleared = callsTo("ai_settings_save")[1].settings as typeof saved.settings;
    expect(cleared.prices).toEqual([{ model: "other/model", prompt_usd_per_million: 1, completion_usd_per_million: 2 }]);
  }, 20000);

  it("keeps the API key write-only: stores it, clears the field, then only offers Remove", async () => {
    let state = settingsState();
    let status = aiOffNoKey;
    mockCommands({
      ai_settings_get: () => state,
      ai_status: () => status,
      ai_usage: () => usage,
      ai_key_set: () => {
        state = settingsState({ api_key_backend: "keyring" }, true);
        status = aiOn;
        return state;
      },
      ai_key_clear: () => {
        state = settingsState();
        status = aiOffNoKey;
        return state;
      },
    });
    const user = userEvent.setup();
    renderSection();

    const off = await screen.findByTestId("ai-status");
    // Already on Settings → AI: the line points below, not to where the user already is.
    expect(off.textContent).toContain("AI is off: add the provider's API key below");
    expect(off.textContent).not.toContain("Settings →");
    const input = screen.getByTestId("ai-key-input") as HTMLInputElement;
    expect(input.type).toBe("password");
    await user.type(input, "sk-or-9");
    await user.click(screen.getByTestId("ai-key-save"));

    await waitFor(() => expect(callsTo("ai_key_set")).toEqual([{ apiKey: "sk-or-9" }]));
    const stored = await screen.findByTestId("ai-key-stored");
    expect(stored.textContent).toContain("A key is stored");
    expect(screen.queryByTestId("ai-key-input")).toBeNull();
    expect(document.body.innerHTML).not.toContain("sk-or-9");
    await waitFor(() => expect(screen.getByTestId("ai-status").getAttribute("data-state")).toBe("on"));

    await user.click(within(stored).getByTestId("ai-key-remove"));
    await waitFor(() => expect(callsTo("ai_key_clear")).toHaveLength(1));
    expect(((await screen.findByTestId("ai-key-input")) as HTMLInputElement).value).toBe("");
  }, 20000);

  it("shows usage as bars of used against each limit, and totals per model", async () => {
    mockCommands({
      ai_settings_get: () => settingsState(),
      ai_status: () => aiOn,
      ai_usage: () => usage,
    });
    renderSection();

    const minute = within(await screen.findByTestId("ai-usage-minute")).getByRole("progressbar");
    expect(minute.getAttribute("aria-valuenow")).toBe("5");
    expect(minute.getAttribute("aria-valuemax")).toBe("20");
    expect(minute.getAttribute("aria-label")).toBe("Requests this minute: 5 of 20");
    const month = within(screen.getByTestId("ai-usage-month")).getByRole("progressbar");
    expect(month.getAttribute("aria-label")).toBe("Cost this month: $7.50 of $10.00");
    expect(within(screen.getByTestId("ai-usage-month")).getByText("75%")).toBeTruthy();
    expect(within(screen.getByTestId("ai-usage-today")).getByText("25%")).toBeTruthy();
    const row = screen.getByTestId("ai-usage-model-row");
    expect(row.textContent).toContain("openai/gpt-4o-mini");
    expect(row.textContent).toContain("42");
    expect(row.textContent).toContain("$7.50");
  });
});
