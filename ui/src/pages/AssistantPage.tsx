import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import {
  api,
  onAiStreamed,
  toAppError,
  type AiMessage,
  type AiStatus,
  type AiStreamed,
  type AiThread,
  type Citation,
  type FeatureResult,
  type Proposal,
} from "../api";
import { aiFailureText, ProposalCard } from "../components/ai/ProposalCard";
import { Button } from "../components/Button";
import { useToasts } from "../components/Toasts";
import { useEventSubscription } from "../hooks/useEventSubscription";
import { formatRelative } from "../lib/format";

/** Where a citation leads, for the app to open. */
export type AiNavigation = { kind: "contact"; contactId: string } | { kind: "tasks" } | { kind: "settings" };

type AssistantPageProps = {
  onNavigate: (target: AiNavigation) => void;
};

const CITATION_LABELS: Record<Citation["record_type"], string> = {
  contact: "Contact",
  note: "Note",
  interaction: "Interaction",
  task: "Task",
};

/** A fresh id for one question, so streamed text of another question is never mixed in. */
function newRequestId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The record links under an answer. Contacts open at once; other records open their contact. */
export function CitationLinks({
  citations,
  onNavigate,
}: {
  citations: Citation[];
  onNavigate: (target: AiNavigation) => void;
}) {
  const { showError } = useToasts();
  if (citations.length === 0) return null;
  const open = async (citation: Citation) => {
    if (citation.record_type === "contact") {
      onNavigate({ kind: "contact", contactId: citation.id });
      return;
    }
    try {
      const target = await api.aiCitationTarget(citation.record_type, citation.id);
      if (target.contact_id) onNavigate({ kind: "contact", contactId: target.contact_id });
      else if (target.task_id) onNavigate({ kind: "tasks" });
    } catch (error) {
      showError(error, "Could not open the record");
    }
  };
  return (
    <ul className="ai-citations" aria-label="Sources">
      {citations.map((citation) => (
        <li key={`${citation.record_type}:${citation.id}`}>
          <a
            href={citation.record_type === "task" ? "#/tasks" : "#/contacts"}
            className="ai-citation"
            data-testid="ai-citation"
            data-record-type={citation.record_type}
            onClick={(event) => {
              event.preventDefault();
              void open(citation);
            }}
          >
            <span className="ai-citation__type">{CITATION_LABELS[citation.record_type]}</span> {citation.title}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Shown instead of the chat when AI is off: why, and the way to Settings. */
export function AiOffNotice({ status, onOpenSettings }: { status: AiStatus; onOpenSettings: () => void }) {
  return (
    <div className="alert alert--warning" role="status" data-testid="ai-off">
      <div>
        <p className="alert__title">AI is off</p>
        <p>{status.message ?? "The assistant is not available right now."}</p>
        <p>
          <a
            href="#/settings/ai"
            data-testid="ai-off-settings-link"
            onClick={(event) => {
              event.preventDefault();
              onOpenSettings();
            }}
          >
            Open Settings → AI assistant
          </a>
        </p>
      </div>
    </div>
  );
}

/** The assistant: threads, a chat whose replies stream in, proposals to approve and a brain-dump. */
export function AssistantPage({ onNavigate }: AssistantPageProps) {
  const { showError, announce } = useToasts();
  const questionId = useId();
  const dumpId = useId();
  const [status, setStatus] = useState<AiStatus | null>(null);
  const [threads, setThreads] = useState<AiThread[] | null>(null);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [messages, setMessages] = useState<AiMessage[]>([]);
  const [proposals, setProposals] = useState<Proposal[]>([]);
  const [question, setQuestion] = useState("");
  const [asking, setAsking] = useState<{ requestId: string; question: string } | null>(null);
  const [streamed, setStreamed] = useState("");
  const [askError, setAskError] = useState<string | null>(null);
  const [dump, setDump] = useState("");
  const [dumping, setDumping] = useState(false);
  const [dumpResult, setDumpResult] = useState<FeatureResult | null>(null);
  const requestRef = useRef<string | null>(null);

  const loadThreads = useCallback(() => {
    api.aiThreads().then(setThreads, (error: unknown) => showError(error, "Could not load the chats"));
  }, [showError]);
  const loadProposals = useCallback(() => {
    api.aiPendingProposals().then(setProposals, (error: unknown) => showError(error, "Could not load the proposals"));
  }, [showError]);

  useEffect(() => {
    api.aiStatus().then(setStatus, (error: unknown) => showError(error, "Could not read the AI status"));
    loadThreads();
    loadProposals();
  }, [loadThreads, loadProposals, showError]);

  useEventSubscription(
    onAiStreamed,
    useCallback((event: AiStreamed) => {
      if (event.request_id !== requestRef.current) return;
      if (event.reset) setStreamed("");
      else setStreamed((current) => current + event.delta);
    }, []),
  );

  const openThread = async (id: string | null) => {
    setThreadId(id);
    setAskError(null);
    if (id === null) {
      setMessages([]);
      return;
    }
    try {
      setMessages(await api.aiThreadMessages(id));
    } catch (error) {
      showError(error, "Could not open the chat");
    }
  };

  const deleteThread = async (thread: AiThread) => {
    try {
      await api.aiDeleteThread(thread.id);
      if (threadId === thread.id) await openThread(null);
      loadThreads();
    } catch (error) {
      showError(error, "Could not delete the chat");
    }
  };

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    const text = question.trim();
    if (text === "" || asking) return;
    const requestId = newRequestId();
    requestRef.current = requestId;
    setAsking({ requestId, question: text });
    setStreamed("");
    setAskError(null);
    setQuestion("");
    try {
      const answer = await api.aiAsk(requestId, text, threadId);
      const asked: AiMessage = {
        id: `${requestId}-question`,
        thread_id: answer.thread_id,
        role: "user",
        content: text,
        citations: [],
        model: null,
        created_at: answer.message.created_at,
      };
      setMessages((current) => [...(threadId === answer.thread_id ? current : []), asked, answer.message]);
      setThreadId(answer.thread_id);
      if (answer.proposals.length > 0) {
        setProposals((current) => [...current, ...answer.proposals.filter((item) => !current.some((known) => known.id === item.id))]);
      }
      announce("The assistant answered");
      loadThreads();
    } catch (error) {
      setAskError(aiFailureText(error));
      setQuestion(text);
      // AI went off meanwhile (key removed, every model's circuit open): say why at the top.
      if (toAppError(error).code === "ai_unavailable") api.aiStatus().then(setStatus, () => {});
    } finally {
      requestRef.current = null;
      setAsking(null);
      setStreamed("");
    }
  };

  const brainDump = async (event: FormEvent) => {
    event.preventDefault();
    if (dump.trim() === "") return;
    setDumping(true);
    try {
      const result = await api.aiBrainDump(dump);
      setDumpResult(result);
      setDump("");
      loadProposals();
    } catch (error) {
      showError(error, "Could not turn that into tasks");
    } finally {
      setDumping(false);
    }
  };

  const decided = (proposal: Proposal) => setProposals((current) => current.filter((item) => item.id !== proposal.id));
  const unavailable = status !== null && !status.available;

  return (
    <div className="page assistant-page" data-testid="assistant-page">
      <header className="page__header">
        <h1 className="page__title">Assistant</h1>
      </header>
      <div className="page__content page__content--padded assistant">
        {unavailable ? <AiOffNotice status={status} onOpenSettings={() => onNavigate({ kind: "settings" })} /> : null}

        <div className="assistant__layout">
          <nav className="assistant__threads" aria-label="Chats">
            <Button size="sm" icon="plus" onClick={() => openThread(null)} data-testid="ai-new-thread">
              New chat
            </Button>
            {threads === null ? (
              <p className="muted">Loading chats…</p>
            ) : threads.length === 0 ? (
              <p className="muted" data-testid="ai-threads-empty">
                No chats yet.
              </p>
            ) : (
              <ul className="assistant__thread-list">
                {threads.map((thread) => (
                  <li key={thread.id} className={thread.id === threadId ? "is-active" : undefined}>
                    <button
                      type="button"
                      className="assistant__thread"
                      aria-current={thread.id === threadId ? "true" : undefined}
                      onClick={() => openThread(thread.id)}
                      data-testid="ai-thread"
                    >
                      <span className="assistant__thread-title">{thread.title}</span>
                      <span className="muted">{formatRelative(thread.updated_at)}</span>
                    </button>
                    <Button
                      size="sm"
                      variant="ghost"
                      icon="trash"
                      iconOnly
                      label={`Delete chat ${thread.title}`}
                      onClick={() => deleteThread(thread)}
                      data-testid="ai-thread-delete"
                    />
                  </li>
                ))}
              </ul>
            )}
          </nav>

          <section className="assistant__chat" aria-label="Chat">
            <ol className="assistant__messages" data-testid="ai-messages">
              {messages.length === 0 && !asking ? (
                <li className="muted">Ask about your clients, notes and tasks. Answers cite the records they used.</li>
              ) : null}
              {messages.map((message) => (
                <li key={message.id} className={`ai-message ai-message--${message.role}`} data-testid={`ai-message-${message.role}`}>
                  <p className="ai-message__text">{message.content}</p>
                  {message.role === "assistant" ? <CitationLinks citations={message.citations} onNavigate={onNavigate} /> : null}
                </li>
              ))}
              {asking ? (
                <>
                  <li className="ai-message ai-message--user">
                    <p className="ai-message__text">{asking.question}</p>
                  </li>
                  <li className="ai-message ai-message--assistant" aria-busy="true" aria-live="polite" data-testid="ai-streaming">
                    <p className="ai-message__text">{streamed === "" ? "Thinking…" : streamed}</p>
                  </li>
                </>
              ) : null}
            </ol>
            {askError ? (
              <p className="alert alert--error" role="alert" data-testid="ai-ask-error">
                {askError}
              </p>
            ) : null}
            <form className="assistant__ask" onSubmit={ask}>
              <label className="visually-hidden" htmlFor={questionId}>
                Question
              </label>
              <textarea
                id={questionId}
                className="input assistant__question"
                rows={2}
                placeholder={unavailable ? "AI is off" : "Who haven't I seen in a while?"}
                value={question}
                disabled={unavailable}
                onChange={(event) => setQuestion(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" && !event.shiftKey) {
                    event.preventDefault();
                    event.currentTarget.form?.requestSubmit();
                  }
                }}
                data-testid="ai-question"
              />
              <Button
                type="submit"
                variant="primary"
                icon="sparkles"
                busy={asking !== null}
                disabled={unavailable || question.trim() === ""}
                data-testid="ai-ask"
              >
                Ask
              </Button>
            </form>
          </section>

          <aside className="assistant__side">
            <section aria-labelledby="ai-proposals-title">
              <h2 id="ai-proposals-title" className="section-title">
                Waiting for your approval
              </h2>
              {proposals.length === 0 ? (
                <p className="muted" data-testid="ai-proposals-empty">
                  Nothing to approve. Writes the assistant suggests appear here first.
                </p>
              ) : (
                <ul className="ai-proposals" data-testid="ai-proposals">
                  {proposals.map((proposal) => (
                    <ProposalCard key={proposal.id} proposal={proposal} onDecided={decided} />
                  ))}
                </ul>
              )}
            </section>

            <section aria-labelledby="ai-dump-title">
              <h2 id="ai-dump-title" className="section-title">
                Brain dump
              </h2>
              <form className="assistant__dump" onSubmit={brainDump}>
                <label className="field__label" htmlFor={dumpId}>
                  Everything on your mind; it becomes tasks you approve one by one.
                </label>
                <textarea
                  id={dumpId}
                  className="input"
                  rows={4}
                  value={dump}
                  disabled={unavailable}
                  onChange={(event) => setDump(event.target.value)}
                  data-testid="ai-dump-text"
                />
                <Button type="submit" busy={dumping} disabled={unavailable || dump.trim() === ""} data-testid="ai-dump-submit">
                  Make tasks
                </Button>
              </form>
              {dumpResult && dumpResult.output.feature === "brain_dump" ? (
                <p className="muted" role="status" data-testid="ai-dump-result">
                  {dumpResult.output.tasks.length === 0
                    ? "No tasks found in that."
                    : `${dumpResult.output.tasks.length} ${dumpResult.output.tasks.length === 1 ? "task" : "tasks"} wait for your approval above.`}
                </p>
              ) : null}
            </section>
          </aside>
        </div>
      </div>
    </div>
  );
}
