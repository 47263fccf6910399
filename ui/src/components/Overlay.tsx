import { useEffect, useId, useRef, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";
import { useLayer } from "../hooks/useLayer";
import { Button } from "./Button";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusableElements(container: HTMLElement): HTMLElement[] {
  return Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (element) => !element.hasAttribute("inert") && element.getAttribute("aria-hidden") !== "true",
  );
}

type OverlayProps = {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  /** "dialog": centred modal; "sheet": panel sliding in from the right. */
  variant?: "dialog" | "sheet";
  size?: "sm" | "md" | "lg";
  /** Element focused when the overlay opens; defaults to the first focusable element. */
  initialFocusRef?: RefObject<HTMLElement | null>;
  headerActions?: ReactNode;
  footer?: ReactNode;
  children: ReactNode;
  testId?: string;
  describedBy?: string;
  /** The body draws its own padding (the contact form scrolls with a sticky action bar). */
  flush?: boolean;
};

/**
 * Accessible modal surface: role="dialog", labelled by its title, focus moved inside
 * and trapped there, Escape closes (topmost overlay only), focus restored on close.
 */
export function Overlay({
  open,
  onClose,
  title,
  variant = "dialog",
  size = "md",
  initialFocusRef,
  headerActions,
  footer,
  children,
  testId,
  describedBy,
  flush = false,
}: OverlayProps) {
  const titleId = useId();
  const surfaceRef = useRef<HTMLDivElement>(null);
  const layer = useLayer(open, onClose, true);

  useEffect(() => {
    if (!open) return;
    const previouslyFocused = document.activeElement as HTMLElement | null;
    const frame = window.requestAnimationFrame(() => {
      const surface = surfaceRef.current;
      if (!surface) return;
      if (surface.contains(document.activeElement)) return;
      const target = initialFocusRef?.current ?? focusableElements(surface)[0] ?? surface;
      target.focus();
    });
    return () => {
      window.cancelAnimationFrame(frame);
      if (previouslyFocused && document.contains(previouslyFocused)) previouslyFocused.focus();
    };
    // Only on open/close: re-running would steal focus while the user works.
  }, [open]);

  if (!open) return null;

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "Tab" || !layer.isTop()) return;
    const surface = surfaceRef.current;
    if (!surface) return;
    const elements = focusableElements(surface);
    if (elements.length === 0) {
      event.preventDefault();
      return;
    }
    const first = elements[0];
    const last = elements[elements.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === surface)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className={`overlay overlay--${variant}`}>
      <div className="overlay__backdrop" onMouseDown={onClose} aria-hidden="true" />
      <div
        ref={surfaceRef}
        className={`overlay__surface overlay__surface--${variant} overlay__surface--${size}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <header className="overlay__header">
          <h2 id={titleId} className="overlay__title">
            {title}
          </h2>
          <div className="overlay__header-actions">
            {headerActions}
            <Button variant="ghost" icon="close" iconOnly label="Close" onClick={onClose} />
          </div>
        </header>
        <div className={flush ? "overlay__body overlay__body--flush" : "overlay__body"}>{children}</div>
        {footer ? <footer className="overlay__footer">{footer}</footer> : null}
      </div>
    </div>,
    document.body,
  );
}
