import { useEffect, useRef } from "react";
import type { Unsubscribe } from "../api";

/**
 * Subscribes to a backend event for the lifetime of the component. `subscribe` is
 * one of the api's `on…` functions; the latest `handler` is always used.
 */
export function useEventSubscription<T>(
  subscribe: (handler: (payload: T) => void) => Promise<Unsubscribe>,
  handler: (payload: T) => void,
  enabled = true,
): void {
  const handlerRef = useRef(handler);
  handlerRef.current = handler;

  useEffect(() => {
    if (!enabled) return;
    let active = true;
    let unsubscribe: Unsubscribe | null = null;
    subscribe((payload) => {
      if (active) handlerRef.current(payload);
    }).then((stop) => {
      if (active) unsubscribe = stop;
      else stop();
    });
    return () => {
      active = false;
      unsubscribe?.();
    };
  }, [subscribe, enabled]);
}
