import { useCallback, useEffect, useId, useState } from "react";
import { api, type TagCategory, type TagWithUsage } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { pluralize } from "../../lib/format";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

export const TAG_CATEGORY_LABELS: Record<TagCategory, string> = {
  services_modalities: "Services & modalities",
  client_demographics: "Client demographics",
  schedule_attendance: "Schedule & attendance",
  health_wellness: "Health & wellness",
  marketing_engagement: "Marketing & engagement",
  emotional_mental: "Emotional & mental",
};

const CATEGORIES = Object.keys(TAG_CATEGORY_LABELS) as TagCategory[];
const DEFAULT_COLOR = "#8a8f98";

type Draft = { name: string; category: TagCategory | ""; color: string };

/** Tags grouped by category, with colour, usage, create, rename, recolour and delete (undoable). */
export function TagManager() {
  const { showToast, showError, announce } = useToasts();
  const formId = useId();
  const [tags, setTags] = useState<TagWithUsage[] | null>(null);
  const [draft, setDraft] = useState<Draft>({ name: "", category: "services_modalities", color: "#5b8def" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<{ id: string; draft: Draft; errors: Record<string, string> } | null>(null);

  const load = useCallback(() => {
    api.listTagsWithUsage().then(setTags, (error: unknown) => showError(error, "Could not load tags"));
  }, [showError]);
  useEffect(load, [load]);

  const create = async () => {
    setCreating(true);
    setErrors({});
    try {
      const tag = await api.createTag({ name: draft.name, category: draft.category || null, color: draft.color });
      setDraft((current) => ({ ...current, name: "" }));
      announce(`Tag ${tag.name} created.`);
      load();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not create the tag");
    } finally {
      setCreating(false);
    }
  };

  const saveEdit = async () => {
    if (!editing) return;
    try {
      await api.updateTag(editing.id, { name: editing.draft.name, category: editing.draft.category || null, color: editing.draft.color });
      setEditing(null);
      load();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setEditing((current) => (current ? { ...current, errors: fields } : current));
      else showError(error, "Could not save the tag");
    }
  };

  const remove = async (entry: TagWithUsage) => {
    try {
      const receipt = await api.deleteTag(entry.tag.id);
      load();
      showToast({
        message: `Deleted tag ${entry.tag.name}`,
        action: {
          label: "Undo",
          testId: "toast-undo-button",
          onAction: async () => {
            try {
              await api.undoBatch(receipt.batch_id);
            } catch (error) {
              showError(error, "Could not undo");
            } finally {
              load();
            }
          },
        },
      });
    } catch (error) {
      showError(error, "Could not delete the tag");
    }
  };

  const groups: Array<{ key: string; label: string; items: TagWithUsage[] }> = [
    ...CATEGORIES.map((category) => ({
      key: category,
      label: TAG_CATEGORY_LABELS[category],
      items: (tags ?? []).filter((entry) => entry.tag.category === category),
    })),
    { key: "none", label: "Uncategorised", items: (tags ?? []).filter((entry) => entry.tag.category === null) },
  ].filter((group) => group.items.length > 0 || group.key !== "none");

  const categoryOptions = [{ value: "", label: "No category" }, ...CATEGORIES.map((category) => ({ value: category, label: TAG_CATEGORY_LABELS[category] }))];

  return (
    <div className="tag-manager" data-testid="tag-manager">
      <form
        className="compact-form compact-form--inline"
        aria-label="New tag"
        data-testid="tag-create-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <div className="field">
          <label className="field__label" htmlFor={`${formId}-name`}>
            Tag name
          </label>
          <input
            id={`${formId}-name`}
            className="input"
            value={draft.name}
            onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${formId}-name-error` : undefined}
            data-testid="tag-name-input"
          />
          <InlineError id={`${formId}-name-error`} field="name" message={errors.name} />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${formId}-category`}>
            Category
          </label>
          <Select id={`${formId}-category`} value={draft.category} options={categoryOptions} onChange={(event) => setDraft({ ...draft, category: event.target.value as TagCategory | "" })} data-testid="tag-category-select" />
          <InlineError id={`${formId}-category-error`} field="category" message={errors.category} />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${formId}-color`}>
            Colour
          </label>
          <input
            id={`${formId}-color`}
            type="color"
            className="color-input"
            value={draft.color}
            onChange={(event) => setDraft({ ...draft, color: event.target.value })}
            aria-invalid={errors.color ? true : undefined}
            aria-describedby={errors.color ? `${formId}-color-error` : undefined}
            data-testid="tag-color-input"
          />
          <InlineError id={`${formId}-color-error`} field="color" message={errors.color} />
        </div>
        <Button type="submit" variant="primary" icon="plus" busy={creating} data-testid="tag-create-button">
          Create tag
        </Button>
      </form>

      {tags === null ? (
        <p className="muted">Loading tags…</p>
      ) : tags.length === 0 ? (
        <p className="muted" data-testid="tags-empty">No tags yet. Create one above.</p>
      ) : (
        groups.map((group) => (
          <section key={group.key} className="tag-group" aria-label={group.label} data-testid={`tag-group-${group.key}`}>
            <h3 className="tag-group__title">{group.label}</h3>
            {group.items.length === 0 ? (
              <p className="muted small">No tags in this category.</p>
            ) : (
              <ul className="tag-group__list">
                {group.items.map((entry) =>
                  editing?.id === entry.tag.id ? (
                    <li key={entry.tag.id} className="tag-row" data-testid="tag-row">
                      <form
                        className="tag-row__edit"
                        aria-label={`Edit tag ${entry.tag.name}`}
                        onSubmit={(event) => {
                          event.preventDefault();
                          void saveEdit();
                        }}
                      >
                        <input
                          className="input input--sm"
                          aria-label="Tag name"
                          value={editing.draft.name}
                          onChange={(event) => setEditing({ ...editing, draft: { ...editing.draft, name: event.target.value } })}
                          aria-invalid={editing.errors.name ? true : undefined}
                          aria-describedby={editing.errors.name ? `${formId}-edit-name-error` : undefined}
                          data-testid="tag-edit-name-input"
                        />
                        <input
                          type="color"
                          className="color-input"
                          aria-label="Tag colour"
                          value={editing.draft.color}
                          onChange={(event) => setEditing({ ...editing, draft: { ...editing.draft, color: event.target.value } })}
                          data-testid="tag-edit-color-input"
                        />
                        <Select size="sm" aria-label="Category" value={editing.draft.category} options={categoryOptions} onChange={(event) => setEditing({ ...editing, draft: { ...editing.draft, category: event.target.value as TagCategory | "" } })} />
                        <Button type="submit" size="sm" variant="primary" data-testid="tag-edit-save">
                          Save
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setEditing(null)}>
                          Cancel
                        </Button>
                        <InlineError id={`${formId}-edit-name-error`} field="name" message={editing.errors.name ?? editing.errors.color} />
                      </form>
                    </li>
                  ) : (
                    <li key={entry.tag.id} className="tag-row" data-testid="tag-row" data-tag-id={entry.tag.id}>
                      <span className="swatch" style={{ background: entry.tag.color }} aria-hidden="true" />
                      <span className="tag-row__name">{entry.tag.name}</span>
                      <span className="muted small" data-testid="tag-usage">
                        {pluralize(entry.usage_count, "contact")}
                      </span>
                      <Button
                        size="sm"
                        variant="ghost"
                        icon="edit"
                        iconOnly
                        label={`Edit ${entry.tag.name}`}
                        onClick={() =>
                          setEditing({ id: entry.tag.id, errors: {}, draft: { name: entry.tag.name, category: entry.tag.category ?? "", color: entry.tag.color || DEFAULT_COLOR } })
                        }
                        data-testid="tag-edit-button"
                      />
                      <Button size="sm" variant="danger-ghost" icon="trash" iconOnly label={`Delete ${entry.tag.name}`} onClick={() => remove(entry)} data-testid="tag-delete-button" />
                    </li>
                  ),
                )}
              </ul>
            )}
          </section>
        ))
      )}
    </div>
  );
}
