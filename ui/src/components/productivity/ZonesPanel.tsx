import { useId, useState } from "react";
import { api, type Zone } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { useToasts } from "../Toasts";
import { useUndoableDelete } from "./useUndoableDelete";

const DEFAULT_COLOR = "#6b8f71";

/** Life zones: add, rename, recolour and delete (with undo). */
export function ZonesPanel({ zones, onChanged }: { zones: Zone[]; onChanged: () => void }) {
  const formId = useId();
  const { showError, announce } = useToasts();
  const deleteWithUndo = useUndoableDelete(onChanged);
  const [name, setName] = useState("");
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const [editName, setEditName] = useState("");

  const add = async () => {
    setErrors({});
    if (!name.trim()) {
      setErrors({ name: "Enter a name for the zone" });
      return;
    }
    try {
      const zone = await api.createZone({ name: name.trim(), color, icon: null });
      setName("");
      announce(`Added the zone ${zone.name}.`);
      onChanged();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not add the zone");
    }
  };

  const save = async (zone: Zone, changes: { name?: string; color?: string }) => {
    try {
      await api.updateZone(zone.id, { name: changes.name ?? zone.name, color: changes.color ?? zone.color, icon: zone.icon });
      setEditing(null);
      onChanged();
    } catch (error) {
      showError(error, "Could not change the zone");
    }
  };

  return (
    <div data-testid="zones-panel">
      {zones.length === 0 ? (
        <p className="muted">No zones yet. Zones group projects and tasks by area of life.</p>
      ) : (
        <ul className="zone-list" data-testid="zone-list">
          {zones.map((zone) => (
            <li key={zone.id} className="zone-chip" data-testid="zone-item">
              <input
                type="color"
                className="zone-chip__color"
                value={zone.color}
                aria-label={`Colour of ${zone.name}`}
                onChange={(event) => void save(zone, { color: event.target.value })}
              />
              {editing === zone.id ? (
                <form
                  className="inline-form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    if (editName.trim()) void save(zone, { name: editName.trim() });
                  }}
                >
                  <input className="input input--sm" aria-label={`New name for ${zone.name}`} value={editName} onChange={(event) => setEditName(event.target.value)} autoFocus data-testid="zone-rename-input" />
                  <Button type="submit" size="sm" variant="primary">
                    Save
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setEditing(null)}>
                    Cancel
                  </Button>
                </form>
              ) : (
                <>
                  <span>{zone.name}</span>
                  <Button size="sm" variant="ghost" icon="edit" iconOnly label={`Rename ${zone.name}`} onClick={() => { setEditing(zone.id); setEditName(zone.name); }} data-testid="zone-rename-button" />
                  <Button size="sm" variant="ghost" icon="trash" iconOnly label={`Delete ${zone.name}`} onClick={() => void deleteWithUndo(zone.name, () => api.deleteZone(zone.id))} data-testid="zone-delete-button" />
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="quick-add quick-add--small"
        aria-label="Add a zone"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label className="visually-hidden" htmlFor={`${formId}-name`}>
          Zone name
        </label>
        <input id={`${formId}-name`} className="input input--sm" placeholder="Add a zone…" value={name} onChange={(event) => setName(event.target.value)} aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? `${formId}-name-error` : undefined} data-testid="zone-name-input" />
        <label className="visually-hidden" htmlFor={`${formId}-color`}>
          Zone colour
        </label>
        <input id={`${formId}-color`} type="color" value={color} onChange={(event) => setColor(event.target.value)} />
        <Button type="submit" size="sm" icon="plus" data-testid="zone-add-button">
          Add zone
        </Button>
      </form>
      <InlineError id={`${formId}-name-error`} field="name" message={errors.name} />
      <InlineError id={`${formId}-color-error`} field="color" message={errors.color} />
    </div>
  );
}
