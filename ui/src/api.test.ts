import { describe, expect, it } from "vitest";
import { api, ApiError, call, settle, toAppError, unwrap } from "./api";
import { appError, callsTo, invokeMock, mockCommands } from "./test/tauriMock";

describe("unwrap", () => {
  it("returns the data of an ok result", () => {
    expect(unwrap({ status: "ok", data: 42 })).toBe(42);
  });

  it("throws an ApiError carrying code, message and field errors", () => {
    const error = appError("validation_failed", "Invalid contact", {
      fields: [{ field: "emails[0].address", message: "Not an email" }],
    });
    let thrown: unknown;
    try {
      unwrap({ status: "error", error });
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const apiError = thrown as ApiError;
    expect(apiError.code).toBe("validation_failed");
    expect(apiError.message).toBe("Invalid contact");
    expect(apiError.fields).toEqual([{ field: "emails[0].address", message: "Not an email" }]);
    expect(apiError.appError).toEqual(error);
  });
});

describe("toAppError", () => {
  it("keeps a well-formed AppError", () => {
    const error = appError("not_found", "Contact not found");
    expect(toAppError(error)).toEqual(error);
  });

  it("wraps strings and Errors as internal errors", () => {
    expect(toAppError("Command contacts_list not found")).toEqual({
      code: "internal",
      message: "Command contacts_list not found",
      details: null,
    });
    expect(toAppError(new TypeError("boom"))).toEqual({ code: "internal", message: "boom", details: null });
    expect(toAppError(undefined).code).toBe("internal");
  });

  it("keeps the limit details of an AI guardrail error", () => {
    const limit = { limit: 20, used: 20, resets_at: "2026-11-22T12:01:00.000Z" };
    const error = { code: "rate_limited_minute", message: "slow down", details: { fields: [], limit } };
    expect(toAppError(error)).toEqual({ code: "rate_limited_minute", message: "slow down", details: { fields: [], limit } });
  });

  it("does not trust objects with an unknown code", () => {
    expect(toAppError({ code: "weird", message: "x" })).toEqual({ code: "internal", message: "Unexpected error", details: null });
  });
});

describe("api wrapper over the generated commands", () => {
  it("invokes the snake_case command with camelCase argument keys and returns the data", async () => {
    mockCommands({ changes_undo: () => ({ change_id: "ch1", entity: "contact", entity_id: "c1" }) });
    await expect(api.undoChange("ch1")).resolves.toEqual({ change_id: "ch1", entity: "contact", entity_id: "c1" });
    expect(callsTo("changes_undo")).toEqual([{ changeId: "ch1" }]);
  });

  it("passes id and input for updates, and contactId for notes", async () => {
    mockCommands({ contacts_update: (args) => ({ id: args.id }), notes_list_for_contact: () => [] });
    await api.updateContact("c9", { display_name: "X" } as never);
    await api.listNotes("c9");
    expect(invokeMock).toHaveBeenCalledWith("contacts_update", { id: "c9", input: { display_name: "X" } });
    expect(invokeMock).toHaveBeenCalledWith("notes_list_for_contact", { contactId: "c9" });
  });

  it("turns a rejected command into a thrown ApiError", async () => {
    mockCommands({
      contacts_get: () => {
        throw appError("not_found", "No contact with id c1");
      },
    });
    await expect(api.getContact("c1")).rejects.toMatchObject({ name: "ApiError", code: "not_found", message: "No contact with id c1" });
  });

  it("turns a thrown JavaScript Error (runtime missing) into an ApiError too", async () => {
    invokeMock.mockImplementation(async () => {
      throw new TypeError("window.__TAURI_INTERNALS__ is undefined");
    });
    await expect(api.getDashboard()).rejects.toBeInstanceOf(ApiError);
  });

  it("settle returns the error instead of throwing", async () => {
    const failing = Promise.resolve({ status: "error" as const, error: appError("conflict", "Changed elsewhere") });
    await expect(settle(failing)).resolves.toEqual({ ok: false, error: appError("conflict", "Changed elsewhere") });
    await expect(settle(Promise.resolve({ status: "ok" as const, data: 1 }))).resolves.toEqual({ ok: true, data: 1 });
    await expect(call(Promise.reject("plain string"))).rejects.toMatchObject({ code: "internal", message: "plain string" });
  });
});
