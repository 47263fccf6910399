import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { toAppError } from "../api";
import { errorMessage } from "../lib/aiErrors";
import { Button } from "./Button";
import { Icon } from "./Icon";

export type ToastTone = "info" | "success" | "error";

export type ToastOptions = {
  message: string;
  tone?: ToastTone;
  /** Milliseconds before it disappears; errors stay a little longer by default. */
  durationMs?: number;
  /** An "Undo" style action; the toast closes when it is used. */
  action?: { label: string; onAction: () => void | Promise<void>; testId?: string };
};

type Toast = ToastOptions & { id: number; tone: ToastTone; durationMs: number };

type ToastApi = {
  showToast: (options: ToastOptions) => number;
  dismissToast: (id: number) => void;
  /** Shows an error toast for anything a command failed with. */
  showError: (error: unknown, prefix?: string) => void;
  /** Speaks a message to screen readers without showing a toast. */
  announce: (message: string) => void;
};

const ToastContext = createContext<ToastApi | null>(null);

export const UNDO_TOAST_MS = 8000;
const DEFAULT_MS = 4000;
const ERROR_MS = 7000;
const MAX_TOASTS = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [announcement, setAnnouncement] = useState("");
  const nextId = useRef(1);

  const dismissToast = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const showToast = useCallback((options: ToastOptions) => {
    const id = nextId.current;
    nextId.current += 1;
    const tone = options.tone ?? "info";
    const durationMs = options.durationMs ?? (options.action ? UNDO_TOAST_MS : tone === "error" ? ERROR_MS : DEFAULT_MS);
    setToasts((current) => [...current, { ...options, id, tone, durationMs }].slice(-MAX_TOASTS));
    return id;
  }, []);

  const showError = useCallback(
    (error: unknown, prefix?: string) => {
      const appError = toAppError(error);
      const message = errorMessage(appError);
      showToast({ tone: "error", message: prefix ? `${prefix}: ${message}` : message });
    },
    [showToast],
  );

  // The announcement is set a moment after clearing it, so screen readers repeat a message
  // announced twice. The pending timer is cancelled on unmount.
  const announceTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (announceTimer.current !== null) clearTimeout(announceTimer.current);
    },
    [],
  );
  const announce = useCallback((message: string) => {
    setAnnouncement("");
    if (announceTimer.current !== null) clearTimeout(announceTimer.current);
    announceTimer.current = setTimeout(() => {
      announceTimer.current = null;
      setAnnouncement(message);
    }, 30);
  }, []);

  const value = useMemo(() => ({ showToast, dismissToast, showError, announce }), [showToast, dismissToast, showError, announce]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toast-region" role="region" aria-label="Notifications">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismissToast} />
        ))}
      </div>
      <div className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [paused, setPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const remaining = useRef(toast.durationMs);
  const startedAt = useRef(Date.now());

  useEffect(() => {
    if (paused || busy) return;
    startedAt.current = Date.now();
    const timer = window.setTimeout(() => onDismiss(toast.id), remaining.current);
    return () => {
      window.clearTimeout(timer);
      remaining.current = Math.max(1000, remaining.current - (Date.now() - startedAt.current));
    };
  }, [paused, busy, toast.id, onDismiss]);

  const runAction = async () => {
    if (!toast.action) return;
    setBusy(true);
    try {
      await toast.action.onAction();
    } finally {
      onDismiss(toast.id);
    }
  };

  return (
    <div
      className={`toast toast--${toast.tone}`}
      data-testid="toast"
      data-tone={toast.tone}
      role={toast.tone === "error" ? "alert" : "status"}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <Icon name={toast.tone === "error" ? "alert" : toast.tone === "success" ? "check" : "undo"} className="toast__icon" />
      <p className="toast__message">{toast.message}</p>
      {toast.action ? (
        <Button
          size="sm"
          variant="ghost"
          className="toast__action"
          data-testid={toast.action.testId}
          busy={busy}
          onClick={runAction}
        >
          {toast.action.label}
        </Button>
      ) : null}
      <Button size="sm" variant="ghost" icon="close" iconOnly label="Dismiss notification" onClick={() => onDismiss(toast.id)} />
      {!paused && !busy ? (
        <span className="toast__timer" style={{ animationDuration: `${remaining.current}ms` }} aria-hidden="true" />
      ) : null}
    </div>
  );
}

export function useToasts(): ToastApi {
  const context = useContext(ToastContext);
  if (!context) throw new Error("useToasts must be used inside <ToastProvider>");
  return context;
}
