import { useCallback, useEffect, useState } from "react";
import { api, type AiStatus, type ContactFeature, type FeatureOutput, type FeatureResult, type Proposal } from "../../api";
import { formatCalendarDate, formatDateTime } from "../../lib/format";
import { stageLabel } from "../../lib/labels";
import { aiFailureText, ProposalCard } from "../ai/ProposalCard";
import { Button } from "../Button";

const FEATURES: ReadonlyArray<{ feature: ContactFeature; title: string; action: string }> = [
  { feature: "summary", title: "Summary", action: "Summarize" },
  { feature: "next_steps", title: "Next steps", action: "Suggest next steps" },
  { feature: "churn_risk", title: "Churn risk", action: "Assess risk" },
  { feature: "suggestions", title: "Note and task ideas", action: "Suggest notes and tasks" },
  { feature: "email_draft", title: "Email draft", action: "Draft an email" },
  { feature: "stage_and_tags", title: "Stage and tags", action: "Suggest stage and tags" },
];

const RISK_LABELS = { low: "Low", medium: "Medium", high: "High" } as const;

function Output({ output }: { output: FeatureOutput }) {
  switch (output.feature) {
    case "summary":
      return <p className="ai-insight__text">{output.summary}</p>;
    case "next_steps":
      return (
        <ul className="ai-insight__list">
          {output.steps.map((step, index) => (
            <li key={index}>
              <strong>{step.title}</strong> <span className="muted">— {step.why}</span>
            </li>
          ))}
        </ul>
      );
    case "churn_risk":
      return (
        <p className="ai-insight__text">
          <span className={`badge badge--${output.risk === "high" ? "danger" : output.risk === "medium" ? "warning" : "success"}`} data-testid="ai-risk">
            {RISK_LABELS[output.risk]} risk
          </span>{" "}
          {output.reason}
        </p>
      );
    case "suggestions":
      return (
        <ul className="ai-insight__list">
          {output.notes.map((note, index) => (
            <li key={`note-${index}`}>Note: {note}</li>
          ))}
          {output.tasks.map((task, index) => (
            <li key={`task-${index}`}>
              Task: {task.title}
              {task.due_date ? <span className="muted"> (due {formatCalendarDate(task.due_date)})</span> : null}
            </li>
          ))}
        </ul>
      );
    case "email_draft":
      return (
        <div className="ai-insight__email">
          <p>
            <strong>{output.subject}</strong>
          </p>
          <p className="ai-insight__text">{output.body}</p>
        </div>
      );
    case "stage_and_tags":
      return (
        <p className="ai-insight__text">
          {output.lifecycle_stage ? `Stage: ${stageLabel(output.lifecycle_stage)}. ` : ""}
          {output.tags.length > 0 ? `Tags: ${output.tags.join(", ")}. ` : ""}
          <span className="muted">{output.reason}</span>
        </p>
      );
    case "brain_dump":
      return null;
  }
}

/**
 * AI insights on a contact: each feature generated on request (an identical request returns
 * the stored result without paying again). Suggested writes wait as proposals to approve.
 */
export function AiInsightsPanel({ contactId }: { contactId: string }) {
  const [status, setStatus] = useState<AiStatus | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [results, setResults] = useState<Partial<Record<ContactFeature, FeatureResult>>>({});
  const [proposals, setProposals] = useState<Proposal[]>([]);
  const [busy, setBusy] = useState<ContactFeature | null>(null);
  const [errors, setErrors] = useState<Partial<Record<ContactFeature, string>>>({});

  const loadProposals = useCallback(() => {
    api.aiPendingProposals().then(setProposals, () => setProposals([]));
  }, []);

  useEffect(() => {
    let current = true;
    setResults({});
    setErrors({});
    api.aiStatus().then(
      (loaded) => current && setStatus(loaded),
      (error: unknown) => current && setStatusError(aiFailureText(error)),
    );
    api.aiStoredContactFeatures(contactId).then(
      (stored) => {
        if (!current) return;
        const byFeature: Partial<Record<ContactFeature, FeatureResult>> = {};
        for (const result of stored) byFeature[result.output.feature as ContactFeature] = result;
        setResults(byFeature);
      },
      () => {},
    );
    loadProposals();
    return () => {
      current = false;
    };
  }, [contactId, loadProposals]);

  const generate = async (feature: ContactFeature) => {
    setBusy(feature);
    setErrors((current) => ({ ...current, [feature]: undefined }));
    try {
      const result = await api.aiContactFeature(contactId, feature);
      setResults((current) => ({ ...current, [feature]: result }));
      if (result.proposal_ids.length > 0) loadProposals();
    } catch (error) {
      setErrors((current) => ({ ...current, [feature]: aiFailureText(error) }));
    } finally {
      setBusy(null);
    }
  };

  if (statusError) {
    return (
      <p className="muted" data-testid="ai-insights-off">
        {statusError}
      </p>
    );
  }
  if (!status) return <p className="muted">Checking the assistant…</p>;
  if (!status.available) {
    return (
      <p className="muted" role="status" data-testid="ai-insights-off">
        AI is off: {status.message ?? "it is not available right now."}
      </p>
    );
  }

  return (
    <div className="ai-insights" data-testid="ai-insights">
      {FEATURES.map(({ feature, title, action }) => {
        const result = results[feature];
        const waiting = proposals.filter((proposal) => result?.proposal_ids.includes(proposal.id));
        return (
          <div key={feature} className="ai-insight" data-testid={`ai-insight-${feature}`}>
            <div className="ai-insight__header">
              <h5 className="ai-insight__title">{title}</h5>
              <Button
                size="sm"
                variant="ghost"
                icon="sparkles"
                busy={busy === feature}
                disabled={busy !== null && busy !== feature}
                onClick={() => generate(feature)}
                data-testid={`ai-generate-${feature}`}
              >
                {result ? "Refresh" : action}
              </Button>
            </div>
            {errors[feature] ? (
              <p className="field-error" role="alert" data-testid={`ai-insight-error-${feature}`}>
                {errors[feature]}
              </p>
            ) : null}
            {result ? (
              <div data-testid={`ai-insight-result-${feature}`}>
                <Output output={result.output} />
                <p className="field__hint">
                  {result.model} · {formatDateTime(result.created_at)}
                  {result.cached ? " · saved result, not paid for again" : ""}
                </p>
              </div>
            ) : null}
            {waiting.length > 0 ? (
              <ul className="ai-proposals">
                {waiting.map((proposal) => (
                  <ProposalCard
                    key={proposal.id}
                    proposal={proposal}
                    onDecided={(decided) => setProposals((current) => current.filter((item) => item.id !== decided.id))}
                  />
                ))}
              </ul>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
