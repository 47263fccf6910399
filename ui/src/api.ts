// Thin wrapper over the generated bindings. The rest of the UI talks to this module
// only, so it never depends on how tauri-specta shapes its Result values or on how
// a command failure travels (a rejected promise or an `{ status: "error" }` value).

import { commands, events } from "./bindings";
import type {
  AppError,
  AppInfo,
  EmbedderProbe,
  EmbedderSettings,
  EncryptionStatus,
  EmbedderSettingsState,
  ChangeReceipt,
  Contact,
  ContactInput,
  ContactListQuery,
  ContactPage,
  ContactsChanged,
  ContactSummary,
  Dashboard,
  DemoProgress,
  DemoSummary,
  ErrorCode,
  FieldError,
  LimitDetails,
  Note,
  TagCount,
  UndoOutcome,
  BackupInfo,
  BatchReceipt,
  BatchUndoOutcome,
  BulkEdit,
  Consent,
  ConsentInput,
  ContactConsents,
  ContactIdentifier,
  Goal,
  GoalInput,
  IgnoredIdentifier,
  Interaction,
  InteractionInput,
  NoteInput,
  Project,
  ProjectInput,
  RestoreOutcome,
  Tag,
  TagInput,
  TagWithUsage,
  Task,
  TaskInput,
  TaskQuery,
  TaskStatus,
  TaskStatusChange,
  TimelineCursor,
  TimelinePage,
  GoogleStatus,
  ConnectOutcome,
  DisconnectOutcome,
  ApprovedSync,
  ContactSuggestion,
  SearchRequest,
  SearchResponse,
  SuggestionApproval,
  SyncBatch,
  SyncPreview,
  SyncSettings,
  SyncUndoOutcome,
  KeptContact,
  Zone,
  ZoneInput,
  CsvPreview,
  DeletionSummary,
  ExportFormat,
  ExportSummary,
  ImportFormat,
  ImportOptions,
  ImportPreview,
  ImportSummary,
  DuplicateSuggestion,
  MergeOutcome,
  MergeRequest,
  JobChanged,
  JobInfo,
  JobStatus,
  ConflictChoice,
  ConflictResolution,
  SyncConflict,
  SyncConnectOutcome,
  SyncReport,
  SyncStatus,
  TeamSyncChanged,
  StoreWaiting,
  AiSettings,
  AiSettingsState,
  AiStatus,
  AiStreamed,
  ChatAnswer,
  CitationTarget,
  ContactFeature,
  FeatureResult,
  Message as AiMessage,
  Proposal,
  RecordType,
  Thread as AiThread,
  UsageSummary,
  Cadence,
  CadenceSetting,
  ContactKeepInTouch,
  DefaultScope,
  DuePerson,
  KeepInTouchChange,
  KeepInTouchDefault,
  RelationshipHealth,
  Reminder,
  ReminderChange,
  ReminderInput,
  Today,
  AccessEntry,
} from "./bindings";

export type { AccessAction, AccessEntry } from "./bindings";

export type {
  Cadence,
  CadenceOrigin,
  CadenceSetting,
  CadenceUnit,
  ContactKeepInTouch,
  DefaultScope,
  DuePerson,
  KeepInTouch,
  KeepInTouchChange,
  KeepInTouchDefault,
  LastContact,
  MeetingContact,
  RelationshipHealth,
  Reminder,
  ReminderChange,
  ReminderDue,
  ReminderInput,
  ReminderKind,
  StageHealth,
  Today,
  TodayMeeting,
} from "./bindings";

export type {
  EmbedderProbe,
  EmbedderSettings,
  EmbedderSettingsState,
  EmbedderSource,
} from "./bindings";

