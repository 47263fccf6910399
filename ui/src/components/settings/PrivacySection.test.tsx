import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { EncryptionStatus } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { PrivacySection, recoveryKeyGroups } from "./PrivacySection";

const RECOVERY_KEY = "7c1e-92ab-04f3-d85e-6a20-bb17-e9c4-3f08-51da-c62e-0b9f-7734-a8e1-2d5c-f640-198b-4e2a";

const encrypted: EncryptionStatus = {
  encrypted: true,
  key_location: { kind: "keyring" },
  summary: "Encrypted. The key is kept in the system keyring.",
  plain_backups: 0,
};

function renderSection() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <PrivacySection />
    </ToastProvider>,
  );
  return user;
}

describe("recoveryKeyGroups", () => {
  it("splits a recovery key into its groups of four", () => {
    const groups = recoveryKeyGroups(RECOVERY_KEY);
    expect(groups).toHaveLength(17);
    expect(groups[0]).toBe("7c1e");
    expect(groups[16]).toBe("4e2a");
  });
});

describe("PrivacySection", () => {
  it("says the data is encrypted and where the key is kept, and shows the key only when asked", async () => {
    mockCommands({ encryption_status: () => encrypted, reveal_recovery_key: () => RECOVERY_KEY });
    const user = renderSection();
    const summary = await screen.findByTestId("privacy-summary");
    expect(summary.textContent).toBe("Encrypted. The key is kept in the system keyring.");
    expect(screen.getByTestId("privacy-section").dataset.state).toBe("encrypted");
    expect(screen.queryByTestId("privacy-plain-backups")).toBeNull();
    expect(screen.getByTestId("privacy-rotate-hint").textContent).toContain("omnicrm encryption rotate-key");
    expect(screen.getByTestId("privacy-recovery").textContent).toContain("away from this computer");

    // The key is not fetched until the user asks for it.
    expect(callsTo("reveal_recovery_key")).toHaveLength(0);
    expect(screen.queryByTestId("privacy-recovery-key")).toBeNull();
    await user.click(screen.getByTestId("privacy-show-key"));
    const shown = await screen.findByTestId("privacy-recovery-key");
    expect(shown.querySelectorAll(".recovery-key__group")).toHaveLength(17);
    expect(shown.textContent).toBe(RECOVERY_KEY.replaceAll("-", ""));

    await user.click(screen.getByTestId("privacy-hide-key"));
    expect(screen.queryByTestId("privacy-recovery-key")).toBeNull();
    expect(screen.getByTestId("privacy-show-key")).toBeTruthy();
  });

  it("copies the recovery key to the clipboard", async () => {
    mockCommands({ encryption_status: () => encrypted, reveal_recovery_key: () => RECOVERY_KEY });
    const user = renderSection();
    // userEvent installs its own clipboard; watch what is written to it.
    const writeText = vi.spyOn(navigator.clipboard, "writeText");
    await user.click(await screen.findByTestId("privacy-show-key"));
    await user.click(await screen.findByTestId("privacy-copy-key"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(RECOVERY_KEY));
    expect(await screen.findByText(/Recovery key copied/)).toBeTruthy();
  });

  it("saves the recovery key to a file the user names, showing a refused path next to the field", async () => {
    let existing = true;
    mockCommands({
      encryption_status: () => encrypted,
      reveal_recovery_key: () => RECOVERY_KEY,
      save_recovery_key: (args) => {
        if (existing) {
          throw appError("io", "could not write the recovery key file: File exists (os error 17)", {
            fields: [{ field: "path", message: "already exists; choose a new file name" }],
          });
        }
        return args.path;
      },
    });
    const user = renderSection();
    await user.click(await screen.findByTestId("privacy-show-key"));
    await user.click(await screen.findByTestId("privacy-save-key"));
    const form = await screen.findByTestId("privacy-save-form");
    const input = within(form).getByLabelText(/File to save/);
    expect(document.activeElement).toBe(input);

    // Nothing typed: said at once, nothing sent.
    await user.click(within(form).getByTestId("privacy-save-submit"));
    expect(within(form).getByTestId("field-error-path").textContent).toBe("Enter where to save the file.");
    expect(callsTo("save_recovery_key")).toHaveLength(0);

    await user.type(input, "/media/usb/recovery-key.txt");
    await user.click(within(form).getByTestId("privacy-save-submit"));
    const error = await within(form).findByTestId("field-error-path");
    expect(error.textContent).toBe("The file already exists; choose a new file name.");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toContain(error.id);

    existing = false;
    await user.clear(input);
    await user.type(input, "/media/usb/new-key.txt");
    await user.click(within(form).getByTestId("privacy-save-submit"));
    await waitFor(() => expect(screen.queryByTestId("privacy-save-form")).toBeNull());
    expect(callsTo("save_recovery_key").at(-1)).toEqual({ path: "/media/usb/new-key.txt" });
    expect(await screen.findByText(/Recovery key saved to \/media\/usb\/new-key.txt/)).toBeTruthy();
  });

  it("counts the backups not encrypted yet", async () => {
    mockCommands({ encryption_status: () => ({ ...encrypted, plain_backups: 2 }) });
    renderSection();
    const notice = await screen.findByTestId("privacy-plain-backups");
    expect(notice.textContent).toBe("2 backups are not encrypted yet. OmniCRM encrypts them the next time it starts.");
  });

  it("warns plainly when the data is not encrypted, and offers no recovery key", async () => {
    mockCommands({
      encryption_status: () => ({
        encrypted: false,
        key_location: null,
        summary: "Not encrypted: anyone who copies the data folder can read it.",
        plain_backups: 1,
      }),
    });
    renderSection();
    const summary = await screen.findByTestId("privacy-summary");
    expect(summary.textContent).toContain("Not encrypted");
    expect(screen.getByTestId("privacy-section").dataset.state).toBe("plain");
    expect(screen.getByTestId("privacy-plain-backups").textContent).toBe("1 backup is not encrypted either.");
    expect(screen.getByTestId("privacy-plain-hint").textContent).toContain("omnicrm encryption enable");
    expect(screen.queryByTestId("privacy-show-key")).toBeNull();
  });

  it("says so when the status cannot be read, and tries again", async () => {
    let fails = true;
    mockCommands({
      encryption_status: () => {
        if (fails) throw appError("io", "the keyring did not answer");
        return encrypted;
      },
    });
    const user = renderSection();
    const error = await screen.findByTestId("privacy-load-error");
    expect(error.textContent).toContain("the keyring did not answer");
    fails = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect((await screen.findByTestId("privacy-summary")).textContent).toContain("Encrypted.");
  });
});
