import { useEffect, useRef } from "react";
import { createShortcutMatcher, isEditableTarget, type ShortcutAction } from "../lib/keyboardShortcuts";
import { layerStack } from "../lib/layerStack";

export type ShortcutHandlers = Record<ShortcutAction, () => void>;

/**
 * Installs the app-wide keyboard handler: Escape closes the topmost dialog or panel,
 * other keys go through the shortcut matcher.
 */
export function useGlobalShortcuts(handlers: ShortcutHandlers): void {
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    const matcher = createShortcutMatcher();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      if (event.key === "Escape") {
        if (layerStack.escape()) event.preventDefault();
        return;
      }
      const action = matcher.handle(
        {
          key: event.key,
          code: event.code,
          altKey: event.altKey,
          ctrlKey: event.ctrlKey,
          metaKey: event.metaKey,
          shiftKey: event.shiftKey,
          inEditable: isEditableTarget(event.target),
          repeat: event.repeat,
        },
        { modalOpen: layerStack.hasModal() },
      );
      if (!action) return;
      event.preventDefault();
      handlersRef.current[action]();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}
