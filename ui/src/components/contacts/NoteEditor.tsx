import { EditorContent, useEditor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import { useEffect, useId, useRef, useState } from "react";
import { api, type Note, type NoteSource } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

const SOURCE_OPTIONS: Array<{ value: NoteSource; label: string }> = [
  { value: "typed", label: "Typed" },
  { value: "voice", label: "Voice" },
  { value: "upload", label: "Upload" },
];

type NoteEditorProps = {
  contactId: string;
  onSaved: (note: Note) => void;
  /** Told whether unsaved text is in the editor (so closing the contact can ask first). */
  onDirtyChange?: (dirty: boolean) => void;
};

/** A rich-text note editor (TipTap): bold, italic, lists; the core sanitises the HTML. */
export function NoteEditor({ contactId, onSaved, onDirtyChange }: NoteEditorProps) {
  const { showError, announce } = useToasts();
  const baseId = useId();
  const [sourceType, setSourceType] = useState<NoteSource>("typed");
  const [isPrivate, setIsPrivate] = useState(false);
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [isEmpty, setIsEmpty] = useState(true);
  const dirtyListener = useRef(onDirtyChange);
  dirtyListener.current = onDirtyChange;
  useEffect(() => {
    dirtyListener.current?.(!isEmpty);
  }, [isEmpty]);
  // Leaving (another tab, the contact closed) takes the draft with it.
  useEffect(() => () => dirtyListener.current?.(false), []);
  const editor = useEditor({
    extensions: [StarterKit],
    content: "",
    editorProps: {
      attributes: {
        class: "note-editor__content",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": "Note text",
        "data-testid": "note-editor-content",
      },
    },
    onUpdate: ({ editor: current }) => setIsEmpty(current.isEmpty),
  });

  const save = async () => {
    if (!editor) return;
    setSaving(true);
    setErrors({});
    try {
      const note = await api.createNote(contactId, {
        body: editor.getText(),
        body_html: editor.getHTML(),
        source_type: sourceType,
        is_private: isPrivate,
      });
      editor.commands.clearContent(true);
      setIsPrivate(false);
      announce("Note saved.");
      onSaved(note);
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not save the note");
    } finally {
      setSaving(false);
    }
  };

  const bodyError = errors.body ?? errors.body_html;
  const toolbarButton = (label: string, active: boolean, run: () => void) => (
    <button
      type="button"
      className={active ? "note-editor__tool is-active" : "note-editor__tool"}
      aria-pressed={active}
      onClick={run}
      disabled={!editor}
    >
      {label}
    </button>
  );

  return (
    <form
      className="note-editor"
      aria-label="New note"
      data-testid="note-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <div className="note-editor__toolbar" role="toolbar" aria-label="Formatting">
        {toolbarButton("Bold", editor?.isActive("bold") ?? false, () => editor?.chain().focus().toggleBold().run())}
        {toolbarButton("Italic", editor?.isActive("italic") ?? false, () => editor?.chain().focus().toggleItalic().run())}
        {toolbarButton("List", editor?.isActive("bulletList") ?? false, () => editor?.chain().focus().toggleBulletList().run())}
      </div>
      <div className="note-editor__box" aria-invalid={bodyError ? true : undefined} aria-describedby={bodyError ? `${baseId}-body-error` : undefined}>
        <EditorContent editor={editor} />
      </div>
      <InlineError id={`${baseId}-body-error`} field="body" message={bodyError} />
      <div className="note-editor__options">
        <label className="inline-field">
          <span>Source</span>
          <Select
            size="sm"
            aria-label="Note source"
            value={sourceType}
            options={SOURCE_OPTIONS}
            onChange={(event) => setSourceType(event.target.value as NoteSource)}
            data-testid="note-source"
          />
        </label>
        <label className="inline-field">
          <input
            type="checkbox"
            className="checkbox"
            checked={isPrivate}
            onChange={(event) => setIsPrivate(event.target.checked)}
            data-testid="note-private-toggle"
          />
          <span>Private (stays on this device)</span>
        </label>
        <Button type="submit" size="sm" variant="primary" busy={saving} disabled={isEmpty} data-testid="note-save-button">
          Save note
        </Button>
      </div>
    </form>
  );
}
