import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, toAppError, type AppError, type EncryptionStatus } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { pluralize } from "../../lib/format";
import { Button } from "../Button";
import type { ShownError } from "../form/FieldErrors";
import { TextField } from "../form/TextField";
import { useToasts } from "../Toasts";

/** A recovery key as groups of four characters, for reading aloud or copying by hand. */
export function recoveryKeyGroups(recoveryKey: string): string[] {
  return recoveryKey
    .trim()
    .split(/[\s-]+/)
    .filter((group) => group !== "");
}

/** The backend's message about the path the user typed, as a sentence about "the file". */
function pathMessage(message: string): string {
  const text = message.trim().replace(/\.$/, "");
  return /^[a-z]/.test(text) ? `The file ${text}.` : `${text}.`;
}

/**
 * Settings → Privacy: whether the data is encrypted at rest and where its key is kept, the
 * backups not encrypted yet, and the recovery key (shown, copied, or saved to a file the user
 * names). Changing the key is done from the command line while the app is closed.
 */
export function PrivacySection() {
  const [status, setStatus] = useState<EncryptionStatus | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);

  const load = useCallback(() => {
    setLoadError(null);
    api.encryptionStatus().then(setStatus, (error: unknown) => setLoadError(toAppError(error)));
  }, []);
  useEffect(load, [load]);

  if (status === null) {
    if (loadError) {
      return (
        <div className="privacy" data-testid="privacy-section" data-state="error">
          <p className="notice notice--danger" role="alert" data-testid="privacy-load-error">
            Could not tell whether your data is encrypted: {loadError.message}
          </p>
          <Button size="sm" onClick={load}>
            Try again
          </Button>
        </div>
      );
    }
    return (
      <p className="muted" data-testid="privacy-section" data-state="loading">
        Checking encryption…
      </p>
    );
  }

  return (
    <div className="privacy" data-testid="privacy-section" data-state={status.encrypted ? "encrypted" : "plain"}>
      <p className={status.encrypted ? "privacy__summary" : "notice notice--warning"} data-testid="privacy-summary">
        {status.summary}
      </p>
      {status.encrypted ? (
        <p className="muted">
          Your contacts, notes and backups are stored encrypted on this computer. Someone who copies the data folder, or a backup,
          cannot read it without the key.
        </p>
      ) : (
        <p className="muted" data-testid="privacy-plain-hint">
          OmniCRM encrypts your data when it starts and no other OmniCRM window or command is using it. To encrypt it now, close
          OmniCRM and run <code>omnicrm encryption enable</code>.
        </p>
      )}
      {status.plain_backups > 0 ? (
        <p className="notice notice--warning" data-testid="privacy-plain-backups">
          {status.encrypted
            ? `${pluralize(status.plain_backups, "backup")} ${status.plain_backups === 1 ? "is" : "are"} not encrypted yet. OmniCRM encrypts ${status.plain_backups === 1 ? "it" : "them"} the next time it starts.`
            : `${pluralize(status.plain_backups, "backup")} ${status.plain_backups === 1 ? "is" : "are"} not encrypted either.`}
        </p>
      ) : null}
      {status.encrypted ? <RecoveryKeyPanel /> : null}
    </div>
  );
}

