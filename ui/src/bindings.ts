// TEMPORARY hand-written stand-in for the file tauri-specta generates from the Rust
// commands (see /work/contract/api.md). It mirrors the generated shape exactly and
// will be overwritten by generation. Nothing else in the UI may depend on anything
// here except the exported names `commands`, `events`, `Result` and the types.

/** user-defined commands **/

export const commands = {
async contactsCreate(input: ContactInput) : Promise<Result<Contact, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_create", { input }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async contactsUpdate(id: string, input: ContactInput) : Promise<Result<Contact, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_update", { id, input }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async contactsDelete(id: string) : Promise<Result<ChangeReceipt, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_delete", { id }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async contactsGet(id: string) : Promise<Result<Contact, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_get", { id }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async contactsList(query: ContactListQuery) : Promise<Result<ContactPage, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_list", { query }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async contactsSearch(text: string, limit: number) : Promise<Result<ContactSummary[], AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("contacts_search", { text, limit }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async notesListForContact(contactId: string) : Promise<Result<Note[], AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("notes_list_for_contact", { contactId }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async tagsList() : Promise<Result<TagCount[], AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("tags_list") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async changesUndo(changeId: string) : Promise<Result<UndoOutcome, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("changes_undo", { changeId }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async dashboardGet() : Promise<Result<Dashboard, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("dashboard_get") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async demoGenerate(contacts: number) : Promise<Result<DemoSummary, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("demo_generate", { contacts }) };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
},
async appInfo() : Promise<Result<AppInfo, AppError>> {
    try {
    return { status: "ok", data: await TAURI_INVOKE("app_info") };
} catch (e) {
    if(e instanceof Error) throw e;
    else return { status: "error", error: e  as any };
}
}
}

/** user-defined events **/


export const events = __makeEvents__<{
contactsChanged: ContactsChanged,
demoProgress: DemoProgress
}>({
contactsChanged: "contacts-changed",
demoProgress: "demo-progress"
})

/** user-defined constants **/



/** user-defined types **/

export type Address = { street: string | null; city: string | null; region: string | null; postal_code: string | null; country: string | null }
export type AppError = { code: ErrorCode; message: string; details: ErrorDetails | null }
export type AppInfo = { version: string; data_dir: string; schema_version: number }
export type ChangeReceipt = { change_id: string }
export type ClientStatus = "active" | "inactive" | "at_risk" | "churned"
export type Contact = { id: string; display_name: string; organization: string | null; emails: EmailEntry[]; phones: PhoneEntry[]; address: Address | null; date_of_birth: string | null; photo: string | null; lifecycle_stage: LifecycleStage | null; client_status: ClientStatus; source: ContactSource; referral_source: string | null; emergency_contact_name: string | null; emergency_contact_phone: string | null; health_context: JsonValue; preferences: JsonValue; tags: string[]; created_at: string; updated_at: string }
export type ContactInput = { display_name: string; organization: string | null; emails: EmailEntry[]; phones: PhoneEntry[]; address: Address | null; date_of_birth: string | null; photo: string | null; lifecycle_stage: LifecycleStage | null; client_status: ClientStatus | null; source: ContactSource | null; referral_source: string | null; emergency_contact_name: string | null; emergency_contact_phone: string | null; health_context: JsonValue; preferences: JsonValue; tags: string[] }
export type ContactListQuery = { search: string | null; stage: LifecycleStage | null; status: ClientStatus | null; tag: string | null; source: ContactSource | null; sort: ContactSort; direction: SortDirection; offset: number; limit: number }
export type ContactPage = { items: ContactSummary[]; total: number; offset: number }
export type ContactSort = "name" | "updated" | "stage"
export type ContactSource = "manual" | "upload" | "gmail_import" | "calendar_import" | "onboarding_form"
export type ContactSummary = { id: string; display_name: string; organization: string | null; primary_email: string | null; primary_phone: string | null; lifecycle_stage: LifecycleStage | null; client_status: ClientStatus; source: ContactSource; tags: string[]; updated_at: string }
export type ContactsChanged = { ids: string[]; reason: "created" | "updated" | "deleted" | "restored" | "imported" }
export type Dashboard = { total_contacts: number; new_this_month: number; by_stage: StageCount[]; by_status: StatusCount[]; new_by_month: MonthCount[] }
export type DemoProgress = { done: number; total: number }
export type DemoSummary = { contacts: number; notes: number; tags: number }
export type EmailEntry = { address: string; label: string | null; is_primary: boolean }
export type ErrorCode = "validation_failed" | "not_found" | "conflict" | "undo_unavailable" | "schema_too_new" | "database" | "io" | "internal"
export type ErrorDetails = { fields: FieldError[] }
export type FieldError = { field: string; message: string }
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key in string]: JsonValue }
export type LifecycleStage = "prospect" | "new_client" | "core_client" | "referring_client" | "vip_client" | "lost_client" | "at_risk_client"
export type MonthCount = { month: string; count: number }
export type Note = { id: string; contact_id: string; body: string; created_at: string; updated_at: string }
export type PhoneEntry = { number: string; label: string | null; is_primary: boolean }
export type SortDirection = "asc" | "desc"
export type StageCount = { stage: LifecycleStage | null; count: number }
export type StatusCount = { status: ClientStatus; count: number }
export type TagCount = { name: string; count: number }
export type UndoOutcome = { change_id: string; entity: string; entity_id: string }

/** tauri-specta globals **/

import {
	invoke as TAURI_INVOKE,
	Channel as TAURI_CHANNEL,
} from "@tauri-apps/api/core";
import * as TAURI_API_EVENT from "@tauri-apps/api/event";
import { type WebviewWindow as __WebviewWindow__ } from "@tauri-apps/api/webviewWindow";

type __EventObj__<T> = {
	listen: (
		cb: TAURI_API_EVENT.EventCallback<T>,
	) => ReturnType<typeof TAURI_API_EVENT.listen<T>>;
	once: (
		cb: TAURI_API_EVENT.EventCallback<T>,
	) => ReturnType<typeof TAURI_API_EVENT.once<T>>;
	emit: null extends T
		? (payload?: T) => ReturnType<typeof TAURI_API_EVENT.emit>
		: (payload: T) => ReturnType<typeof TAURI_API_EVENT.emit>;
};

export type Result<T, E> =
	| { status: "ok"; data: T }
	| { status: "error"; error: E };

function __makeEvents__<T extends Record<string, any>>(
	mappings: Record<keyof T, string>,
) {
	return new Proxy(
		{} as unknown as {
			[K in keyof T]: __EventObj__<T[K]> & {
				(handle: __WebviewWindow__): __EventObj__<T[K]>;
			};
		},
		{
			get: (_, event) => {
				const name = mappings[event as keyof T];

				return new Proxy((() => {}) as any, {
					apply: (_, __, [window]: [__WebviewWindow__]) => ({
						listen: (arg: any) => window.listen(name, arg),
						once: (arg: any) => window.once(name, arg),
						emit: (arg: any) => window.emit(name, arg),
					}),
					get: (_, command: keyof __EventObj__<any>) => {
						switch (command) {
							case "listen":
								return (arg: any) => TAURI_API_EVENT.listen(name, arg);
							case "once":
								return (arg: any) => TAURI_API_EVENT.once(name, arg);
							case "emit":
								return (arg: any) => TAURI_API_EVENT.emit(name, arg);
						}
					},
				});
			},
		},
	);
}
