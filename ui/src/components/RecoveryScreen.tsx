import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, toAppError } from "../api";
import { errorsByField } from "../lib/fieldErrors";
import { Button } from "./Button";
import type { ShownError } from "./form/FieldErrors";
import { TextField } from "./form/TextField";

/** What is wrong with a typed recovery key, in plain words, from the backend's answer. */
export function recoveryKeyProblem(error: unknown): { field: string | null; other: string | null } {
  const appError = toAppError(error);
  if (appError.code === "encryption_key_wrong") {
    return {
      field: "This recovery key does not open your data. Check that it is the key shown for this data, and that every group is typed as shown.",
      other: null,
    };
  }
  const message = errorsByField(error).recovery_key?.trim().replace(/\.$/, "");
  if (message) {
    if (message.startsWith("is not a recovery key")) {
      return { field: "This does not look like a recovery key: a recovery key has 17 groups of four letters and digits.", other: null };
    }
    if (message === "is required") return { field: "Enter your recovery key.", other: null };
    return { field: `The recovery key ${message}.`, other: null };
  }
  return { field: null, other: `Could not unlock your data: ${appError.message}` };
}

/**
 * The whole window when the data is encrypted and its key is not on this computer (the data
 * folder came from another computer, or this computer's keyring was reset), or the key kept
 * here does not open it (`reason` "wrong": a damaged key file): the recovery key opens it, is
 * kept here, and the app restarts with the data.
 */
export function RecoveryScreen({ reason = "missing" }: { reason?: "missing" | "wrong" }) {
  const id = useId();
  const [recoveryKey, setRecoveryKey] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [unlocking, setUnlocking] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = "Unlock your data · OmniCRM";
    inputRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (recoveryKey.trim() === "") {
      setFieldError("Enter your recovery key.");
      inputRef.current?.focus();
      return;
    }
    setFieldError(null);
    setUnlocking(true);
    try {
      // On success the app restarts and opens the data; this screen goes away with it.
      await api.recoverDataFolder(recoveryKey.trim());
    } catch (caught) {
      const problem = recoveryKeyProblem(caught);
      setFieldError(problem.field);
      setFailure(problem.other);
      if (problem.field) inputRef.current?.focus();
      setUnlocking(false);
    }
  };

  const errors: ShownError[] = fieldError
    ? [{ field: "recovery_key", target: "recovery_key", message: fieldError, elementId: `${id}-key-error` }]
    : [];

  return (
    <main className="recovery-screen" aria-labelledby={`${id}-title`} data-testid="recovery-screen">
      <h1 id={`${id}-title`}>Your data is locked on this computer</h1>
      {reason === "wrong" ? (
        <p data-testid="recovery-reason" data-reason="wrong">
          OmniCRM keeps your data encrypted, and the key kept on this computer no longer opens it: it may have been damaged. Your
          data itself is not lost.
        </p>
      ) : (
        <p data-testid="recovery-reason" data-reason="missing">
          OmniCRM keeps your data encrypted, and the key that opens it is not on this computer. This happens when the data was
          copied from another computer, or when this computer’s keyring was reset. Nothing is lost.
        </p>
      )}
      <p>
        Enter the recovery key you were shown or saved when encryption was turned on. OmniCRM checks it, keeps it on this computer,
        and opens your data.
      </p>
      <form className="recovery-screen__form" onSubmit={(event) => void submit(event)} noValidate aria-label="Unlock your data" data-testid="recovery-form">
        <TextField
          id={`${id}-key`}
          label="Recovery key"
          value={recoveryKey}
          onValueChange={(value) => {
            setRecoveryKey(value);
            if (fieldError) setFieldError(null);
          }}
          errors={errors}
          hint="17 groups of four letters and digits. Spaces, dashes and capital letters do not matter."
          className="recovery-screen__field"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          required
          readOnly={unlocking}
          inputRef={inputRef}
          testId="recovery-key-input"
        />
        {failure ? (
          <p className="notice notice--danger" role="alert" data-testid="recovery-error">
            {failure}
          </p>
        ) : null}
        <Button type="submit" variant="primary" busy={unlocking} data-testid="recovery-submit">
          {unlocking ? "Unlocking…" : "Unlock my data"}
        </Button>
      </form>
      <p className="recovery-screen__hint">
        No recovery key? On a computer where OmniCRM still opens this data, it is in Settings → Privacy.
      </p>
    </main>
  );
}
