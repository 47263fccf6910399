import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Task, TaskQuery } from "../api";
import { ToastProvider } from "../components/Toasts";
import { localToday } from "../lib/fieldErrors";
import { appError, callsTo, mockCommands } from "../test/tauriMock";
import { TasksPage } from "./TasksPage";

function taskFixture(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    title: `Task ${id}`,
    description: null,
    status: "todo",
    priority: "medium",
    due_date: localToday(),
    completed_at: null,
    project_id: null,
    zone_id: null,
    parent_task_id: null,
    contact_ids: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    deleted_at: null,
    ...overrides,
  };
}

function renderPage() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <TasksPage />
    </ToastProvider>,
  );
  return { user };
}

const baseHandlers = {
  goals_list: () => [],
  projects_list: () => [
    { id: "p1", name: "Spring retreat", description: null, zone_id: "z1", status: "active", due_date: null, created_at: "", updated_at: "", deleted_at: null },
  ],
  zones_list: () => [{ id: "z1", name: "Business", color: "#336699", icon: null, position: 0, created_at: "", updated_at: "", deleted_at: null }],
};

describe("TasksPage", () => {
  it("completes a task with the checkbox and undoes it from the toast", async () => {
    let tasks = [taskFixture("t1", { title: "Call Ada back" })];
    mockCommands({
      ...baseHandlers,
      tasks_list: () => tasks,
      tasks_set_status: (args) => {
        tasks = tasks.map((task) => (task.id === args.id ? { ...task, status: args.status as Task["status"] } : task));
        return { task: tasks[0], change_id: "chg-1" };
      },
      changes_undo: () => {
        tasks = tasks.map((task) => ({ ...task, status: "todo" }));
        return { change_id: "chg-2", entity: "task", entity_id: "t1" };
      },
    });
    const { user } = renderPage();
    const row = await screen.findByTestId("task-row");
    expect(row.textContent).toContain("Call Ada back");

    await user.click(within(row).getByRole("checkbox", { name: /Complete Call Ada back/ }));
    expect(callsTo("tasks_set_status")).toEqual([{ id: "t1", status: "done" }]);
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Completed Call Ada back");

    await user.click(within(toast).getByTestId("toast-undo-button"));
    // Undo reverts the recorded change rather than setting a status by hand.
    await waitFor(() => expect(callsTo("changes_undo")).toEqual([{ changeId: "chg-1" }]));
    expect(callsTo("tasks_set_status")).toHaveLength(1);
  });

  it("loads each tab's view with today's local date and filters by project", async () => {
    mockCommands({ ...baseHandlers, tasks_list: () => [] });
    const { user } = renderPage();
    expect(await screen.findByTestId("tasks-empty")).toBeTruthy();
    const firstQuery = callsTo("tasks_list")[0].query as TaskQuery;
    expect(firstQuery).toMatchObject({ view: "today", today: localToday(), project_id: null, zone_id: null });

    await user.click(screen.getByTestId("tasks-tab-overdue"));
    await waitFor(() => expect((callsTo("tasks_list").at(-1)?.query as TaskQuery).view).toBe("overdue"));
    await user.click(screen.getByTestId("tasks-tab-closed"));
    await waitFor(() => expect((callsTo("tasks_list").at(-1)?.query as TaskQuery).view).toBe("closed"));

    await screen.findByRole("option", { name: "Spring retreat" });
    await user.selectOptions(screen.getByTestId("tasks-project-filter"), "p1");
    await waitFor(() => expect((callsTo("tasks_list").at(-1)?.query as TaskQuery).project_id).toBe("p1"));
    expect(screen.getByTestId("zone-list").textContent).toContain("Business");
    expect((screen.getByTestId("project-status-select") as HTMLSelectElement).value).toBe("active");
  });

  it("quick-adds a task due today and shows server field errors inline", async () => {
    let created = 0;
    mockCommands({
      ...baseHandlers,
      tasks_list: () => [],
      tasks_create: (args) => {
        created += 1;
        if (created === 1) {
          throw appError("validation_failed", "Some fields are invalid", { fields: [{ field: "due_date", message: "Use YYYY-MM-DD" }] });
        }
        return taskFixture("t9", { title: (args.input as { title: string }).title });
      },
    });
    const { user } = renderPage();
    await screen.findByTestId("tasks-empty");
    await user.click(screen.getByTestId("task-add-button"));
    expect((await screen.findByTestId("field-error-title")).textContent).toBe("Enter a title");
    expect(callsTo("tasks_create")).toHaveLength(0);

    await user.type(screen.getByTestId("task-title-input"), "Send intake form");
    await user.click(screen.getByTestId("task-add-button"));
    expect((await screen.findByTestId("field-error-due_date")).textContent).toBe("Use YYYY-MM-DD");
    expect(screen.getByTestId("task-due-input").getAttribute("aria-invalid")).toBe("true");

    await user.click(screen.getByTestId("task-add-button"));
    await waitFor(() => expect(callsTo("tasks_create")).toHaveLength(2));
    expect(callsTo("tasks_create")[1].input).toMatchObject({ title: "Send intake form", due_date: localToday(), priority: "medium" });
    await waitFor(() => expect(screen.queryByTestId("field-error-due_date")).toBeNull());
  });

  it("shows and adds subtasks", async () => {
    let subtasks: Task[] = [];
    mockCommands({
      ...baseHandlers,
      tasks_list: () => [taskFixture("t1")],
      tasks_subtasks: () => subtasks,
      tasks_create: (args) => {
        const input = args.input as { title: string; parent_task_id: string };
        const subtask = taskFixture("s1", { title: input.title, parent_task_id: input.parent_task_id });
        subtasks = [subtask];
        return subtask;
      },
    });
    const { user } = renderPage();
    await user.click(await screen.findByTestId("task-subtasks-toggle"));
    const panel = await screen.findByTestId("task-subtasks");
    await user.type(within(panel).getByTestId("subtask-title-input"), "Print forms{Enter}");
    await waitFor(() => expect(within(panel).getByText("Print forms")).toBeTruthy());
    expect(callsTo("tasks_create")[0].input).toMatchObject({ parent_task_id: "t1" });
  });
});
