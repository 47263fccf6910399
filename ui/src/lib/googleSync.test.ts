import { describe, expect, it } from "vitest";
import type { SyncBatch } from "../api";
import { DEFAULT_SYNC_FORM, describeBatch, formFromSettings, keptSummary, settingsFromForm } from "./googleSync";

describe("googleSync", () => {
  it("turns the default form into the default settings", () => {
    const { settings, problems } = settingsFromForm(DEFAULT_SYNC_FORM);
    expect(problems).toEqual({});
    expect(settings?.gmail?.query).toBe("category:primary -in:chats -in:drafts newer_than:30d");
    expect(settings?.gmail?.preview_labels).toEqual(["INBOX", "IMPORTANT", "STARRED"]);
    expect(settings?.calendar).toEqual({ days_back: 30, days_ahead: 30, page_size: 250 });
  });

  it("names each problem and gives no settings", () => {
    expect(settingsFromForm({ ...DEFAULT_SYNC_FORM, gmail: false, calendar: false })).toEqual({
      settings: null,
      problems: { providers: "Choose Gmail, Calendar or both." },
    });
    const { settings, problems } = settingsFromForm({ ...DEFAULT_SYNC_FORM, query: "  ", daysAhead: "4000", sentQuery: "" });
    expect(settings).toBeNull();
    expect(Object.keys(problems).sort()).toEqual(["daysAhead", "query", "sentQuery"]);
  });

  it("ignores the fields of a provider left out", () => {
    const { settings } = settingsFromForm({ ...DEFAULT_SYNC_FORM, calendar: false, daysBack: "x", includeSent: false });
    expect(settings?.calendar).toBeNull();
    expect(settings?.gmail?.sent_query).toBeNull();
  });

  it("reads back the settings a batch was approved with", () => {
    const { settings } = settingsFromForm({ ...DEFAULT_SYNC_FORM, query: "label:clients", labels: "Clients, , INBOX", daysBack: "90" });
    const form = formFromSettings(settings);
    expect(form.query).toBe("label:clients");
    expect(form.labels).toBe("Clients, INBOX");
    expect(form.daysBack).toBe("90");
    expect(formFromSettings({ gmail: null, calendar: { days_back: 7, days_ahead: 1, page_size: 250 } })).toMatchObject({ gmail: false, calendar: true, daysBack: "7" });
    expect(formFromSettings("not settings")).toEqual(DEFAULT_SYNC_FORM);
  });

  it("says what a batch did", () => {
    const base = { fetched: 3, normalized: 2, suggested: 1, last_error: null } as SyncBatch;
    expect(describeBatch({ ...base, status: "completed" })).toBe("3 fetched, 2 became interactions, 1 person suggested");
    expect(describeBatch({ ...base, status: "completed", fetched: 0 })).toBe("Nothing new");
    expect(describeBatch({ ...base, status: "failed", last_error: "Gmail answered 500" })).toBe("Stopped: Gmail answered 500");
  });
});

describe("keptSummary", () => {
  it("says nothing when the undo kept nobody", () => {
    expect(keptSummary([])).toBe("");
  });

  it("names the kept contacts and why, and counts the rest", () => {
    const kept = ["Carol", "Dan", "Erin", "Fay"].map((name, index) => ({
      contact_id: `c${index}`,
      display_name: name,
      reasons: index === 0 ? ["notes written since", "tagged"] : ["edited"],
    }));
    expect(keptSummary(kept.slice(0, 1))).toBe(" Kept 1 contact you worked on since: Carol (notes written since, tagged).");
    expect(keptSummary(kept)).toBe(
      " Kept 4 contacts you worked on since: Carol (notes written since, tagged); Dan (edited); Erin (edited) and 1 more.",
    );
  });
});
