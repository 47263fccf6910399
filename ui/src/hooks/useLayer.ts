import { useEffect, useRef } from "react";
import { layerStack } from "../lib/layerStack";

/**
 * Registers an open overlay so that Escape closes the topmost one only.
 * Returns a ref whose `isTop()` tells whether this layer is currently on top.
 */
export function useLayer(open: boolean, onEscape: () => void, modal = true) {
  const handlerRef = useRef(onEscape);
  handlerRef.current = onEscape;
  const idRef = useRef<number | null>(null);

  useEffect(() => {
    if (!open) return;
    const handle = layerStack.push(() => handlerRef.current(), modal);
    idRef.current = handle.id;
    return () => {
      handle.remove();
      idRef.current = null;
    };
  }, [open, modal]);

  return {
    isTop: () => idRef.current !== null && layerStack.isTop(idRef.current),
  };
}
