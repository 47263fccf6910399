import type { ClientStatus, LifecycleStage } from "../api";
import { STATUS_LABELS, stageLabel } from "../lib/labels";

export function StagePill({ stage }: { stage: LifecycleStage | null }) {
  return (
    <span className={`pill pill--stage-${stage ?? "none"}`}>
      <span className="pill__dot" aria-hidden="true" />
      {stageLabel(stage)}
    </span>
  );
}

export function StatusBadge({ status }: { status: ClientStatus }) {
  return (
    <span className={`status status--${status}`}>
      <span className="status__dot" aria-hidden="true" />
      {STATUS_LABELS[status]}
    </span>
  );
}

/** How many tags fit a budget of characters (at least one), for compact cells. */
export function tagsThatFit(tags: string[], characterBudget: number): number {
  let used = 0;
  let count = 0;
  for (const tag of tags) {
    used += tag.length + 2;
    if (count > 0 && used > characterBudget) break;
    count += 1;
  }
  return count;
}

export function TagList({ tags, limit }: { tags: string[]; limit?: number }) {
  const shown = limit !== undefined ? tags.slice(0, limit) : tags;
  const hidden = tags.length - shown.length;
  return (
    <span className="tag-list">
      {shown.map((tag) => (
        <span key={tag} className="tag">
          {tag}
        </span>
      ))}
      {hidden > 0 ? (
        <span className="tag tag--more" title={tags.slice(shown.length).join(", ")}>
          +{hidden}
        </span>
      ) : null}
    </span>
  );
}
