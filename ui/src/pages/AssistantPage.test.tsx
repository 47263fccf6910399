import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ChatAnswer } from "../api";
import { ToastProvider } from "../components/Toasts";
import { aiOffNoKey, aiOn, taskProposal } from "../test/aiFixtures";
import { eventBus } from "../test/eventBus";
import { appError, callsTo, mockCommands } from "../test/tauriMock";
import { AssistantPage, type AiNavigation } from "./AssistantPage";

function renderPage(onNavigate: (target: AiNavigation) => void = () => {}) {
  return render(
    <ToastProvider>
      <AssistantPage onNavigate={onNavigate} />
    </ToastProvider>,
  );
}

const answer: ChatAnswer = {
  thread_id: "thread-1",
  message: {
    id: "message-2",
    thread_id: "thread-1",
    role: "assistant",
    content: "Maya Lindqvist has a session on Friday; her note says she prefers mornings.",
    citations: [
      { record_type: "contact", id: "contact-maya", title: "Maya Lindqvist" },
      { record_type: "note", id: "note-7", title: "Prefers mornings" },
    ],
    model: "openai/gpt-4o-mini",
    created_at: "2026-11-22T12:00:05.000Z",
  },
  proposals: [taskProposal],
};

describe("AssistantPage", () => {
  it("streams the reply as it arrives, then shows the answer with citations that open the record", async () => {
    let finish: (value: ChatAnswer) => void = () => {};
    mockCommands({
      ai_status: () => aiOn,
      ai_threads: () => [],
      ai_proposals_pending: () => [],
      ai_ask: () => new Promise<ChatAnswer>((resolve) => (finish = resolve)),
      ai_citation_target: () => ({ contact_id: "contact-maya", task_id: null }),
    });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    renderPage(onNavigate);

    await user.type(await screen.findByTestId("ai-question"), "When is Maya coming in?");
    await user.click(screen.getByTestId("ai-ask"));
    await waitFor(() => expect(callsTo("ai_ask")).toHaveLength(1));
    const { requestId, question, threadId } = callsTo("ai_ask")[0];
    expect(question).toBe("When is Maya coming in?");
    expect(threadId).toBeNull();
    await waitFor(() => expect(eventBus.count("ai-streamed")).toBe(1));

    act(() => eventBus.emit("ai-streamed", { request_id: requestId, delta: "Maya Lindqvist ", reset: false }));
    act(() => eventBus.emit("ai-streamed", { request_id: "another-question", delta: "IGNORED", reset: false }));
    act(() => eventBus.emit("ai-streamed", { request_id: requestId, delta: "has a session", reset: false }));
    expect(screen.getByTestId("ai-streaming").textContent).toBe("Maya Lindqvist has a session");
    act(() => eventBus.emit("ai-streamed", { request_id: requestId, delta: "", reset: true }));
    act(() => eventBus.emit("ai-streamed", { request_id: requestId, delta: "Maya", reset: false }));
    expect(screen.getByTestId("ai-streaming").textContent).toBe("Maya");

    await act(async () => finish(answer));
    expect(screen.queryByTestId("ai-streaming")).toBeNull();
    const reply = await screen.findByTestId("ai-message-assistant");
    expect(reply.textContent).toContain("prefers mornings");
    expect(screen.getByTestId("ai-message-user").textContent).toBe("When is Maya coming in?");
    // The proposal made while answering waits for approval.
    expect(screen.getByTestId("ai-proposal").textContent).toContain("Call Maya about rescheduling");

    const [contactLink, noteLink] = within(reply).getAllByTestId("ai-citation");
    await user.click(contactLink);
    expect(onNavigate).toHaveBeenLastCalledWith({ kind: "contact", contactId: "contact-maya" });
    expect(callsTo("ai_citation_target")).toHaveLength(0);
    await user.click(noteLink);
    await waitFor(() => expect(callsTo("ai_citation_target")).toEqual([{ recordType: "note", id: "note-7" }]));
    expect(onNavigate).toHaveBeenCalledTimes(2);

    // The next question continues the same thread.
    await user.type(screen.getByTestId("ai-question"), "And Jonas?");
    await user.click(screen.getByTestId("ai-ask"));
    await waitFor(() => expect(callsTo("ai_ask")[1]?.threadId).toBe("thread-1"));
  }, 20000);

  it("approves a pending proposal and removes it from the list", async () => {
    mockCommands({
      ai_status: () => aiOn,
      ai_threads: () => [],
      ai_proposals_pending: () => [taskProposal],
      ai_proposal_approve: () => ({ ...taskProposal, status: "approved", result: { task_id: "task-9" } }),
    });
    const user = userEvent.setup();
    renderPage();

    const card = await screen.findByTestId("ai-proposal");
    expect(card.getAttribute("data-kind")).toBe("create_task");
    await user.click(within(card).getByTestId("ai-proposal-approve"));

    await waitFor(() => expect(callsTo("ai_proposal_approve")).toEqual([{ proposalId: "prop-1" }]));
    await waitFor(() => expect(screen.queryByTestId("ai-proposal")).toBeNull());
    expect(screen.getByTestId("ai-proposals-empty")).toBeTruthy();
  });

  it("says why AI is off, links to Settings, and explains a limit error in plain words", async () => {
    mockCommands({
      ai_status: () => aiOffNoKey,
      ai_threads: () => [],
      ai_proposals_pending: () => [],
    });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    renderPage(onNavigate);

    const notice = await screen.findByTestId("ai-off");
    expect(notice.textContent).toContain("Add an API key in Settings");
    expect((screen.getByTestId("ai-question") as HTMLTextAreaElement).disabled).toBe(true);
    await user.click(within(notice).getByTestId("ai-off-settings-link"));
    expect(onNavigate).toHaveBeenCalledWith({ kind: "settings" });
  });

  it("shows the monthly-credits error with the amounts from the error's details", async () => {
    mockCommands({
      ai_status: () => aiOn,
      ai_threads: () => [],
      ai_proposals_pending: () => [],
      ai_ask: () => {
        throw {
          ...appError("rate_limited_monthly", "monthly credits are spent"),
          details: { fields: [], limit: { limit: 10, used: 10.02, resets_at: "2026-12-01T00:00:00.000Z" } },
        };
      },
    });
    const user = userEvent.setup();
    renderPage();

    await user.type(await screen.findByTestId("ai-question"), "Summarize my week");
    await user.click(screen.getByTestId("ai-ask"));
    const error = await screen.findByTestId("ai-ask-error");
    expect(error.textContent).toContain("This month's AI credits of $10.00 are used up ($10.02 used)");
    // The question is given back to try again later.
    expect((screen.getByTestId("ai-question") as HTMLTextAreaElement).value).toBe("Summarize my week");
  });
});
