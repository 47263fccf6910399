import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Goal, GoalInput } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { GoalsPanel } from "./GoalsPanel";

function goalFixture(id: string, overrides: Partial<Goal> = {}): Goal {
  return {
    id,
    title: `Goal ${id}`,
    description: null,
    kind: "practitioner_business",
    status: "on_track",
    contact_id: null,
    target_date: null,
    progress: 0,
    created_at: "",
    updated_at: "",
    deleted_at: null,
    ...overrides,
  };
}

function renderPanel(contactId?: string) {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <GoalsPanel contactId={contactId} />
    </ToastProvider>,
  );
  return { user };
}

describe("GoalsPanel", () => {
  it("adds a client wellness goal for the contact and shows it with its progress", async () => {
    let goals: Goal[] = [];
    mockCommands({
      goals_list: () => goals,
      goals_create: (args) => {
        const input = args.input as GoalInput;
        goals = [goalFixture("g1", { ...input, status: "on_track", progress: 0 })];
        return goals[0];
      },
    });
    const { user } = renderPanel("c1");
    expect(await screen.findByTestId("goals-empty")).toBeTruthy();
    expect(callsTo("goals_list")[0]).toEqual({ contactId: "c1" });
    expect(screen.queryByTestId("goal-kind-select")).toBeNull();

    await user.click(screen.getByTestId("goal-add-button"));
    expect((await screen.findByTestId("field-error-title")).textContent).toBe("Enter the goal");
    expect(callsTo("goals_create")).toHaveLength(0);

    await user.type(screen.getByTestId("goal-title-input"), "Sleep seven hours{Enter}");
    await waitFor(() => expect(callsTo("goals_create")).toHaveLength(1));
    expect(callsTo("goals_create")[0].input).toMatchObject({ title: "Sleep seven hours", kind: "client_wellness", contact_id: "c1" });
    const item = await screen.findByTestId("goal-item");
    expect(within(item).getByRole("progressbar", { name: "Progress of Sleep seven hours" }).getAttribute("aria-valuenow")).toBe("0");
  });

  it("changes status and progress, and shows the server's field errors", async () => {
    let goals = [goalFixture("g1", { title: "Ten new clients", progress: 30 })];
    mockCommands({
      goals_list: () => goals,
      goals_update: (args) => {
        const input = args.input as GoalInput;
        goals = [{ ...goals[0], status: input.status ?? goals[0].status, progress: input.progress ?? goals[0].progress }];
        return goals[0];
      },
      goals_create: () => {
        throw appError("validation_failed", "Some fields are invalid", { fields: [{ field: "target_date", message: "Use YYYY-MM-DD" }] });
      },
    });
    const { user } = renderPanel();
    const item = await screen.findByTestId("goal-item");
    expect(item.textContent).toContain("Business");

    await user.selectOptions(within(item).getByTestId("goal-status-select"), "at_risk");
    await waitFor(() => expect(callsTo("goals_update")).toHaveLength(1));
    expect(callsTo("goals_update")[0]).toMatchObject({ id: "g1", input: { status: "at_risk", progress: 30 } });

    await user.selectOptions(within(item).getByTestId("goal-progress-select"), "70");
    await waitFor(() => expect(callsTo("goals_update")).toHaveLength(2));
    expect(callsTo("goals_update")[1]).toMatchObject({ input: { status: "at_risk", progress: 70 } });
    await waitFor(() => expect(screen.getByRole("progressbar", { name: "Progress of Ten new clients" }).getAttribute("aria-valuenow")).toBe("70"));

    await user.selectOptions(screen.getByTestId("goal-kind-select"), "practitioner_personal");
    await user.type(screen.getByTestId("goal-title-input"), "Run a half marathon{Enter}");
    expect((await screen.findByTestId("field-error-target_date")).textContent).toBe("Use YYYY-MM-DD");
    expect(callsTo("goals_create")[0].input).toMatchObject({ kind: "practitioner_personal", contact_id: null });
  });

  it("deletes a goal and undoes the deletion through the change log", async () => {
    let goals = [goalFixture("g1", { title: "Launch newsletter" })];
    const removed = goals[0];
    mockCommands({
      goals_list: () => goals,
      goals_delete: () => {
        goals = [];
        return { change_id: "chg-9" };
      },
      changes_undo: () => {
        goals = [removed];
        return { change_id: "chg-10", entity: "goal", entity_id: "g1" };
      },
    });
    const { user } = renderPanel();
    await user.click(await screen.findByRole("button", { name: "Delete the goal Launch newsletter" }));
    expect(await screen.findByTestId("goals-empty")).toBeTruthy();
    await user.click(await screen.findByTestId("toast-undo-button"));
    expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-9" }]);
    expect(await screen.findByTestId("goal-item")).toBeTruthy();
  });
});
