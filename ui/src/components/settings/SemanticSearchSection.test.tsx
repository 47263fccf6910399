import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { EmbedderSettings, EmbedderSettingsState } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { LOCAL_MODEL_ID, SemanticSearchSection } from "./SemanticSearchSection";

const localSettings: EmbedderSettings = {
  source: "local",
  base_url: "http://localhost:11434/v1",
  model: "nomic-embed-text",
  dimensions: 768,
  api_key_backend: null,
};

function stateOf(settings: EmbedderSettings, extra: Partial<EmbedderSettingsState> = {}): EmbedderSettingsState {
  const chosen = settings.source === "remote" ? `remote:${settings.model}@${settings.base_url}` : LOCAL_MODEL_ID;
  return {
    settings,
    api_key_stored: false,
    active_model_id: LOCAL_MODEL_ID,
    chosen_model_id: chosen,
    restart_needed: chosen !== LOCAL_MODEL_ID,
    ...extra,
  };
}

function renderSection() {
  return render(
    <ToastProvider>
      <SemanticSearchSection />
    </ToastProvider>,
  );
}

describe("SemanticSearchSection", () => {
  it("switches to an endpoint, shows field errors, keeps the key write-only and offers a restart", async () => {
    let saved = stateOf(localSettings);
    mockCommands({
      search_embedder_get: () => saved,
      search_embedder_save: (args) => {
        const settings = args.settings as EmbedderSettings;
        if (settings.dimensions === 0) {
          throw appError("validation_failed", "invalid", {
            fields: [{ field: "dimensions", message: "must be between 1 and 4096" }],
          });
        }
        saved = stateOf(settings, { api_key_stored: args.apiKey !== null });
        return saved;
      },
      app_restart: () => null,
    });
    const user = userEvent.setup();
    renderSection();

    expect((await screen.findByTestId("embedder-active")).textContent).toContain("the local model");
    expect(screen.queryByTestId("embedder-base-url")).toBeNull();
    await user.click(screen.getByTestId("embedder-source-remote"));
    // A local endpoint keeps notes on this computer, and the page says so.
    expect(screen.getByTestId("embedder-privacy-note").textContent).toContain("stay here");
    await user.clear(screen.getByTestId("embedder-dimensions"));
    await user.type(screen.getByTestId("embedder-dimensions"), "many");
    await user.click(screen.getByTestId("embedder-save"));
    expect((await screen.findByTestId("field-error-dimensions")).textContent).toBe("must be between 1 and 4096");

    await user.clear(screen.getByTestId("embedder-dimensions"));
    await user.type(screen.getByTestId("embedder-dimensions"), "1536");
    await user.clear(screen.getByTestId("embedder-base-url"));
    await user.type(screen.getByTestId("embedder-base-url"), "https://api.example.com/v1");
    expect(screen.getByTestId("embedder-privacy-note").textContent).toContain("is sent to this endpoint");
    await user.type(screen.getByTestId("embedder-api-key"), "sk-embed");
    await user.click(screen.getByTestId("embedder-save"));

    await waitFor(() => expect(callsTo("search_embedder_save")).toHaveLength(2));
    const sent = callsTo("search_embedder_save")[1];
    expect(sent.settings).toMatchObject({ source: "remote", base_url: "https://api.example.com/v1", dimensions: 1536 });
    expect(sent.apiKey).toBe("sk-embed");
    // The key leaves the page once sent.
    expect((screen.getByTestId("embedder-api-key") as HTMLInputElement).value).toBe("");
    expect(await screen.findByTestId("embedder-restart-needed")).toBeTruthy();
    await user.click(screen.getByTestId("embedder-restart"));
    await waitFor(() => expect(callsTo("app_restart")).toHaveLength(1));
  }, 20000);

  it("tries the endpoint and says what came back, or why it failed", async () => {
    const remote = { ...localSettings, source: "remote" as const };
    let answer: "ok" | "refused" = "refused";
    mockCommands({
      search_embedder_get: () => stateOf(remote, { restart_needed: false, active_model_id: null }),
      search_embedder_probe: () => {
        if (answer === "refused") throw appError("auth_required", "the embeddings endpoint refused the API key (401)");
        return { model_id: "remote:nomic-embed-text@http://localhost:11434/v1", dimensions: 768, milliseconds: 42 };
      },
    });
    const user = userEvent.setup();
    renderSection();

    expect((await screen.findByTestId("embedder-active")).textContent).toContain("keywords only");
    await user.click(screen.getByTestId("embedder-probe"));
    expect((await screen.findByTestId("embedder-probe-error")).textContent).toContain("refused the API key");
    answer = "ok";
    await user.click(screen.getByTestId("embedder-probe"));
    expect((await screen.findByTestId("embedder-probe-ok")).textContent).toContain("768-dimensional");
    expect(screen.queryByTestId("embedder-probe-error")).toBeNull();
    expect(callsTo("search_embedder_probe")[1].apiKey).toBeNull();
  });
});
