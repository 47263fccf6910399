import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// Every test talks to a mocked Tauri runtime: `invoke` is a vi.fn() (see tauriMock.ts
// for helpers that give it per-command behaviour) and events go through an in-memory bus.
vi.mock("@tauri-apps/api/core", async (importOriginal) => {
  const original = await importOriginal<typeof import("@tauri-apps/api/core")>();
  return { ...original, invoke: vi.fn() };
});

vi.mock("@tauri-apps/api/event", async (importOriginal) => {
  const original = await importOriginal<typeof import("@tauri-apps/api/event")>();
  const { eventBus } = await import("./eventBus");
  return {
    ...original,
    listen: vi.fn(async (name: string, callback: (event: { event: string; id: number; payload: unknown }) => void) =>
      eventBus.add(name, callback),
    ),
    once: vi.fn(async (name: string, callback: (event: { event: string; id: number; payload: unknown }) => void) =>
      eventBus.add(name, callback),
    ),
    emit: vi.fn(async (name: string, payload: unknown) => eventBus.emit(name, payload)),
  };
});

afterEach(async () => {
  cleanup();
  window.localStorage.clear();
  window.location.hash = "";
  const { eventBus } = await import("./eventBus");
  eventBus.clear();
});
