import { useState } from "react";
import { api, type Proposal, type ProposedAction } from "../../api";
import { errorMessage } from "../../lib/aiErrors";
import { toAppError } from "../../api";
import { formatCalendarDate } from "../../lib/format";
import { stageLabel } from "../../lib/labels";
import { Button } from "../Button";
import { useToasts } from "../Toasts";

/** What a proposal would do, in a heading and a body. */
export function describeAction(action: ProposedAction): { title: string; body: string | null } {
  switch (action.kind) {
    case "create_task":
      return {
        title: `Create task: ${action.title}`,
        body: [action.due_date ? `Due ${formatCalendarDate(action.due_date)}` : null, action.description]
          .filter(Boolean)
          .join(" · ") || null,
      };
    case "add_note":
      return { title: "Add a note", body: action.body };
    case "draft_email":
      return { title: `Draft email: ${action.subject}`, body: action.body };
    case "set_lifecycle_stage":
      return { title: `Set stage to ${stageLabel(action.stage)}`, body: action.reason };
    case "add_tags":
      return { title: `Add tags: ${action.tags.join(", ")}`, body: action.reason };
  }
}

type ProposalCardProps = {
  proposal: Proposal;
  /** Called with the decided proposal once approved or rejected. */
  onDecided: (proposal: Proposal) => void;
};

/** A write the assistant asks for, with Approve / Reject. Nothing happens until approved. */
export function ProposalCard({ proposal, onDecided }: ProposalCardProps) {
  const { showToast, showError } = useToasts();
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null);
  const { title, body } = describeAction(proposal.action);

  const decide = async (decision: "approve" | "reject") => {
    setBusy(decision);
    try {
      const decided =
        decision === "approve" ? await api.aiApproveProposal(proposal.id) : await api.aiRejectProposal(proposal.id);
      showToast({
        tone: decision === "approve" ? "success" : "info",
        message:
          decision === "approve"
            ? proposal.action.kind === "draft_email"
              ? "Draft kept. OmniCRM does not send it; copy it into your email."
              : "Done: the change was made and can be undone like any edit."
            : "Proposal rejected",
      });
      onDecided(decided);
    } catch (error) {
      showError(error, decision === "approve" ? "Could not apply the proposal" : "Could not reject the proposal");
    } finally {
      setBusy(null);
    }
  };

  return (
    <li className="ai-proposal" data-testid="ai-proposal" data-kind={proposal.action.kind}>
      <p className="ai-proposal__title">{title}</p>
      {body ? <p className="ai-proposal__body">{body}</p> : null}
      <div className="ai-proposal__actions">
        <Button
          size="sm"
          variant="primary"
          icon="check"
          busy={busy === "approve"}
          disabled={busy !== null}
          onClick={() => decide("approve")}
          data-testid="ai-proposal-approve"
        >
          Approve
        </Button>
        <Button
          size="sm"
          variant="ghost"
          icon="close"
          busy={busy === "reject"}
          disabled={busy !== null}
          onClick={() => decide("reject")}
          data-testid="ai-proposal-reject"
        >
          Reject
        </Button>
      </div>
    </li>
  );
}

/** A plain-words line for an AI failure shown inside a panel. */
export function aiFailureText(error: unknown): string {
  return errorMessage(toAppError(error));
}