function RecoveryKeyPanel() {
  const { showToast, showError } = useToasts();
  const [recoveryKey, setRecoveryKey] = useState<string | null>(null);
  const [revealing, setRevealing] = useState(false);
  const [saving, setSaving] = useState(false);

  const reveal = async () => {
    setRevealing(true);
    try {
      setRecoveryKey(await api.revealRecoveryKey());
    } catch (error) {
      showError(error, "Could not show the recovery key");
    } finally {
      setRevealing(false);
    }
  };

  const hide = () => {
    setRecoveryKey(null);
    setSaving(false);
  };

  const copy = async () => {
    if (recoveryKey === null) return;
    try {
      await navigator.clipboard.writeText(recoveryKey);
      showToast({ tone: "success", message: "Recovery key copied. Paste it somewhere away from this computer." });
    } catch {
      showToast({ tone: "error", message: "Could not copy the recovery key. Select it and copy it by hand." });
    }
  };

  return (
    <div className="privacy__recovery" data-testid="privacy-recovery">
      <h3 className="privacy__subtitle">Recovery key</h3>
      <p className="muted">
        The recovery key opens your data and your backups if this computer’s keyring is lost, or on a new computer. Keep it away
        from this computer: print it or write it down, and store it somewhere safe. Anyone who has it and a copy of your backups
        can read them.
      </p>
      {recoveryKey === null ? (
        <Button icon="lock" busy={revealing} onClick={() => void reveal()} data-testid="privacy-show-key">
          Show recovery key
        </Button>
      ) : (
        <>
          <p className="recovery-key" aria-label="Recovery key" data-testid="privacy-recovery-key">
            {recoveryKeyGroups(recoveryKey).map((group, index) => (
              <span key={index} className="recovery-key__group">
                {group}
              </span>
            ))}
          </p>
          <div className="privacy__actions">
            <Button size="sm" onClick={() => void copy()} data-testid="privacy-copy-key">
              Copy
            </Button>
            <Button size="sm" onClick={() => setSaving(true)} disabled={saving} data-testid="privacy-save-key">
              Save to a file…
            </Button>
            <Button size="sm" variant="ghost" onClick={hide} data-testid="privacy-hide-key">
              Hide
            </Button>
          </div>
          {saving ? <SaveKeyForm onDone={() => setSaving(false)} /> : null}
        </>
      )}
      <p className="muted" data-testid="privacy-rotate-hint">
        To give your data a new key (for example if someone else saw the recovery key), close OmniCRM and run{" "}
        <code>omnicrm encryption rotate-key</code>. The old recovery key then stops working, so keep the new one instead.
      </p>
    </div>
  );
}

function SaveKeyForm({ onDone }: { onDone: () => void }) {
  const id = useId();
  const { showToast } = useToasts();
  const [path, setPath] = useState("");
  const [pathError, setPathError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => inputRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (path.trim() === "") {
      setPathError("Enter where to save the file.");
      inputRef.current?.focus();
      return;
    }
    setPathError(null);
    setBusy(true);
    try {
      const written = await api.saveRecoveryKey(path.trim());
      showToast({
        tone: "success",
        message: `Recovery key saved to ${written}. Print it or move it off this computer, then delete the file.`,
        durationMs: 10000,
      });
      onDone();
    } catch (caught) {
      const byField = errorsByField(caught);
      if (byField.path) {
        setPathError(pathMessage(byField.path));
        inputRef.current?.focus();
      } else {
        setFailure(`Could not save the recovery key: ${toAppError(caught).message}`);
      }
      setBusy(false);
    }
  };

  const errors: ShownError[] = pathError ? [{ field: "path", target: "path", message: pathError, elementId: `${id}-path-error` }] : [];

  return (
    <form className="privacy__save" onSubmit={(event) => void submit(event)} noValidate aria-label="Save the recovery key to a file" data-testid="privacy-save-form">
      <TextField
        id={`${id}-path`}
        label="File to save"
        value={path}
        onValueChange={(value) => {
          setPath(value);
          if (pathError) setPathError(null);
        }}
        errors={errors}
        hint="The full path of a new file, for example on a USB stick; ~/ stands for your home folder. Only you can read the file, and an existing file is never replaced."
        autoComplete="off"
        spellCheck={false}
        required
        inputRef={inputRef}
        testId="privacy-save-path"
      />
      {failure ? (
        <p className="notice notice--danger" role="alert" data-testid="privacy-save-error">
          {failure}
        </p>
      ) : null}
      <div className="privacy__actions">
        <Button type="submit" variant="primary" size="sm" busy={busy} data-testid="privacy-save-submit">
          Save
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
