import { useId, useState } from "react";
import { api, type Project, type ProjectStatus, type Zone } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { formatCalendarDate } from "../../lib/format";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";
import { optionsOf, PROJECT_STATUS_LABELS } from "./labels";
import { useUndoableDelete } from "./useUndoableDelete";

/** Projects: add (with zone and due date), change status, delete (with undo). */
export function ProjectsPanel({ projects, zones, onChanged }: { projects: Project[]; zones: Zone[]; onChanged: () => void }) {
  const formId = useId();
  const { showError, announce } = useToasts();
  const deleteWithUndo = useUndoableDelete(onChanged);
  const [name, setName] = useState("");
  const [zoneId, setZoneId] = useState("");
  const [dueDate, setDueDate] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const zoneById = new Map(zones.map((zone) => [zone.id, zone]));

  const add = async () => {
    setErrors({});
    if (!name.trim()) {
      setErrors({ name: "Enter a name for the project" });
      return;
    }
    try {
      const project = await api.createProject({ name: name.trim(), description: null, zone_id: zoneId || null, status: null, due_date: dueDate || null });
      setName("");
      setDueDate("");
      announce(`Added the project ${project.name}.`);
      onChanged();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not add the project");
    }
  };

  const setStatus = async (project: Project, status: ProjectStatus) => {
    try {
      await api.updateProject(project.id, { name: project.name, description: project.description, zone_id: project.zone_id, status, due_date: project.due_date });
      announce(`${project.name} is now ${PROJECT_STATUS_LABELS[status].toLowerCase()}.`);
      onChanged();
    } catch (error) {
      showError(error, "Could not change the project");
    }
  };

  return (
    <div data-testid="projects-panel">
      {projects.length === 0 ? (
        <p className="muted" data-testid="projects-empty">
          No projects yet. A project groups the tasks of one piece of work, such as a retreat or a new website.
        </p>
      ) : (
        <ul className="project-list" data-testid="project-list">
          {projects.map((project) => {
            const zone = project.zone_id ? zoneById.get(project.zone_id) : undefined;
            return (
              <li key={project.id} className="project-list__item" data-testid="project-item">
                {zone ? <span className="swatch" style={{ background: zone.color }} title={zone.name} aria-hidden="true" /> : null}
                <span className="project-list__name">{project.name}</span>
                {zone ? <span className="muted small">{zone.name}</span> : null}
                {project.due_date ? <span className="muted small">due {formatCalendarDate(project.due_date)}</span> : null}
                <Select size="sm" aria-label={`Status of ${project.name}`} value={project.status} options={optionsOf(PROJECT_STATUS_LABELS)} onChange={(event) => void setStatus(project, event.target.value as ProjectStatus)} data-testid="project-status-select" />
                <Button size="sm" variant="ghost" icon="trash" iconOnly label={`Delete ${project.name}`} onClick={() => void deleteWithUndo(project.name, () => api.deleteProject(project.id))} data-testid="project-delete-button" />
              </li>
            );
          })}
        </ul>
      )}
      <form
        className="quick-add quick-add--small"
        aria-label="Add a project"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label className="visually-hidden" htmlFor={`${formId}-name`}>
          Project name
        </label>
        <input id={`${formId}-name`} className="input input--sm" placeholder="Add a project…" value={name} onChange={(event) => setName(event.target.value)} aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? `${formId}-name-error` : undefined} data-testid="project-name-input" />
        <Select size="sm" aria-label="Zone of the new project" value={zoneId} options={[{ value: "", label: "No zone" }, ...zones.map((zone) => ({ value: zone.id, label: zone.name }))]} onChange={(event) => setZoneId(event.target.value)} data-testid="project-zone-select" />
        <label className="visually-hidden" htmlFor={`${formId}-due`}>
          Project due date
        </label>
        <input id={`${formId}-due`} className="input input--sm" type="date" value={dueDate} onChange={(event) => setDueDate(event.target.value)} aria-invalid={errors.due_date ? true : undefined} aria-describedby={errors.due_date ? `${formId}-due_date-error` : undefined} />
        <Button type="submit" size="sm" icon="plus" data-testid="project-add-button">
          Add project
        </Button>
      </form>
      <InlineError id={`${formId}-name-error`} field="name" message={errors.name} />
      <InlineError id={`${formId}-due_date-error`} field="due_date" message={errors.due_date} />
    </div>
  );
}
