import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ContactSuggestion, GoogleStatus, IntegrationAccount, JobInfo, SyncBatch } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { IntegrationsSection } from "./IntegrationsSection";

function account(overrides: Partial<IntegrationAccount> = {}): IntegrationAccount {
  return {
    id: "a1",
    provider: "google",
    email: "maya@example.com",
    scopes: ["openid", "https://www.googleapis.com/auth/gmail.readonly"],
    status: "connected",
    status_reason: null,
    token_storage: "encrypted_file",
    connected_at: "2026-11-01T10:00:00.000Z",
    disconnected_at: null,
    last_sync_at: null,
    last_sync_summary: null,
    last_error: null,
    last_error_at: null,
    created_at: "2026-11-01T10:00:00.000Z",
    updated_at: "2026-11-01T10:00:00.000Z",
    ...overrides,
  };
}

const fileStorage: GoogleStatus["token_storage"] = {
  backend: "encrypted_file",
  notice: "Tokens are stored in an encrypted file because no system keyring is available",
  keyring: { status: "unavailable", reason: "no Secret Service" },
};

function renderSection(jobs: JobInfo[] | null = null) {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <IntegrationsSection jobs={jobs} />
    </ToastProvider>,
  );
  return { user };
}

/** Commands every render makes: the account's recent syncs and the suggested people. */
function withSyncDefaults(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  mockCommands({ google_sync_batches: () => [], google_suggestions_list: () => [], ...handlers });
}

function batch(overrides: Partial<SyncBatch> = {}): SyncBatch {
  return {
    id: "b1",
    account_id: "a1",
    account_email: "maya@example.com",
    providers: ["gmail"],
    finished_providers: ["gmail"],
    settings: { gmail: { query: "newer_than:7d", sent_query: null, preview_labels: ["INBOX"], max_messages: 10000, page_size: 100 }, calendar: null },
    status: "completed",
    fetched: 12,
    normalized: 9,
    suggested: 2,
    last_error: null,
    created_at: "2026-11-20T09:00:00.000Z",
    updated_at: "2026-11-20T09:01:00.000Z",
    completed_at: "2026-11-20T09:01:00.000Z",
    undone_at: null,
    ...overrides,
  };
}

function job(overrides: Partial<JobInfo> = {}): JobInfo {
  return {
    id: "j1",
    kind: "google.gmail.sync",
    subject: null,
    batch_id: "b1",
    status: "running",
    attempts: 1,
    max_attempts: 5,
    progress_done: 40,
    progress_total: 100,
    error: null,
    run_at: "2026-11-20T09:00:00.000Z",
    cancel_requested: false,
    created_at: "2026-11-20T09:00:00.000Z",
    updated_at: "2026-11-20T09:00:30.000Z",
    finished_at: null,
    ...overrides,
  };
}

