type Callback = (event: { event: string; id: number; payload: unknown }) => void;

/** In-memory replacement for the Tauri event system in unit tests. */
class EventBus {
  private listeners = new Map<string, Set<Callback>>();

  add(name: string, callback: Callback): () => void {
    const set = this.listeners.get(name) ?? new Set<Callback>();
    set.add(callback);
    this.listeners.set(name, set);
    return () => set.delete(callback);
  }

  emit(name: string, payload: unknown): void {
    for (const callback of this.listeners.get(name) ?? []) callback({ event: name, id: 0, payload });
  }

  count(name: string): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  clear(): void {
    this.listeners.clear();
  }
}

export const eventBus = new EventBus();
