import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { appError, callsTo, mockCommands } from "../test/tauriMock";
import { RecoveryScreen } from "./RecoveryScreen";
import { ToastProvider } from "./Toasts";

const RECOVERY_KEY = "7c1e-92ab-04f3-d85e-6a20-bb17-e9c4-3f08-51da-c62e-0b9f-7734-a8e1-2d5c-f640-198b-4e2a";
const KEY_MISSING = appError(
  "encryption_key_missing",
  "the database is encrypted and its key is not on this computer; restore it with the recovery key you were shown when encryption was turned on",
);

function renderScreen() {
  const user = userEvent.setup();
  render(<RecoveryScreen />);
  return user;
}

describe("Start-up with data whose key is not on this computer", () => {
  it("shows the recovery screen instead of the app or the error page", async () => {
    mockCommands({
      app_info: () => {
        throw KEY_MISSING;
      },
      recover_data_folder: () => new Promise(() => {}),
    });
    render(
      <ToastProvider>
        <App />
      </ToastProvider>,
    );
    const recovery = await screen.findByTestId("recovery-screen");
    expect(recovery.textContent).toContain("Your data is locked on this computer");
    expect(screen.getByTestId("recovery-reason").dataset.reason).toBe("missing");
    expect(screen.queryByTestId("startup-error")).toBeNull();
    expect(screen.queryByTestId("today-page")).toBeNull();
    // No code or error key is shown to the user.
    expect(recovery.textContent).not.toContain("encryption_key_missing");
    expect(screen.getByRole("textbox", { name: /Recovery key/ })).toBe(screen.getByTestId("recovery-key-input"));
  });
});

describe("Start-up when the key kept here does not open the data", () => {
  it("shows the recovery screen, saying the key here may be damaged", async () => {
    mockCommands({
      app_info: () => {
        throw appError("encryption_key_wrong", "the data folder's key file is damaged; open the folder with its recovery key");
      },
    });
    render(
      <ToastProvider>
        <App />
      </ToastProvider>,
    );
    const reason = await screen.findByTestId("recovery-reason");
    expect(reason.dataset.reason).toBe("wrong");
    expect(reason.textContent).toContain("no longer opens it");
    expect(screen.queryByTestId("startup-error")).toBeNull();
  });
});

describe("RecoveryScreen", () => {
  it("asks for the key before sending anything", async () => {
    mockCommands({});
    const user = renderScreen();
    const input = screen.getByLabelText(/Recovery key/);
    expect(document.activeElement).toBe(input);
    await user.click(screen.getByTestId("recovery-submit"));
    expect(screen.getByTestId("field-error-recovery_key").textContent).toBe("Enter your recovery key.");
    expect(callsTo("recover_data_folder")).toHaveLength(0);
  });

  it("shows a wrong or mistyped key next to the field in plain words", async () => {
    let answer = appError("encryption_key_wrong", "this key does not open the database (it is damaged, or it was encrypted with another key)");
    mockCommands({
      recover_data_folder: () => {
        throw answer;
      },
    });
    const user = renderScreen();
    const input = screen.getByTestId("recovery-key-input");
    await user.type(input, RECOVERY_KEY);
    await user.click(screen.getByTestId("recovery-submit"));
    const error = await screen.findByTestId("field-error-recovery_key");
    expect(error.textContent).toContain("This recovery key does not open your data");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toContain(error.id);
    expect(callsTo("recover_data_folder")).toEqual([{ recoveryKey: RECOVERY_KEY }]);

    answer = appError("validation_failed", "Some fields are invalid", {
      fields: [{ field: "recovery_key", message: "has a mistyped character (its last group does not match)" }],
    });
    await user.click(screen.getByTestId("recovery-submit"));
    await waitFor(() =>
      expect(screen.getByTestId("field-error-recovery_key").textContent).toBe(
        "The recovery key has a mistyped character (its last group does not match).",
      ),
    );

    answer = appError("validation_failed", "Some fields are invalid", {
      fields: [{ field: "recovery_key", message: "is not a recovery key: it has 17 groups of four characters" }],
    });
    await user.click(screen.getByTestId("recovery-submit"));
    await waitFor(() =>
      expect(screen.getByTestId("field-error-recovery_key").textContent).toContain("This does not look like a recovery key"),
    );

    // Typing again clears the message.
    await user.type(input, " ");
    expect(screen.queryByTestId("field-error-recovery_key")).toBeNull();
  });

  it("shows any other failure as an alert", async () => {
    mockCommands({
      recover_data_folder: () => {
        throw appError("io", "could not read the folder id: permission denied");
      },
    });
    const user = renderScreen();
    await user.type(screen.getByTestId("recovery-key-input"), RECOVERY_KEY);
    await user.click(screen.getByTestId("recovery-submit"));
    const alert = await screen.findByTestId("recovery-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toContain("permission denied");
    expect(screen.queryByTestId("field-error-recovery_key")).toBeNull();
  });

  it("stays busy while the app restarts with the key", async () => {
    mockCommands({ recover_data_folder: () => new Promise(() => {}) });
    const user = renderScreen();
    await user.type(screen.getByTestId("recovery-key-input"), `  ${RECOVERY_KEY}  `);
    await user.click(screen.getByTestId("recovery-submit"));
    await waitFor(() => expect(screen.getByTestId("recovery-submit").getAttribute("aria-busy")).toBe("true"));
    expect(screen.getByTestId("recovery-submit").textContent).toContain("Unlocking");
    expect(callsTo("recover_data_folder")).toEqual([{ recoveryKey: RECOVERY_KEY }]);
  });
});
