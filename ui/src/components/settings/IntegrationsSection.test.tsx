import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { GoogleStatus, IntegrationAccount } from "../../api";
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

function renderSection() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <IntegrationsSection />
    </ToastProvider>,
  );
  return { user };
}

describe("IntegrationsSection", () => {
  it("says plainly where tokens go, connects an account and shows it", async () => {
    let accounts: IntegrationAccount[] = [];
    mockCommands({
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
    mockCommands({
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
    mockCommands({
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
});