export type {
  AiLimits,
  AiSettings,
  AiSettingsState,
  AiStatus,
  AiStreamed,
  ChatAnswer,
  Citation,
  CitationTarget,
  ContactFeature,
  FeatureOutput,
  FeatureResult,
  LimitDetails,
  LimitUsage,
  Message as AiMessage,
  MessageRole,
  ModelPrice,
  ModelUsage,
  NextStep,
  Proposal,
  ProposalStatus,
  ProposedAction,
  ProviderKind,
  ProviderLocation,
  RecordType,
  RiskLevel,
  SuggestedTask,
  Thread as AiThread,
  UnavailableReason,
  UsageSummary,
  DuplicateConfidence,
  DuplicateSuggestion,
  MergeFieldChoices,
  MergeOutcome,
  MergeRequest,
  MovedCounts,
  ColumnMapping,
  ColumnTarget,
  CsvPreview,
  DeletionSummary,
  ExportFormat,
  ExportSummary,
  Field as ImportField,
  ImportAction,
  ImportCounts,
  ImportFormat,
  ImportOptions,
  ImportPlanItem,
  ImportPreview,
  ImportSummary,
  JobChanged,
  JobInfo,
  JobStatus,
  Address,
  AppError,
  AppInfo,
  ChangeReceipt,
  ClientStatus,
  Contact,
  ContactInput,
  ContactListQuery,
  ContactPage,
  ContactSort,
  ContactsChanged,
  ContactSource,
  ContactSummary,
  Dashboard,
  DemoProgress,
  DemoSummary,
  EmailEntry,
  ErrorCode,
  FieldError,
  LifecycleStage,
  MonthCount,
  Note,
  PhoneEntry,
  SortDirection,
  StageCount,
  StatusCount,
  TagCount,
  UndoOutcome,
  BackupInfo,
  BackupReason,
  BatchReceipt,
  BatchUndoOutcome,
  BulkEdit,
  Consent,
  ConsentInput,
  ConsentKind,
  ConsentState,
  ContactConsents,
  ContactIdentifier,
  Goal,
  GoalInput,
  GoalKind,
  GoalStatus,
  GoogleStatus,
  ItemKind,
  SearchHit,
  SearchMode,
  SearchRequest,
  SearchResponse,
  ApprovedSync,
  CalendarSyncSettings,
  ContactSuggestion,
  GmailSyncSettings,
  SuggestionApproval,
  SyncBatch,
  SyncBatchStatus,
  SyncPreview,
  SyncSettings,
  SyncUndoOutcome,
  KeptContact,
  IdentityKind,
  IntegrationAccount,
  IgnoredIdentifier,
  Interaction,
  InteractionInput,
  InteractionKind,
  NoteInput,
  NoteSource,
  PiiKind,
  Project,
  ProjectInput,
  ProjectStatus,
  RestoreOutcome,
  Tag,
  TagCategory,
  TagInput,
  TagWithUsage,
  Task,
  TaskInput,
  TaskPriority,
  TaskQuery,
  TaskStatus,
  TaskStatusChange,
  TaskView,
  TimelineCursor,
  TimelineItem,
  TimelineItemKind,
  TimelinePage,
  Zone,
  ZoneInput,
} from "./bindings";

export type {
  ConflictChoice,
  ConflictResolution,
  SyncConflict,
  SyncConnectOutcome,
  SyncReport,
  SyncStatus,
  TeamSyncChanged,
  TeamSyncState,
  StoreWaiting,
} from "./bindings";

export type { EncryptionStatus, KeyLocation } from "./bindings";

/** A JSON value, as tauri-specta names `serde_json::Value`. */
export type { Value as JsonValue } from "./bindings";

/** The status-tagged result every generated command resolves to. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "validation_failed",
  "not_found",
  "conflict",
  "undo_unavailable",
  "schema_too_new",
  "database",
  "io",
  "internal",
  "auth_required",
  "network",
  "rate_limited",
  "cancelled",
  "rate_limited_minute",
  "rate_limited_daily_cost",
  "rate_limited_monthly",
  "ai_unavailable",
  "too_large",
  "encryption_key_missing",
  "encryption_key_wrong",
]);

/** An `AppError` carried as a thrown exception. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[];
  readonly appError: AppError;

  constructor(appError: AppError) {
    super(appError.message);
    this.name = "ApiError";
    this.code = appError.code;
    this.fields = appError.details?.fields ?? [];
    this.appError = appError;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isAppError(value: unknown): value is AppError {
  return (
    isRecord(value) &&
    typeof value.code === "string" &&
    KNOWN_ERROR_CODES.has(value.code) &&
    typeof value.message === "string"
  );
}

function normalizeLimit(details: unknown): LimitDetails | null {
  if (!isRecord(details) || !isRecord(details.limit)) return null;
  const limit = details.limit;
  if (typeof limit.resets_at !== "string") return null;
  return {
    limit: typeof limit.limit === "number" ? limit.limit : null,
    used: typeof limit.used === "number" ? limit.used : null,
    resets_at: limit.resets_at,
  };
}

function normalizeFields(details: unknown): FieldError[] {
  if (!isRecord(details) || !Array.isArray(details.fields)) return [];
  return details.fields
    .filter((item): item is FieldError => isRecord(item) && typeof item.field === "string")
    .map((item) => ({ field: item.field, message: String(item.message ?? "") }));
}

/** Turns anything a command can fail with into an `AppError`. */
export function toAppError(error: unknown): AppError {
  if (error instanceof ApiError) return error.appError;
  if (isAppError(error)) {
    const fields = normalizeFields(error.details);
    const limit = normalizeLimit(error.details);
    return {
      code: error.code,
      message: error.message,
      details:
        error.details == null && fields.length === 0 ? null : limit ? { fields, limit } : { fields },
    };
  }
  if (error instanceof Error) {
    return { code: "internal", message: error.message || "Unexpected error", details: null };
  }
  if (typeof error === "string" && error.length > 0) {
    return { code: "internal", message: error, details: null };
  }
  return { code: "internal", message: "Unexpected error", details: null };
}

