import { useCallback, useEffect, useId, useState } from "react";
import { api, onContactsChanged, type Project, type Task, type TaskPriority, type TaskView, type Zone } from "../api";
import { GoalsPanel } from "../components/productivity/GoalsPanel";
import { ProjectsPanel } from "../components/productivity/ProjectsPanel";
import { ZonesPanel } from "../components/productivity/ZonesPanel";
import { Button } from "../components/Button";
import { EmptyState } from "../components/EmptyState";
import { InlineError } from "../components/form/InlineError";
import { Select } from "../components/Select";
import { useToasts } from "../components/Toasts";
import { useEventSubscription } from "../hooks/useEventSubscription";
import { errorsByField, localToday } from "../lib/fieldErrors";
import { formatCalendarDate } from "../lib/format";

const VIEWS: Array<{ view: TaskView; label: string }> = [
  { view: "today", label: "Today" },
  { view: "upcoming", label: "Upcoming" },
  { view: "overdue", label: "Overdue" },
  { view: "open", label: "Open" },
  { view: "closed", label: "Done" },
];

const PRIORITY_OPTIONS: Array<{ value: TaskPriority; label: string }> = [
  { value: "low", label: "Low" },
  { value: "medium", label: "Medium" },
  { value: "high", label: "High" },
];

