import { describe, expect, it } from "vitest";
import type { AppError } from "../api";
import { errorMessage, formatUsd } from "./aiErrors";

function limited(code: AppError["code"], limit: number, used: number): AppError {
  return { code, message: "limit reached", details: { fields: [], limit: { limit, used, resets_at: "2026-11-23T00:00:00.000Z" } } };
}

describe("errorMessage", () => {
  it("says AI requests are off when a limit is zero, not \"6 of 0\"", () => {
    for (const code of ["rate_limited_minute", "rate_limited_daily_cost", "rate_limited_monthly"] as const) {
      const text = errorMessage(limited(code, 0, 6));
      expect(text).toMatch(/^AI requests are turned off/);
      expect(text).not.toContain("$0.00");
    }
  });

  it("names the per-minute limit", () => {
    const text = errorMessage(limited("rate_limited_minute", 20, 20));
    expect(text).toMatch(/^Too many AI requests this minute \(the limit is 20 a minute\)\. Try again at /);
  });

  it("names the daily cap and what was used", () => {
    expect(errorMessage(limited("rate_limited_daily_cost", 1, 1.004))).toContain("Today's AI cost cap of $1.00 is reached ($1.00 used)");
  });

  it("names the monthly credits and what was used", () => {
    expect(errorMessage(limited("rate_limited_monthly", 10, 10.5))).toContain("This month's AI credits of $10.00 are used up ($10.50 used)");
  });

  // Issue 19: a request is refused when its worst case does not fit in what is left, so the cap
  // is not reached yet; "is reached ($0.08 used)" read as a wrong sum.
  it("says how much is left when a request could cost more than the rest of a cap", () => {
    expect(errorMessage(limited("rate_limited_daily_cost", 0.1, 0.08))).toContain(
      "Today's AI cost cap of $0.10 has $0.02 left ($0.08 used), less than this could cost, so nothing was sent.",
    );
    expect(errorMessage(limited("rate_limited_monthly", 10, 9.5))).toContain(
      "This month's AI credits of $10.00 have $0.50 left ($9.50 used), less than this could cost",
    );
  });

  it("says AI is off with the backend's reason, and leaves other errors alone", () => {
    expect(errorMessage({ code: "ai_unavailable", message: "Add an API key in Settings → AI.", details: null })).toBe(
      "AI is off: Add an API key in Settings → AI.",
    );
    expect(errorMessage({ code: "not_found", message: "Contact not found", details: null })).toBe("Contact not found");
  });

  it("still reads well without limit details", () => {
    expect(errorMessage({ code: "rate_limited_minute", message: "x", details: null })).toBe(
      "Too many AI requests this minute. Try again in a minute.",
    );
  });
});

describe("formatUsd", () => {
  it("shows cents, and fractions of a cent for tiny amounts", () => {
    expect(formatUsd(7.5)).toBe("$7.50");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(0)).toBe("$0.00");
  });
});