/** Returns the data of an ok Result, throws an `ApiError` for an error Result. */
export function unwrap<T>(result: Result<T, AppError>): T {
  if (result.status === "ok") return result.data;
  throw new ApiError(toAppError(result.error));
}

/** Awaits a command, returning its data or throwing an `ApiError` (never anything else). */
export async function call<T>(pending: Promise<Result<T, AppError>>): Promise<T> {
  let result: Result<T, AppError>;
  try {
    result = await pending;
  } catch (error) {
    throw new ApiError(toAppError(error));
  }
  return unwrap(result);
}

export type Outcome<T> = { ok: true; data: T } | { ok: false; error: AppError };

/** Like `call`, but returns the error instead of throwing it. */
export async function settle<T>(pending: Promise<Result<T, AppError>>): Promise<Outcome<T>> {
  try {
    return { ok: true, data: await call(pending) };
  } catch (error) {
    return { ok: false, error: toAppError(error) };
  }
}

export const api = {
  createContact: (input: ContactInput): Promise<Contact> => call(commands.contactsCreate(input)),
  updateContact: (id: string, input: ContactInput): Promise<Contact> =>
    call(commands.contactsUpdate(id, input)),
  deleteContact: (id: string): Promise<ChangeReceipt> => call(commands.contactsDelete(id)),
  getContact: (id: string): Promise<Contact> => call(commands.contactsGet(id)),
  listContacts: (query: ContactListQuery): Promise<ContactPage> => call(commands.contactsList(query)),
  searchContacts: (text: string, limit: number): Promise<ContactSummary[]> =>
    call(commands.contactsSearch(text, limit)),
  listNotes: (contactId: string): Promise<Note[]> => call(commands.notesListForContact(contactId)),
  listTags: (): Promise<TagCount[]> => call(commands.tagsList()),
  undoChange: (changeId: string): Promise<UndoOutcome> => call(commands.changesUndo(changeId)),
  getDashboard: (): Promise<Dashboard> => call(commands.dashboardGet()),
  generateDemoData: (contacts: number): Promise<DemoSummary> => call(commands.demoGenerate(contacts)),
  getAppInfo: (): Promise<AppInfo> => call(commands.appInfo()),

  createNote: (contactId: string, input: NoteInput): Promise<Note> => call(commands.notesCreate(contactId, input)),
  updateNote: (id: string, input: NoteInput): Promise<Note> => call(commands.notesUpdate(id, input)),
  deleteNote: (id: string): Promise<ChangeReceipt> => call(commands.notesDelete(id)),

  listTagsWithUsage: (): Promise<TagWithUsage[]> => call(commands.tagsListWithUsage()),
  createTag: (input: TagInput): Promise<Tag> => call(commands.tagsCreate(input)),
  updateTag: (id: string, input: TagInput): Promise<Tag> => call(commands.tagsUpdate(id, input)),
  deleteTag: (id: string): Promise<BatchReceipt> => call(commands.tagsDelete(id)),
  tagContacts: (contactIds: string[], tagNames: string[]): Promise<BatchReceipt> =>
    call(commands.tagsTagContacts(contactIds, tagNames)),
  untagContacts: (contactIds: string[], tagNames: string[]): Promise<BatchReceipt> =>
    call(commands.tagsUntagContacts(contactIds, tagNames)),

  bulkEditContacts: (ids: string[], edit: BulkEdit): Promise<BatchReceipt> => call(commands.contactsBulkEdit(ids, edit)),
  deleteContacts: (ids: string[]): Promise<BatchReceipt> => call(commands.contactsDeleteMany(ids)),
  undoBatch: (batchId: string): Promise<BatchUndoOutcome> => call(commands.changesUndoBatch(batchId)),

  createInteraction: (input: InteractionInput): Promise<Interaction> => call(commands.interactionsCreate(input)),
  deleteInteraction: (id: string): Promise<ChangeReceipt> => call(commands.interactionsDelete(id)),
  timelinePage: (contactId: string, cursor: TimelineCursor | null, limit: number): Promise<TimelinePage> =>
    call(commands.timelinePage(contactId, cursor, limit)),

  listIdentities: (contactId: string): Promise<ContactIdentifier[]> => call(commands.identitiesListForContact(contactId)),
  listIgnored: (): Promise<IgnoredIdentifier[]> => call(commands.identitiesListIgnored()),
  ignoreIdentifier: (pattern: string, reason: string | null): Promise<IgnoredIdentifier> =>
    call(commands.identitiesIgnore(pattern, reason)),
  unignoreIdentifier: (id: string): Promise<ChangeReceipt> => call(commands.identitiesUnignore(id)),

  recordConsent: (contactId: string, input: ConsentInput): Promise<Consent> => call(commands.consentsRecord(contactId, input)),
  listConsents: (contactId: string): Promise<ContactConsents> => call(commands.consentsListForContact(contactId)),

  listZones: (): Promise<Zone[]> => call(commands.zonesList()),
  createZone: (input: ZoneInput): Promise<Zone> => call(commands.zonesCreate(input)),
  updateZone: (id: string, input: ZoneInput): Promise<Zone> => call(commands.zonesUpdate(id, input)),
  deleteZone: (id: string): Promise<ChangeReceipt> => call(commands.zonesDelete(id)),
  listProjects: (): Promise<Project[]> => call(commands.projectsList()),
  createProject: (input: ProjectInput): Promise<Project> => call(commands.projectsCreate(input)),
  updateProject: (id: string, input: ProjectInput): Promise<Project> => call(commands.projectsUpdate(id, input)),
  deleteProject: (id: string): Promise<ChangeReceipt> => call(commands.projectsDelete(id)),
  listTasks: (query: TaskQuery): Promise<Task[]> => call(commands.tasksList(query)),
  createTask: (input: TaskInput): Promise<Task> => call(commands.tasksCreate(input)),
  updateTask: (id: string, input: TaskInput): Promise<Task> => call(commands.tasksUpdate(id, input)),
  deleteTask: (id: string): Promise<ChangeReceipt> => call(commands.tasksDelete(id)),
  setTaskStatus: (id: string, status: TaskStatus): Promise<TaskStatusChange> => call(commands.tasksSetStatus(id, status)),
  listSubtasks: (parentId: string): Promise<Task[]> => call(commands.tasksSubtasks(parentId)),
  listGoals: (contactId: string | null): Promise<Goal[]> => call(commands.goalsList(contactId)),
  createGoal: (input: GoalInput): Promise<Goal> => call(commands.goalsCreate(input)),
  updateGoal: (id: string, input: GoalInput): Promise<Goal> => call(commands.goalsUpdate(id, input)),
  deleteGoal: (id: string): Promise<ChangeReceipt> => call(commands.goalsDelete(id)),

  googleStatus: (): Promise<GoogleStatus> => call(commands.googleStatus()),
  googleConnect: (): Promise<ConnectOutcome> => call(commands.googleConnect()),
  googleDisconnect: (accountId: string): Promise<DisconnectOutcome> => call(commands.googleDisconnect(accountId)),
  googleSyncPreview: (accountId: string, settings: SyncSettings): Promise<SyncPreview> =>
    call(commands.googleSyncPreview(accountId, settings)),
  /** Approves a sync; without settings it reuses the account's last ones (or the defaults). */
  googleSyncStart: (accountId: string, settings: SyncSettings | null): Promise<ApprovedSync> =>
    call(commands.googleSyncStart(accountId, settings)),
  googleSyncBatches: (accountId: string | null): Promise<SyncBatch[]> => call(commands.googleSyncBatches(accountId)),
  googleSyncUndo: (batchId: string): Promise<SyncUndoOutcome> => call(commands.googleSyncUndo(batchId)),
  googleSuggestions: (): Promise<ContactSuggestion[]> => call(commands.googleSuggestionsList()),
  approveGoogleSuggestion: (suggestionId: string, displayName: string | null): Promise<SuggestionApproval> =>
    call(commands.googleSuggestionsApprove(suggestionId, displayName)),
  dismissGoogleSuggestion: (suggestionId: string): Promise<ContactSuggestion> =>
    call(commands.googleSuggestionsDismiss(suggestionId)),

  /** Team sync (a workspace on the team's sync server): connected or not, what waits, the last error. */
  teamSyncStatus: (): Promise<SyncStatus> => call(commands.syncStatus()),
  /** Checks the server and device token and remembers the workspace; the next sync shares this device's records. */
  teamSyncConnect: (server: string, token: string): Promise<SyncConnectOutcome> => call(commands.syncConnect(server, token)),
  teamSyncNow: (): Promise<SyncReport> => call(commands.syncNow()),
  /** Stops syncing; the records stay on this device. */
  teamSyncDisconnect: (): Promise<SyncStatus> => call(commands.syncDisconnect()),
  /** Whether health context and emergency contacts are shared with the team (off by default). */
  teamSyncSetShareHealth: (share: boolean): Promise<SyncStatus> => call(commands.syncSetShareHealth(share)),
  /** Fields two devices changed at the same time (one record's when given). */
  teamSyncConflicts: (recordId: string | null): Promise<SyncConflict[]> => call(commands.syncConflicts(recordId)),
  /** Settles a conflict on the kept value or the one it was chosen over, for every device. */
  teamSyncResolveConflict: (id: string, choice: ConflictChoice): Promise<ConflictResolution> =>
    call(commands.syncResolveConflict(id, choice)),

  createBackup: (): Promise<BackupInfo> => call(commands.backupsCreate()),
  listBackups: (): Promise<BackupInfo[]> => call(commands.backupsList()),
  restoreBackup: (fileName: string): Promise<RestoreOutcome> => call(commands.backupsRestore(fileName)),

  importsCsvPreview: (contentBase64: string): Promise<CsvPreview> => call(commands.importsCsvPreview(contentBase64)),
  importsDetectFormat: (contentBase64: string, fileName: string | null): Promise<ImportFormat> =>
    call(commands.importsDetectFormat(contentBase64, fileName)),
  importsPreview: (contentBase64: string, options: ImportOptions): Promise<ImportPreview> =>
    call(commands.importsPreview(contentBase64, options)),
  /** Starts applying an import as a background job; follow it with `onJobChanged`. */
  importsStart: (contentBase64: string, options: ImportOptions): Promise<JobInfo> =>
    call(commands.importsStart(contentBase64, options)),
  /** The import a finished `import.apply` job wrote (same id as the job). */
  importsGet: (importId: string): Promise<ImportSummary> => call(commands.importsGet(importId)),
  importsList: (): Promise<ImportSummary[]> => call(commands.importsList()),
  importsUndo: (importId: string): Promise<BatchUndoOutcome> => call(commands.importsUndo(importId)),
  exportWrite: (format: ExportFormat, contactId: string | null): Promise<ExportSummary> =>
    call(commands.exportWrite(format, contactId)),
  deleteAllData: (confirmation: string): Promise<DeletionSummary> => call(commands.dataDeleteAll(confirmation)),

  duplicateSuggestions: (limit: number): Promise<DuplicateSuggestion[]> => call(commands.duplicatesSuggestions(limit)),
  mergeDuplicates: (request: MergeRequest): Promise<MergeOutcome> => call(commands.duplicatesMerge(request)),
  dismissDuplicates: (contactIds: string[]): Promise<null> => call(commands.duplicatesDismiss(contactIds)),

  /** Keyword, semantic or hybrid search across every kind of record (the Cmd-K palette). */
  search: (request: SearchRequest): Promise<SearchResponse> => call(commands.searchQuery(request)),
  embedderSettings: (): Promise<EmbedderSettingsState> => call(commands.searchEmbedderGet()),
  /** A typed key goes to the OS keyring with the settings; the answer only says whether one is stored. */
  embedderSave: (settings: EmbedderSettings, apiKey: string | null): Promise<EmbedderSettingsState> =>
    call(commands.searchEmbedderSave(settings, apiKey)),
  embedderClearKey: (): Promise<EmbedderSettingsState> => call(commands.searchEmbedderClearKey()),
  embedderProbe: (settings: EmbedderSettings, apiKey: string | null): Promise<EmbedderProbe> =>
    call(commands.searchEmbedderProbe(settings, apiKey)),
  restartApp: (): Promise<null> => call(commands.appRestart()),

  /** Whether the data is encrypted at rest, where its key is kept, how many backups are still plain. */
  encryptionStatus: (): Promise<EncryptionStatus> => call(commands.encryptionStatus()),
  revealRecoveryKey: (): Promise<string> => call(commands.revealRecoveryKey()),
  /** Writes the recovery key to a new file (never replacing one); resolves to the full path written. */
  saveRecoveryKey: (path: string): Promise<string> => call(commands.saveRecoveryKey(path)),
  /** Opens a data folder whose key is not on this computer; on success the app restarts. */
  recoverDataFolder: (recoveryKey: string): Promise<null> => call(commands.recoverDataFolder(recoveryKey)),

  listJobs: (statuses: JobStatus[], limit: number): Promise<JobInfo[]> => call(commands.jobsList(statuses, limit)),
  getJob: (id: string): Promise<JobInfo> => call(commands.jobsGet(id)),
  retryJob: (id: string): Promise<JobInfo> => call(commands.jobsRetry(id)),
  cancelJob: (id: string): Promise<JobInfo> => call(commands.jobsCancel(id)),

  aiStatus: (): Promise<AiStatus> => call(commands.aiStatus()),
  aiSettings: (): Promise<AiSettingsState> => call(commands.aiSettingsGet()),
  aiSaveSettings: (settings: AiSettings): Promise<AiSettingsState> => call(commands.aiSettingsSave(settings)),
  /** The key goes to the OS keyring; the answer only says whether one is stored. */
  aiSetKey: (apiKey: string): Promise<AiSettingsState> => call(commands.aiKeySet(apiKey)),
  aiClearKey: (): Promise<AiSettingsState> => call(commands.aiKeyClear()),
  aiUsage: (): Promise<UsageSummary> => call(commands.aiUsage()),
  /** Asks; the reply streams as `onAiStreamed` events carrying `requestId`. */
  aiAsk: (requestId: string, question: string, threadId: string | null): Promise<ChatAnswer> =>
    call(commands.aiAsk(requestId, question, threadId)),
  aiThreads: (): Promise<AiThread[]> => call(commands.aiThreads()),
  aiThreadMessages: (threadId: string): Promise<AiMessage[]> => call(commands.aiThreadMessages(threadId)),
  aiDeleteThread: (threadId: string): Promise<null> => call(commands.aiThreadDelete(threadId)),
  aiPendingProposals: (): Promise<Proposal[]> => call(commands.aiProposalsPending()),
  aiApproveProposal: (proposalId: string): Promise<Proposal> => call(commands.aiProposalApprove(proposalId)),
  aiRejectProposal: (proposalId: string): Promise<Proposal> => call(commands.aiProposalReject(proposalId)),
  aiContactFeature: (contactId: string, feature: ContactFeature): Promise<FeatureResult> =>
    call(commands.aiContactFeature(contactId, feature)),
  aiStoredContactFeatures: (contactId: string): Promise<FeatureResult[]> =>
    call(commands.aiContactFeaturesStored(contactId)),
  aiBrainDump: (text: string): Promise<FeatureResult> => call(commands.aiBrainDump(text)),
  aiCitationTarget: (recordType: RecordType, id: string): Promise<CitationTarget> =>
    call(commands.aiCitationTarget(recordType, id)),

  /** The practitioner's day: meetings, people due, reminders and birthdays, tasks due. */
  today: (): Promise<Today> => call(commands.todayGet()),
  keepInTouchDue: (): Promise<DuePerson[]> => call(commands.keepInTouchDue()),
  keepInTouchGet: (contactId: string): Promise<ContactKeepInTouch> => call(commands.keepInTouchGet(contactId)),
  keepInTouchSetCadence: (contactId: string, setting: CadenceSetting): Promise<KeepInTouchChange> =>
    call(commands.keepInTouchSetCadence(contactId, setting)),
  /** `until` is a local date (`YYYY-MM-DD`); null ends the snooze. */
  keepInTouchSnooze: (contactId: string, until: string | null): Promise<KeepInTouchChange> =>
    call(commands.keepInTouchSnooze(contactId, until)),
  /** `target` is a tag's id or a lifecycle stage; a null cadence removes the default. */
  keepInTouchSetDefault: (scope: DefaultScope, target: string, cadence: Cadence | null): Promise<KeepInTouchDefault | null> =>
    call(commands.keepInTouchSetDefault(scope, target, cadence)),
  keepInTouchDefaults: (): Promise<KeepInTouchDefault[]> => call(commands.keepInTouchDefaults()),
  keepInTouchHealth: (): Promise<RelationshipHealth> => call(commands.keepInTouchHealth()),
  addReminder: (contactId: string, input: ReminderInput): Promise<Reminder> => call(commands.remindersAdd(contactId, input)),
  listReminders: (contactId: string | null): Promise<Reminder[]> => call(commands.remindersList(contactId)),
  reminderDone: (id: string): Promise<ReminderChange> => call(commands.remindersDone(id)),
  snoozeReminder: (id: string, until: string): Promise<ReminderChange> => call(commands.remindersSnooze(id, until)),
  deleteReminder: (id: string): Promise<ChangeReceipt> => call(commands.remindersDelete(id)),

  /** Who has seen client data: the newest entries first, of one client or (null) of all. */
  accessLogList: (contactId: string | null, limit: number): Promise<AccessEntry[]> =>
    call(commands.accessLogList(contactId, limit)),
  /** How many days access log entries are kept. */
  accessLogRetention: (): Promise<number> => call(commands.accessLogRetention()),
  /** Keeps entries `days` days (30 days to 100 years); older ones are removed now. */
  accessLogSetRetention: (days: number): Promise<number> => call(commands.accessLogSetRetention(days)),
};

