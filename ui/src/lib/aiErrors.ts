// Plain words for the AI assistant's own error codes. The guardrail codes carry
// `details.limit` ({limit, used, resets_at}), so the message can say how much was used
// and when the limit resets instead of only that it was hit.

import type { AppError } from "../api";
import { formatDateTime } from "./format";

export const AI_ERROR_CODES: ReadonlySet<AppError["code"]> = new Set<AppError["code"]>([
  "rate_limited_minute",
  "rate_limited_daily_cost",
  "rate_limited_monthly",
  "ai_unavailable",
]);

const AI_LIMIT_CODES = new Set<string>(["rate_limited_minute", "rate_limited_daily_cost", "rate_limited_monthly"]);

/** US dollars, with cents (and fractions of a cent for tiny amounts). */
export function formatUsd(amount: number | null): string {
  if (amount === null) return "—";
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `$${amount.toFixed(digits)}`;
}

/**
 * What is left of a cost limit that refused a request before it was reached: each request (and
 * each question, for all its rounds) holds its worst case first, so one that could pass the
 * limit is refused while some of it is left. `null` when the limit is reached.
 */
function leftOf(limit: { limit: number | null; used: number | null } | null): number | null {
  if (limit?.limit == null || limit.used == null || limit.used >= limit.limit) return null;
  return limit.limit - limit.used;
}

/** The message to show for an error: the AI codes in plain words, anything else as sent. */
export function errorMessage(error: AppError): string {
  const limit = error.details?.limit ?? null;
  const resets = limit ? formatDateTime(limit.resets_at) : null;
  // A limit set to zero turns AI requests off: say that, not "of $0.00".
  if (limit?.limit === 0 && AI_LIMIT_CODES.has(error.code)) {
    return "AI requests are turned off: one of the limits in Settings → AI assistant is set to zero. Raise it to use the assistant.";
  }
  switch (error.code) {
    case "rate_limited_minute": {
      const count = limit?.limit != null ? ` (the limit is ${limit.limit} a minute)` : "";
      return `Too many AI requests this minute${count}.${resets ? ` Try again at ${resets}.` : " Try again in a minute."}`;
    }
    case "rate_limited_daily_cost": {
      const cap = limit?.limit != null ? ` of ${formatUsd(limit.limit)}` : "";
      const used = limit?.used != null ? ` (${formatUsd(limit.used)} used)` : "";
      const left = leftOf(limit);
      if (left !== null) {
        return `Today's AI cost cap${cap} has ${formatUsd(left)} left${used}, less than this could cost, so nothing was sent.${resets ? ` It resets at ${resets}.` : ""} You can raise it in Settings → AI assistant.`;
      }
      return `Today's AI cost cap${cap} is reached${used}.${resets ? ` It resets at ${resets}.` : ""} You can raise it in Settings → AI assistant.`;
    }
    case "rate_limited_monthly": {
      const credits = limit?.limit != null ? ` of ${formatUsd(limit.limit)}` : "";
      const used = limit?.used != null ? ` (${formatUsd(limit.used)} used)` : "";
      const left = leftOf(limit);
      if (left !== null) {
        return `This month's AI credits${credits} have ${formatUsd(left)} left${used}, less than this could cost, so nothing was sent.${resets ? ` They renew at ${resets}.` : ""} You can raise them in Settings → AI assistant.`;
      }
      return `This month's AI credits${credits} are used up${used}.${resets ? ` They renew at ${resets}.` : ""} You can raise them in Settings → AI assistant.`;
    }
    case "ai_unavailable":
      return `AI is off: ${error.message}`;
    default:
      return error.message;
  }
}
