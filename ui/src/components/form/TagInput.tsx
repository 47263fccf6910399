import { useId, useState } from "react";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type TagInputProps = {
  id: string;
  label: string;
  tags: string[];
  onChange: (tags: string[]) => void;
  suggestions: string[];
  errors: ShownError[];
  /** Chip indexes that a server error refers to ("tags[2]"). */
  invalidIndexes: ReadonlySet<number>;
};

/** Chip input: Enter or comma adds a tag, Backspace on an empty input removes the last one. */
export function TagInput({ id, label, tags, onChange, suggestions, errors, invalidIndexes }: TagInputProps) {
  const [draft, setDraft] = useState("");
  const hintId = useId();

  const add = (raw: string) => {
    const tag = raw.trim().replace(/,+$/, "").trim();
    if (tag.length === 0) return;
    if (!tags.some((existing) => existing.toLowerCase() === tag.toLowerCase())) onChange([...tags, tag]);
    setDraft("");
  };

  const removeAt = (index: number) => onChange(tags.filter((_, position) => position !== index));

  const query = draft.trim().toLowerCase();
  const matches =
    query.length === 0
      ? []
      : suggestions
          .filter((name) => name.toLowerCase().includes(query) && !tags.some((tag) => tag.toLowerCase() === name.toLowerCase()))
          .slice(0, 6);

  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className={errors.length > 0 ? "chip-input is-invalid" : "chip-input"}>
        <ul className="chip-input__chips" aria-label="Tags added">
          {tags.map((tag, index) => (
            <li key={`${tag}-${index}`} className={invalidIndexes.has(index) ? "chip is-invalid" : "chip"}>
              <span>{tag}</span>
              <button type="button" className="chip__remove" aria-label={`Remove tag ${tag}`} onClick={() => removeAt(index)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <input
          id={id}
          className="chip-input__input"
          value={draft}
          placeholder={tags.length === 0 ? "Add a tag and press Enter" : "Add another…"}
          onChange={(event) => {
            const value = event.target.value;
            if (value.endsWith(",")) add(value);
            else setDraft(value);
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              add(draft);
            } else if (event.key === "Backspace" && draft === "" && tags.length > 0) {
              removeAt(tags.length - 1);
            }
          }}
          onBlur={() => add(draft)}
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={describedBy(errors, hintId)}
          data-testid="field-tags"
        />
      </div>
      <p id={hintId} className="field__hint">
        Press Enter or comma to add a tag.
      </p>
      {matches.length > 0 ? (
        <div className="chip-suggestions" aria-label="Existing tags">
          {matches.map((name) => (
            <button
              key={name}
              type="button"
              className="chip chip--suggestion"
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => add(name)}
            >
              + {name}
            </button>
          ))}
        </div>
      ) : null}
      <FieldErrors errors={errors} />
    </div>
  );
}