/** The phrase the user types to delete all data (the core's `DELETE_ALL_CONFIRMATION`). */
export const DELETE_ALL_CONFIRMATION = "DELETE ALL MY DATA";

/** Base64 of a file's bytes, the way the import commands take files. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let index = 0; index < bytes.length; index += chunk) {
    binary += String.fromCharCode(...bytes.subarray(index, index + chunk));
  }
  return btoa(binary);
}

export type Unsubscribe = () => void;

async function subscribe<T>(
  listen: (callback: (event: { payload: T }) => void) => Promise<() => void>,
  handler: (payload: T) => void,
): Promise<Unsubscribe> {
  try {
    return await listen((event) => handler(event.payload));
  } catch {
    // Outside the desktop shell (plain browser, unit tests) there is no event bus.
    return () => {};
  }
}

export function onContactsChanged(handler: (payload: ContactsChanged) => void): Promise<Unsubscribe> {
  return subscribe<ContactsChanged>((callback) => events.contactsChanged.listen(callback), handler);
}

export function onDemoProgress(handler: (payload: DemoProgress) => void): Promise<Unsubscribe> {
  return subscribe<DemoProgress>((callback) => events.demoProgress.listen(callback), handler);
}

export function onJobChanged(handler: (payload: JobChanged) => void): Promise<Unsubscribe> {
  return subscribe<JobChanged>((callback) => events.jobChanged.listen(callback), handler);
}

export function onAiStreamed(handler: (payload: AiStreamed) => void): Promise<Unsubscribe> {
  return subscribe<AiStreamed>((callback) => events.aiStreamed.listen(callback), handler);
}

/** A save is waiting for another OmniCRM process (the command line, another window). */
export function onStoreWaiting(handler: (payload: StoreWaiting) => void): Promise<Unsubscribe> {
  return subscribe<StoreWaiting>((callback) => events.storeWaiting.listen(callback), handler);
}

export function onTeamSyncChanged(handler: (payload: TeamSyncChanged) => void): Promise<Unsubscribe> {
  return subscribe<TeamSyncChanged>((callback) => events.teamSyncChanged.listen(callback), handler);
}
