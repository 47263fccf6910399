import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { cascadedValue, loadAppStyles } from "../../test/appStyles";
import type { ContactConsents } from "../../api";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ConsentsPanel } from "./ConsentsPanel";

describe("ConsentsPanel", () => {
  it("shows the four kinds and records a grant", async () => {
    let consents: ContactConsents = {
      current: (["data_processing", "marketing", "hipaa", "photography"] as const).map((kind) => ({ kind, granted: null, recorded_at: null })),
      history: [],
    };
    mockCommands({
      consents_list_for_contact: () => consents,
      consents_record: (args) => {
        const input = args.input as { kind: "marketing"; granted: boolean };
        consents = {
          current: consents.current.map((state) => (state.kind === input.kind ? { ...state, granted: input.granted, recorded_at: "2026-03-01T10:00:00Z" } : state)),
          history: [{ id: "h1", contact_id: "c1", kind: input.kind, granted: input.granted, recorded_at: "2026-03-01T10:00:00Z", note: null, created_at: "", updated_at: "", deleted_at: null }],
        };
        return consents.history[0];
      },
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <ConsentsPanel contactId="c1" />
      </ToastProvider>,
    );
    expect((await screen.findByTestId("consent-marketing")).dataset.granted).toBe("unknown");
    await user.click(screen.getByRole("button", { name: "Grant Marketing consent" }));
    expect(callsTo("consents_record")).toEqual([{ contactId: "c1", input: { kind: "marketing", granted: true, recorded_at: null, note: null } }]);
    await waitFor(() => expect(screen.getByTestId("consent-marketing").dataset.granted).toBe("true"));
    expect(screen.getByText("History (1)")).toBeTruthy();
  });

  it("shows a consent nobody asked for in neutral grey, not in the green of a grant", async () => {
    const unload = loadAppStyles();
    try {
      mockCommands({
        consents_list_for_contact: (): ContactConsents => ({
          current: [
            { kind: "data_processing", granted: true, recorded_at: "2026-03-01T10:00:00Z" },
            { kind: "marketing", granted: null, recorded_at: null },
          ],
          history: [],
        }),
      });
      render(
        <ToastProvider>
          <ConsentsPanel contactId="c1" />
        </ToastProvider>,
      );
      const notAsked = await screen.findByTestId("consent-state-marketing");
      const granted = screen.getByTestId("consent-state-data_processing");
      expect(notAsked.textContent).toBe("Not asked");
      const background = cascadedValue(notAsked, "background");
      expect(background).not.toContain("primary");
      expect(background).not.toContain("success");
      expect(cascadedValue(notAsked, "color")).toContain("muted");
      expect(background).not.toBe(cascadedValue(granted, "background"));
    } finally {
      unload();
    }
  });
});
