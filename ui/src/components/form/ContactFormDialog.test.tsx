import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { layerStack } from "../../lib/layerStack";
import { ContactFormDialog } from "./ContactFormDialog";

function renderDialog() {
  const onClose = vi.fn();
  function Harness() {
    const [target, setTarget] = useState<{ contact: null } | null>({ contact: null });
    return (
      <ContactFormDialog
        target={target}
        onClose={() => {
          onClose();
          setTarget(null);
        }}
        onSaved={() => {}}
        tagSuggestions={[]}
      />
    );
  }
  render(<Harness />);
  return { onClose, user: userEvent.setup() };
}

// The app's keyboard handler (useGlobalShortcuts) hands Escape to the layer stack like this.
const pressEscape = () => layerStack.escape();

describe("ContactFormDialog", () => {
  it("closes an unchanged form at once", async () => {
    const { onClose, user } = renderDialog();
    await user.click(screen.getByTestId("contact-form-cancel"));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("discard-changes-dialog")).toBeNull();
  });

  it("asks before Cancel throws away typed changes, and keeps them on Keep editing", async () => {
    const { onClose, user } = renderDialog();
    await user.type(screen.getByTestId("field-display_name"), "Maya");
    await user.click(screen.getByTestId("contact-form-cancel"));

    const confirm = await screen.findByRole("dialog", { name: "Discard your changes?" });
    expect(confirm).toBeTruthy();
    expect(onClose).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("discard-changes-keep"));
    expect(screen.queryByTestId("discard-changes-dialog")).toBeNull();
    expect((screen.getByTestId("field-display_name") as HTMLInputElement).value).toBe("Maya");
    expect(onClose).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("contact-form-cancel"));
    await user.click(await screen.findByTestId("discard-changes-confirm"));
    expect(onClose).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByTestId("contact-form-dialog")).toBeNull());
  });

  it("asks on Escape too; a second Escape only closes the question", async () => {
    const { onClose, user } = renderDialog();
    await user.type(screen.getByTestId("field-organization"), "Studio");
    pressEscape();
    await screen.findByTestId("discard-changes-dialog");
    expect(onClose).not.toHaveBeenCalled();

    pressEscape();
    // The question's closing transition can take over a second on a loaded machine.
    await waitFor(() => expect(screen.queryByTestId("discard-changes-dialog")).toBeNull(), {
      timeout: 5000,
    });
    expect(screen.getByTestId("contact-form-dialog")).toBeTruthy();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("does not ask when the change was undone", async () => {
    const { onClose, user } = renderDialog();
    const name = screen.getByTestId("field-display_name");
    await user.type(name, "M");
    await user.clear(name);
    await user.click(screen.getByTestId("contact-form-cancel"));
    expect(screen.queryByTestId("discard-changes-dialog")).toBeNull();
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
