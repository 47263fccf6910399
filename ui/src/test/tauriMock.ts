import { invoke } from "@tauri-apps/api/core";
import { vi } from "vitest";
import type { AppError } from "../bindings";

export const invokeMock = vi.mocked(invoke);

type Handler = (args: Record<string, unknown>) => unknown;

/**
 * Gives each command name its own fake implementation. A handler that throws makes
 * the command fail the way Tauri does (the promise rejects with the thrown value).
 * Commands without a handler fail with an "internal" AppError naming them.
 */
export function mockCommands(handlers: Record<string, Handler>): void {
  invokeMock.mockImplementation(async (command: string, args?: unknown) => {
    const handler = handlers[command];
    if (!handler) {
      const error: AppError = { code: "internal", message: `unexpected command ${command}`, details: null };
      throw error;
    }
    return handler((args ?? {}) as Record<string, unknown>);
  });
}

/** The argument objects of every call to `command`, in order. */
export function callsTo(command: string): Array<Record<string, unknown>> {
  return invokeMock.mock.calls
    .filter(([name]) => name === command)
    .map(([, args]) => (args ?? {}) as Record<string, unknown>);
}

export function appError(code: AppError["code"], message: string, fields?: AppError["details"]): AppError {
  return { code, message, details: fields ?? null };
}