export function TasksPage() {
  const { showToast, showError, announce } = useToasts();
  const formId = useId();
  const [view, setView] = useState<TaskView>("today");
  const [projectId, setProjectId] = useState("");
  const [zoneId, setZoneId] = useState("");
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [projects, setProjects] = useState<Project[]>([]);
  const [zones, setZones] = useState<Zone[]>([]);
  const [reload, setReload] = useState(0);
  const [title, setTitle] = useState("");
  const [dueDate, setDueDate] = useState(() => localToday());
  const [priority, setPriority] = useState<TaskPriority>("medium");
  const [adding, setAdding] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [expanded, setExpanded] = useState<string | null>(null);

  const refresh = useCallback(() => setReload((count) => count + 1), []);

  useEffect(() => {
    Promise.all([api.listProjects(), api.listZones()]).then(
      ([projectList, zoneList]) => {
        setProjects(projectList);
        setZones(zoneList);
      },
      (error: unknown) => showError(error, "Could not load projects and zones"),
    );
  }, [reload, showError]);

  useEffect(() => {
    let current = true;
    api
      .listTasks({ view, today: localToday(), project_id: projectId || null, zone_id: zoneId || null, contact_id: null })
      .then(
        (list) => current && setTasks(list.filter((task) => task.parent_task_id === null)),
        (error: unknown) => {
          if (!current) return;
          setTasks([]);
          showError(error, "Could not load tasks");
        },
      );
    return () => {
      current = false;
    };
  }, [view, projectId, zoneId, reload, showError]);

  // A restored backup or an undo elsewhere may change tasks too.
  useEventSubscription(onContactsChanged, refresh);

  const addTask = async () => {
    setErrors({});
    if (!title.trim()) {
      setErrors({ title: "Enter a title" });
      return;
    }
    setAdding(true);
    try {
      const task = await api.createTask({
        title: title.trim(),
        description: null,
        status: null,
        priority,
        due_date: dueDate || null,
        project_id: projectId || null,
        zone_id: zoneId || null,
        parent_task_id: null,
        contact_ids: [],
      });
      setTitle("");
      announce(`Added ${task.title}.`);
      refresh();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not add the task");
    } finally {
      setAdding(false);
    }
  };

  const setDone = async (task: Task, done: boolean) => {
    try {
      const change = await api.setTaskStatus(task.id, done ? "done" : "todo");
      refresh();
      showToast({
        message: done ? `Completed ${task.title}` : `Reopened ${task.title}`,
        action: {
          label: "Undo",
          testId: "toast-undo-button",
          onAction: async () => {
            try {
              // Reverts the recorded change: status and completion time as they were.
              await api.undoChange(change.change_id);
            } catch (error) {
              showError(error, "Could not undo");
            } finally {
              refresh();
            }
          },
        },
      });
    } catch (error) {
      showError(error, "Could not update the task");
    }
  };

  const zoneById = new Map(zones.map((zone) => [zone.id, zone]));
  const projectById = new Map(projects.map((project) => [project.id, project]));

  return (
    <div className="page tasks-page" data-testid="tasks-page">
      <header className="page__header">
        <h1 className="page__title">Tasks</h1>
      </header>

      <div className="page__content page__content--padded">
        <div className="tabs" role="tablist" aria-label="Task views">
          {VIEWS.map((item) => (
            <button
              key={item.view}
              type="button"
              role="tab"
              aria-selected={view === item.view}
              className={view === item.view ? "tabs__tab is-active" : "tabs__tab"}
              onClick={() => setView(item.view)}
              data-testid={`tasks-tab-${item.view}`}
            >
              {item.label}
            </button>
          ))}
        </div>

        <div className="tasks-filters">
          <Select
            size="sm"
            aria-label="Filter by project"
            value={projectId}
            options={[{ value: "", label: "All projects" }, ...projects.map((project) => ({ value: project.id, label: project.name }))]}
            onChange={(event) => setProjectId(event.target.value)}
            data-testid="tasks-project-filter"
          />
          <Select
            size="sm"
            aria-label="Filter by zone"
            value={zoneId}
            options={[{ value: "", label: "All zones" }, ...zones.map((zone) => ({ value: zone.id, label: zone.name }))]}
            onChange={(event) => setZoneId(event.target.value)}
            data-testid="tasks-zone-filter"
          />
        </div>

        <form
          className="quick-add"
          aria-label="Add a task"
          data-testid="task-quick-add"
          onSubmit={(event) => {
            event.preventDefault();
            void addTask();
          }}
        >
          <label className="visually-hidden" htmlFor={`${formId}-title`}>
            Task title
          </label>
          <input
            id={`${formId}-title`}
            className="input quick-add__title"
            placeholder="Add a task…"
            value={title}
            onChange={(event) => setTitle(event.target.value)}
            aria-invalid={errors.title ? true : undefined}
            aria-describedby={errors.title ? `${formId}-title-error` : undefined}
            data-testid="task-title-input"
          />
          <label className="visually-hidden" htmlFor={`${formId}-due`}>
            Due date
          </label>
          <input
            id={`${formId}-due`}
            className="input input--sm"
            type="date"
            value={dueDate}
            onChange={(event) => setDueDate(event.target.value)}
            aria-invalid={errors.due_date ? true : undefined}
            aria-describedby={errors.due_date ? `${formId}-due_date-error` : undefined}
            data-testid="task-due-input"
          />
          <Select size="sm" aria-label="Priority" value={priority} options={PRIORITY_OPTIONS} onChange={(event) => setPriority(event.target.value as TaskPriority)} data-testid="task-priority-select" />
          <Button type="submit" size="sm" variant="primary" icon="plus" busy={adding} data-testid="task-add-button">
            Add
          </Button>
        </form>
        <InlineError id={`${formId}-title-error`} field="title" message={errors.title} />
        <InlineError id={`${formId}-due_date-error`} field="due_date" message={errors.due_date} />

        {tasks === null ? (
          <p className="muted" aria-busy="true">Loading tasks…</p>
        ) : tasks.length === 0 ? (
          <EmptyState icon="tasks" title={view === "closed" ? "Nothing done yet" : "No tasks here"} testId="tasks-empty">
            <p>{view === "today" ? "Nothing is due today. Add a task above." : "Tasks you add show up here."}</p>
          </EmptyState>
        ) : (
          <ul className="task-list" data-testid="task-list">
            {tasks.map((task) => (
              <TaskRow
                key={task.id}
                task={task}
                zone={task.zone_id ? zoneById.get(task.zone_id) : undefined}
                project={task.project_id ? projectById.get(task.project_id) : undefined}
                expanded={expanded === task.id}
                onToggleExpanded={() => setExpanded((current) => (current === task.id ? null : task.id))}
                onSetDone={setDone}
              />
            ))}
          </ul>
        )}

        <section className="projects" aria-labelledby={`${formId}-projects`}>
          <h2 id={`${formId}-projects`} className="section-title">
            Projects
          </h2>
          <ProjectsPanel projects={projects} zones={zones} onChanged={refresh} />
          <h2 className="section-title">Zones</h2>
          <ZonesPanel zones={zones} onChanged={refresh} />
        </section>

        <section className="goals-section" aria-labelledby={`${formId}-goals`}>
          <h2 id={`${formId}-goals`} className="section-title">
            Goals
          </h2>
          <GoalsPanel />
        </section>
      </div>
    </div>
  );
}

