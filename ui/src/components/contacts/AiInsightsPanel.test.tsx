import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { FeatureResult, Proposal } from "../../api";
import { aiOffNoKey, aiOn } from "../../test/aiFixtures";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { AiInsightsPanel } from "./AiInsightsPanel";

function renderPanel() {
  return render(
    <ToastProvider>
      <AiInsightsPanel contactId="contact-maya" />
    </ToastProvider>,
  );
}

const stageProposal: Proposal = {
  id: "prop-stage",
  thread_id: null,
  action: { kind: "set_lifecycle_stage", contact_id: "contact-maya", stage: "at_risk_client", reason: "No session in 3 months" },
  status: "pending",
  result: null,
  created_at: "2026-11-22T12:00:00.000Z",
  decided_at: null,
};

describe("AiInsightsPanel", () => {
  it("says AI is off and why, with nothing to generate", async () => {
    mockCommands({
      ai_status: () => aiOffNoKey,
      ai_contact_features_stored: () => [],
      ai_proposals_pending: () => [],
    });
    renderPanel();

    const off = await screen.findByTestId("ai-insights-off");
    expect(off.textContent).toBe("AI is off: Add an API key in Settings → AI assistant.");
    expect(screen.queryByTestId("ai-generate-summary")).toBeNull();
  });

  it("generates churn risk on request with a busy button, then shows the risk and reason", async () => {
    let finish: (value: FeatureResult) => void = () => {};
    mockCommands({
      ai_status: () => aiOn,
      ai_contact_features_stored: () => [],
      ai_proposals_pending: () => [],
      ai_contact_feature: () => new Promise<FeatureResult>((resolve) => (finish = resolve)),
    });
    const user = userEvent.setup();
    renderPanel();

    const button = await screen.findByTestId("ai-generate-churn_risk");
    await user.click(button);
    expect(callsTo("ai_contact_feature")).toEqual([{ contactId: "contact-maya", feature: "churn_risk" }]);
    expect(button.getAttribute("aria-busy")).toBe("true");
    finish({
      fingerprint: "f1",
      contact_id: "contact-maya",
      model: "openai/gpt-4o-mini",
      output: { feature: "churn_risk", risk: "high", reason: "Cancelled the last two sessions." },
      proposal_ids: [],
      cached: false,
      created_at: "2026-11-22T12:00:00.000Z",
    });
    const result = await screen.findByTestId("ai-insight-result-churn_risk");
    expect(within(result).getByTestId("ai-risk").textContent).toBe("High risk");
    expect(result.textContent).toContain("Cancelled the last two sessions.");
    expect(button.getAttribute("aria-busy")).toBeNull();
  });

  it("shows a stage suggestion that changes nothing until approved", async () => {
    let pending = [stageProposal];
    mockCommands({
      ai_status: () => aiOn,
      ai_contact_features_stored: () => [],
      ai_proposals_pending: () => pending,
      ai_contact_feature: () => ({
        fingerprint: "f2",
        contact_id: "contact-maya",
        model: "openai/gpt-4o-mini",
        output: { feature: "stage_and_tags", lifecycle_stage: "at_risk_client", tags: [], reason: "No session in 3 months" },
        proposal_ids: ["prop-stage"],
        cached: true,
        created_at: "2026-11-22T12:00:00.000Z",
      }),
      ai_proposal_approve: () => {
        pending = [];
        return { ...stageProposal, status: "approved" };
      },
    });
    const user = userEvent.setup();
    renderPanel();

    await user.click(await screen.findByTestId("ai-generate-stage_and_tags"));
    const insight = screen.getByTestId("ai-insight-stage_and_tags");
    const card = await within(insight).findByTestId("ai-proposal");
    expect(within(insight).getByTestId("ai-insight-result-stage_and_tags").textContent).toContain("not paid for again");
    expect(callsTo("ai_proposal_approve")).toHaveLength(0);
    await user.click(within(card).getByTestId("ai-proposal-approve"));
    await waitFor(() => expect(callsTo("ai_proposal_approve")).toEqual([{ proposalId: "prop-stage" }]));
    await waitFor(() => expect(within(insight).queryByTestId("ai-proposal")).toBeNull());
  });
});
