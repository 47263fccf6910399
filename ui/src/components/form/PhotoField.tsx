import { useRef } from "react";
import { ACCEPTED_PHOTO_TYPES, MAX_PHOTO_BYTES } from "../../lib/contactFormModel";
import { Avatar } from "../Avatar";
import { Button } from "../Button";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type PhotoFieldProps = {
  id: string;
  name: string;
  photo: string | null;
  onChange: (photo: string | null) => void;
  /** A client-side rejection (too large, wrong type); shown like a server error. */
  onReject: (message: string) => void;
  errors: ShownError[];
};

export function readFileAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("Could not read the file"));
    reader.readAsDataURL(file);
  });
}

export function PhotoField({ id, name, photo, onChange, onReject, errors }: PhotoFieldProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const hintId = `${id}-hint`;

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (!ACCEPTED_PHOTO_TYPES.includes(file.type)) {
      onReject("Choose a PNG, JPEG, WebP or GIF image.");
      return;
    }
    if (file.size > MAX_PHOTO_BYTES) {
      onReject(`That image is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the limit is 1 MB.`);
      return;
    }
    try {
      onChange(await readFileAsDataUrl(file));
    } catch (error) {
      onReject(error instanceof Error ? error.message : "Could not read the file.");
    }
  };

  return (
    <div className="photo-field">
      <Avatar name={name || "?"} photo={photo} size="xl" />
      <div className="photo-field__controls">
        <span className="field__label" id={`${id}-label`}>
          Photo
        </span>
        <div className="photo-field__buttons">
          <input
            ref={inputRef}
            id={id}
            type="file"
            accept={ACCEPTED_PHOTO_TYPES.join(",")}
            className="visually-hidden"
            aria-labelledby={`${id}-label`}
            aria-describedby={describedBy(errors, hintId)}
            aria-invalid={errors.length > 0 || undefined}
            onChange={(event) => {
              void onFile(event.target.files?.[0]);
              event.target.value = "";
            }}
            data-testid="field-photo"
          />
          <Button size="sm" icon="upload" onClick={() => inputRef.current?.click()}>
            {photo ? "Change photo" : "Upload photo"}
          </Button>
          {photo ? (
            <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
              Remove
            </Button>
          ) : null}
        </div>
        <p id={hintId} className="field__hint">
          PNG, JPEG, WebP or GIF, up to 1 MB.
        </p>
        <FieldErrors errors={errors} />
      </div>
    </div>
  );
}