type TaskRowProps = {
  task: Task;
  zone: Zone | undefined;
  project: Project | undefined;
  expanded: boolean;
  onToggleExpanded: () => void;
  onSetDone: (task: Task, done: boolean) => void;
};

function TaskRow({ task, zone, project, expanded, onToggleExpanded, onSetDone }: TaskRowProps) {
  const { showError } = useToasts();
  const [subtasks, setSubtasks] = useState<Task[] | null>(null);
  const [subtaskTitle, setSubtaskTitle] = useState("");
  const checkboxId = useId();
  const done = task.status === "done";

  const loadSubtasks = useCallback(() => {
    api.listSubtasks(task.id).then(setSubtasks, (error: unknown) => showError(error, "Could not load subtasks"));
  }, [task.id, showError]);

  useEffect(() => {
    if (expanded) loadSubtasks();
  }, [expanded, loadSubtasks]);

  const addSubtask = async () => {
    if (!subtaskTitle.trim()) return;
    try {
      await api.createTask({
        title: subtaskTitle.trim(),
        description: null,
        status: null,
        priority: null,
        due_date: null,
        project_id: task.project_id,
        zone_id: task.zone_id,
        parent_task_id: task.id,
        contact_ids: [],
      });
      setSubtaskTitle("");
      loadSubtasks();
    } catch (error) {
      showError(error, "Could not add the subtask");
    }
  };

  const toggleSubtask = async (subtask: Task) => {
    try {
      await api.setTaskStatus(subtask.id, subtask.status === "done" ? "todo" : "done");
      loadSubtasks();
    } catch (error) {
      showError(error, "Could not update the subtask");
    }
  };

  return (
    <li className={done ? "task-row is-done" : "task-row"} data-testid="task-row" data-task-id={task.id}>
      <div className="task-row__main">
        <input
          id={checkboxId}
          type="checkbox"
          className="checkbox"
          checked={done}
          onChange={(event) => onSetDone(task, event.target.checked)}
          aria-label={`${done ? "Reopen" : "Complete"} ${task.title}`}
          data-testid="task-complete-checkbox"
        />
        <label htmlFor={checkboxId} className="task-row__title">
          {task.title}
        </label>
        <span className={`priority priority--${task.priority}`} data-testid="task-priority">
          {task.priority}
        </span>
        {task.due_date ? (
          <time className="muted small" dateTime={task.due_date} data-testid="task-due">
            {formatCalendarDate(task.due_date)}
          </time>
        ) : null}
        {project ? <span className="badge">{project.name}</span> : null}
        {zone ? (
          <span className="zone-chip">
            <span className="swatch" style={{ background: zone.color }} aria-hidden="true" />
            {zone.name}
          </span>
        ) : null}
        <Button size="sm" variant="ghost" icon={expanded ? "chevronUp" : "chevronDown"} iconOnly label={expanded ? `Hide subtasks of ${task.title}` : `Show subtasks of ${task.title}`} aria-expanded={expanded} onClick={onToggleExpanded} data-testid="task-subtasks-toggle" />
      </div>
      {expanded ? (
        <div className="task-row__subtasks" data-testid="task-subtasks">
          {subtasks === null ? null : subtasks.length === 0 ? <p className="muted small">No subtasks.</p> : (
            <ul>
              {subtasks.map((subtask) => (
                <li key={subtask.id}>
                  <label className="inline-field">
                    <input type="checkbox" className="checkbox" checked={subtask.status === "done"} onChange={() => toggleSubtask(subtask)} />
                    <span>{subtask.title}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <form
            className="quick-add quick-add--small"
            aria-label={`Add a subtask to ${task.title}`}
            onSubmit={(event) => {
              event.preventDefault();
              void addSubtask();
            }}
          >
            <input className="input input--sm" aria-label="Subtask title" placeholder="Add a subtask…" value={subtaskTitle} onChange={(event) => setSubtaskTitle(event.target.value)} data-testid="subtask-title-input" />
            <Button type="submit" size="sm" icon="plus">
              Add
            </Button>
          </form>
        </div>
      ) : null}
    </li>
  );
}
