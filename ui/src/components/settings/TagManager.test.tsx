import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TagWithUsage } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { TagManager } from "./TagManager";

function tag(id: string, name: string, category: TagWithUsage["tag"]["category"], usage: number): TagWithUsage {
  return {
    tag: { id, name, category, color: "#aa3366", is_system: false, created_at: "", updated_at: "", deleted_at: null },
    usage_count: usage,
  };
}

function renderManager() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <TagManager />
    </ToastProvider>,
  );
  return { user };
}

describe("TagManager", () => {
  it("groups tags by category with usage counts", async () => {
    mockCommands({ tags_list_with_usage: () => [tag("1", "Reiki", "services_modalities", 3), tag("2", "Evenings", "schedule_attendance", 1)] });
    renderManager();
    const services = await screen.findByTestId("tag-group-services_modalities");
    expect(within(services).getByText("Reiki")).toBeTruthy();
    expect(within(services).getByTestId("tag-usage").textContent).toBe("3 contacts");
    expect(within(screen.getByTestId("tag-group-schedule_attendance")).getByText("Evenings")).toBeTruthy();
    expect(screen.getByTestId("tag-group-emotional_mental").textContent).toContain("No tags in this category");
  });

  it("shows the server's field errors inline next to the inputs", async () => {
    mockCommands({
      tags_list_with_usage: () => [],
      tags_create: () => {
        throw appError("validation_failed", "Some fields are invalid", { fields: [{ field: "name", message: "A tag with this name exists" }] });
      },
    });
    const { user } = renderManager();
    await screen.findByTestId("tags-empty");
    await user.type(screen.getByTestId("tag-name-input"), "Reiki");
    await user.click(screen.getByTestId("tag-create-button"));
    expect((await screen.findByTestId("field-error-name")).textContent).toBe("A tag with this name exists");
    const input = screen.getByTestId("tag-name-input");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe(screen.getByTestId("field-error-name").id);
    expect(callsTo("tags_create")[0].input).toEqual({ name: "Reiki", category: "services_modalities", color: "#5b8def" });
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("renames a tag", async () => {
    mockCommands({
      tags_list_with_usage: () => [tag("1", "Reiki", "services_modalities", 3)],
      tags_update: (args) => ({ ...tag("1", "Reiki II", "services_modalities", 3).tag, ...(args.input as object) }),
    });
    const { user } = renderManager();
    await user.click(await screen.findByTestId("tag-edit-button"));
    const name = screen.getByTestId("tag-edit-name-input");
    await user.clear(name);
    await user.type(name, "Reiki II");
    await user.click(screen.getByTestId("tag-edit-save"));
    await waitFor(() => expect(callsTo("tags_update")).toEqual([{ id: "1", input: { name: "Reiki II", category: "services_modalities", color: "#aa3366" } }]));
  });

  it("deletes a tag and undoes it with undo_batch", async () => {
    mockCommands({
      tags_list_with_usage: () => [tag("1", "Reiki", "services_modalities", 3)],
      tags_delete: () => ({ batch_id: "batch-9", changed: 4 }),
      changes_undo_batch: (args) => ({ batch_id: args.batchId, undone: 4 }),
    });
    const { user } = renderManager();
    await user.click(await screen.findByTestId("tag-delete-button"));
    expect(callsTo("tags_delete")).toEqual([{ id: "1" }]);
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Deleted tag Reiki");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo_batch")).toEqual([{ batchId: "batch-9" }]));
  });
});