describe("IntegrationsSection", () => {
  it("says plainly where tokens go, connects an account and shows it", async () => {
    let accounts: IntegrationAccount[] = [];
    withSyncDefaults({
      google_status: () => ({ accounts, token_storage: fileStorage }),
      google_connect: () => {
        accounts = [account()];
        return { account: accounts[0], token_storage: fileStorage, missing_scopes: [], warnings: [] };
      },
    });
    const { user } = renderSection();
    expect(await screen.findByTestId("integrations-empty")).toBeTruthy();
    expect(screen.getByTestId("token-storage-notice").textContent).toContain("encrypted file");

    await user.click(screen.getByTestId("google-connect-button"));
    const row = await screen.findByTestId("google-account");
    expect(callsTo("google_connect")).toHaveLength(1);
    expect(row.dataset.status).toBe("connected");
    expect(row.textContent).toContain("Gmail (read only)");
    expect(within(row).getByTestId("google-account-last-sync").textContent).toBe("Not synced yet.");
  });

  it("makes a disconnected account and a failed sync impossible to miss", async () => {
    withSyncDefaults({
      google_status: () => ({
        accounts: [
          account({ status: "disconnected", status_reason: "Google refused the saved sign-in (invalid_grant)." }),
          account({ id: "a2", email: "studio@example.com", last_error: "Gmail answered 500 three times", last_error_at: "2026-11-20T09:00:00.000Z" }),
        ],
        token_storage: { backend: "keyring", notice: null, keyring: { status: "available" } },
      }),
    });
    renderSection();
    const alerts = await screen.findAllByRole("alert");
    expect(alerts.map((alert) => alert.textContent)).toEqual([
      expect.stringContaining("invalid_grant"),
      expect.stringContaining("Gmail answered 500 three times"),
    ]);
    expect(screen.queryByTestId("token-storage-notice")).toBeNull();
  });

  it("disconnects and reports when Google could not confirm the revocation", async () => {
    let accounts = [account()];
    withSyncDefaults({
      google_status: () => ({ accounts, token_storage: fileStorage }),
      google_disconnect: () => {
        accounts = [account({ status: "disconnected", status_reason: "Disconnected on this device." })];
        return { account: accounts[0], revoked: false, revocation_error: "Google could not be reached" };
      },
      google_connect: () => {
        throw appError("cancelled", "Nobody came back from the browser within 5 minutes");
      },
    });
    const { user } = renderSection();
    await user.click(await screen.findByTestId("google-disconnect-button"));
    expect(callsTo("google_disconnect")).toEqual([{ accountId: "a1" }]);
    await waitFor(() => expect(screen.getByTestId("google-account").dataset.status).toBe("disconnected"));
    expect((await screen.findAllByTestId("toast")).map((toast) => toast.textContent).join(" ")).toContain("Google could not be reached");

    await user.click(screen.getByTestId("google-connect-button"));
    await waitFor(() => expect((screen.getAllByTestId("toast")).map((toast) => toast.textContent).join(" ")).toContain("Google sign-in did not finish"));
  });

  it("previews the first sync with the chosen mail, then approves it", async () => {
    const status = { accounts: [account()], token_storage: fileStorage };
    withSyncDefaults({
      google_status: () => status,
      google_sync_preview: () => ({
        gmail: {
          query: "newer_than:7d -category:promotions",
          sent_query: null,
          estimated_messages: 42,
          by_label: [{ label: "INBOX", messages: 40 }],
          sample_subjects: ["Booking for Tuesday"],
          excluded_categories: ["promotions"],
        },
        calendar: null,
      }),
      google_sync_start: () => ({ batch: batch({ status: "approved" }), job_ids: ["j1"] }),
    });
    const { user } = renderSection();
    await user.click(await screen.findByTestId("google-sync-now-button"));
    const dialog = await screen.findByTestId("google-sync-dialog");
    const query = within(dialog).getByTestId("google-sync-query");
    await user.clear(query);
    await user.type(query, "newer_than:7d");
    await user.click(within(dialog).getByTestId("google-sync-calendar"));
    await user.click(within(dialog).getByRole("checkbox", { name: "Include mail I sent" }));
    await user.click(within(dialog).getByTestId("google-sync-preview-button"));

    expect((await within(dialog).findByTestId("google-sync-preview-subjects")).textContent).toContain("Booking for Tuesday");
    const expected = {
      gmail: { query: "newer_than:7d", sent_query: null, preview_labels: ["INBOX", "IMPORTANT", "STARRED"], max_messages: 10000, page_size: 100 },
      calendar: null,
    };
    expect(callsTo("google_sync_preview")).toEqual([{ accountId: "a1", settings: expected }]);

    await user.click(within(dialog).getByTestId("google-sync-approve-button"));
    await waitFor(() => expect(callsTo("google_sync_start")).toEqual([{ accountId: "a1", settings: expected }]));
    await waitFor(() => expect(screen.queryByTestId("google-sync-dialog")).toBeNull());
  });

  it("names the field when the sync settings are not valid, and sends nothing", async () => {
    withSyncDefaults({ google_status: () => ({ accounts: [account()], token_storage: fileStorage }) });
    const { user } = renderSection();
    await user.click(await screen.findByTestId("google-sync-now-button"));
    const dialog = await screen.findByTestId("google-sync-dialog");
    await user.clear(within(dialog).getByTestId("google-sync-query"));
    await user.clear(within(dialog).getByLabelText("Days back"));
    await user.type(within(dialog).getByLabelText("Days back"), "soon");
    await user.click(within(dialog).getByTestId("google-sync-approve-button"));

    expect(within(dialog).getByTestId("google-sync-query").getAttribute("aria-invalid")).toBe("true");
    expect(within(dialog).getByLabelText("Days back").getAttribute("aria-invalid")).toBe("true");
    expect(dialog.textContent).toContain("Enter which mail to sync.");
    expect(callsTo("google_sync_start")).toHaveLength(0);
  });

  it("syncs again with the last settings, shows the progress, and undoes a sync", async () => {
    let batches = [batch()];
    withSyncDefaults({
      google_status: () => ({ accounts: [account({ last_sync_at: "2026-11-20T09:01:00.000Z", last_sync_summary: "12 new items, 9 became interactions" })], token_storage: fileStorage }),
      google_sync_batches: () => batches,
      google_sync_start: () => ({ batch: batch({ id: "b2", status: "approved" }), job_ids: ["j2"] }),
      google_sync_undo: () => {
        batches = [batch({ status: "undone" })];
        return { batch_id: "b1", interactions_removed: 9, contacts_removed: 0, raw_events_removed: 12, suggestions_removed: 2, removed_by_hooks: [], contacts_kept: [] };
      },
    });
    const { user } = renderSection([job({ batch_id: "b1" })]);
    const bar = await screen.findByRole("progressbar", { name: "Sync Gmail" });
    expect(bar.getAttribute("aria-valuenow")).toBe("40");
    expect(screen.getByTestId("google-sync-now-button").textContent).toContain("Syncing");
    expect(screen.getByTestId("google-account-last-sync").textContent).toContain("12 new items, 9 became interactions");

    await user.click(screen.getByText("Recent syncs"));
    expect(screen.getByTestId("google-batch").textContent).toContain("12 fetched, 9 became interactions, 2 people suggested");
    await user.click(screen.getByTestId("google-batch-undo"));
    expect(callsTo("google_sync_undo")).toHaveLength(0);
    await user.click(screen.getByTestId("google-batch-undo-confirm"));
    await waitFor(() => expect(callsTo("google_sync_undo")).toEqual([{ batchId: "b1" }]));
    await waitFor(() => expect(screen.getByTestId("google-batch").dataset.status).toBe("undone"));
  });

  it("starts a sync with the account's last settings when it has synced before", async () => {
    withSyncDefaults({
      google_status: () => ({ accounts: [account()], token_storage: fileStorage }),
      google_sync_batches: () => [batch()],
      google_sync_start: () => ({ batch: batch({ id: "b2", status: "approved" }), job_ids: ["j2"] }),
    });
    const { user } = renderSection([]);
    await waitFor(() => expect(callsTo("google_sync_batches")).toEqual([{ accountId: "a1" }]));
    await user.click(await screen.findByTestId("google-sync-now-button"));
    await waitFor(() => expect(callsTo("google_sync_start")).toEqual([{ accountId: "a1", settings: null }]));
    expect(screen.queryByTestId("google-sync-dialog")).toBeNull();
  });

  it("shows a sync job that gave up as an alert on its account", async () => {
    withSyncDefaults({
      google_status: () => ({ accounts: [account()], token_storage: fileStorage }),
      google_sync_batches: () => [batch({ status: "failed", last_error: "Google refused the account's access" })],
    });
    renderSection([job({ status: "dead", error: "Google refused the account's access; sign in to Google again" })]);
    const alert = await screen.findByTestId("google-account-dead-jobs");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toContain("Sync Gmail gave up: Google refused");
  });

  it("adds or dismisses the people the sync suggests", async () => {
    const suggestion = (id: string, email: string): ContactSuggestion => ({
      id,
      batch_id: "b1",
      account_id: "a1",
      email,
      display_name: null,
      reason: `Emailed you: "Hello"`,
      source: "gmail",
      occurrences: 2,
      status: "pending",
      contact_id: null,
      first_seen_at: "2026-11-20T09:00:00.000Z",
      last_seen_at: "2026-11-20T09:00:00.000Z",
      created_at: "2026-11-20T09:00:00.000Z",
      decided_at: null,
    });
    withSyncDefaults({
      google_status: () => ({ accounts: [account()], token_storage: fileStorage }),
      google_suggestions_list: () => [suggestion("s1", "new.client@example.com"), suggestion("s2", "someone@example.com")],
      google_suggestions_approve: () => ({ contact: { display_name: "New Client", id: "c1" }, linked_interactions: 2 }),
      google_suggestions_dismiss: () => suggestion("s2", "someone@example.com"),
    });
    const { user } = renderSection();
    const [first] = await screen.findAllByTestId("google-suggestion");
    expect(first.textContent).toContain("Emailed you");
    await user.click(within(first).getByTestId("google-suggestion-add"));
    await waitFor(() => expect(screen.getAllByTestId("google-suggestion")).toHaveLength(1));
    expect(callsTo("google_suggestions_approve")).toEqual([{ suggestionId: "s1", displayName: null }]);
    await user.click(screen.getByTestId("google-suggestion-dismiss"));
    await waitFor(() => expect(screen.queryByTestId("google-suggestions")).toBeNull());
    expect(callsTo("google_suggestions_dismiss")).toEqual([{ suggestionId: "s2" }]);
  });
});
