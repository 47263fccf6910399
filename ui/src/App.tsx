import { useCallback, useEffect, useRef, useState } from "react";
import { api, onStoreWaiting, toAppError, type AppError, type SearchHit } from "./api";
import { CommandPalette } from "./components/CommandPalette";
import { RecoveryScreen } from "./components/RecoveryScreen";
import { ShortcutHelpDialog } from "./components/ShortcutHelpDialog";
import { Sidebar, type Page } from "./components/Sidebar";
import { useToasts } from "./components/Toasts";
import { useEventSubscription } from "./hooks/useEventSubscription";
import { useGlobalShortcuts } from "./hooks/useGlobalShortcuts";
import { useJobs } from "./hooks/useJobs";
import { useTeamSync } from "./hooks/useTeamSync";
import { useTheme } from "./hooks/useTheme";
import { AssistantPage, type AiNavigation } from "./pages/AssistantPage";
import { ContactsPage, type ContactsCommand } from "./pages/ContactsPage";
import { DashboardPage } from "./pages/DashboardPage";
import { DuplicatesPage } from "./pages/DuplicatesPage";
import { isSettingsSection, SettingsPage, type SettingsFocus, type SettingsSectionId } from "./pages/SettingsPage";
import { TasksPage } from "./pages/TasksPage";
import { TodayPage } from "./pages/TodayPage";

const DEFAULT_PAGE: Page = "today";

const PAGE_TITLES: Record<Page, string> = {
  today: "Today",
  dashboard: "Dashboard",
  contacts: "Contacts",
  tasks: "Tasks",
  assistant: "Assistant",
  duplicates: "Duplicates",
  settings: "Settings",
};

/**
 * The page a hash names: "#/contacts", or "#/settings/<section>" for one section of Settings.
 * "#/jobs" (the Jobs page before it became Settings → Activity) still leads there.
 */
function routeFromHash(hash: string): { page: Page; section: SettingsSectionId | null } | null {
  const [name, section] = hash.replace(/^#\/?/, "").split("/");
  if (name === "jobs") return { page: "settings", section: "activity" };
  if (name === "settings") return { page: "settings", section: section && isSettingsSection(section) ? section : null };
  return name === "today" ||
    name === "dashboard" ||
    name === "contacts" ||
    name === "tasks" ||
    name === "assistant" ||
    name === "duplicates"
    ? { page: name, section: null }
    : null;
}

function pageFromHash(hash: string): Page | null {
  return routeFromHash(hash)?.page ?? null;
}

export function App() {
  const { theme, toggleTheme } = useTheme();
  const [page, setPage] = useState<Page>(() => pageFromHash(window.location.hash) ?? DEFAULT_PAGE);
  const [helpOpen, setHelpOpen] = useState(false);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [contactsCommand, setContactsCommand] = useState<ContactsCommand | null>(null);
  const [version, setVersion] = useState<string | null>(null);
  const [startupError, setStartupError] = useState<AppError | null>(null);
  const jobs = useJobs();
  const teamSync = useTeamSync();
  const [settingsFocus, setSettingsFocus] = useState<SettingsFocus | null>(() => {
    const section = routeFromHash(window.location.hash)?.section;
    return section ? { section, nonce: 1 } : null;
  });
  const { showToast } = useToasts();
  // Another OmniCRM process (the command line, another window) is saving: say why this waits.
  const onStoreWait = useCallback(() => {
    showToast({
      tone: "info",
      message: "Another OmniCRM window or command is saving changes. Waiting for it to finish…",
    });
  }, [showToast]);
  useEventSubscription(onStoreWaiting, onStoreWait);

  const navigate = useCallback((next: Page) => {
    setPage(next);
    if (pageFromHash(window.location.hash) !== next) window.history.replaceState(null, "", `#/${next}`);
  }, []);

  useEffect(() => {
    const onHashChange = () => {
      const next = routeFromHash(window.location.hash);
      if (!next) return;
      setPage(next.page);
      const section = next.section;
      if (section) setSettingsFocus((current) => ({ section, nonce: (current?.nonce ?? 0) + 1 }));
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  useEffect(() => {
    document.title = `${PAGE_TITLES[page]} · OmniCRM`;
    // A command for the Contacts page is spent once the user leaves it, so coming back
    // later does not open the same contact (or form) again.
    if (page !== "contacts") setContactsCommand(null);
    if (page !== "settings") setSettingsFocus(null);
  }, [page]);

  useEffect(() => {
    api.getAppInfo().then(
      (info) => setVersion(info.version),
      (error: unknown) => setStartupError(toAppError(error)),
    );
  }, []);

  const sendToContacts = useCallback(
    (type: "focus-search" | "new-contact") => {
      navigate("contacts");
      setContactsCommand((current) => ({ type, nonce: (current?.nonce ?? 0) + 1 }));
    },
    [navigate],
  );

  const openContact = useCallback(
    (contactId: string) => {
      navigate("contacts");
      setContactsCommand((current) => ({ type: "open-contact", contactId, nonce: (current?.nonce ?? 0) + 1 }));
    },
    [navigate],
  );

  const openSettingsSection = useCallback(
    (section: SettingsSectionId) => {
      navigate("settings");
      setSettingsFocus((current) => ({ section, nonce: (current?.nonce ?? 0) + 1 }));
    },
    [navigate],
  );
  const openTeamSync = useCallback(() => openSettingsSection("team-sync"), [openSettingsSection]);
  const openActivity = useCallback(() => openSettingsSection("activity"), [openSettingsSection]);

  // An assistant citation opens its contact, or the page that lists the record.
  const openFromAssistant = useCallback(
    (target: AiNavigation) => {
      if (target.kind === "contact") openContact(target.contactId);
      else if (target.kind === "settings") openSettingsSection("ai");
      else navigate(target.kind);
    },
    [navigate, openContact, openSettingsSection],
  );

  // A search result opens its contact (notes, mail and events open their contact too), or the
  // page that lists it.
  const openSearchHit = useCallback(
    (hit: SearchHit) => {
      if (hit.contact_id) openContact(hit.contact_id);
      else if (hit.kind === "task" || hit.kind === "project") navigate("tasks");
    },
    [navigate, openContact],
  );

  // A job that gives up while the app is open is announced at once, wherever the user is;
  // the sidebar keeps showing it until it is retried or canceled.
  const knownDead = useRef<number | null>(null);
  useEffect(() => {
    if (jobs.jobs === null) return;
    const dead = jobs.counts.dead;
    if (knownDead.current !== null && dead > knownDead.current) {
      showToast({
        tone: "error",
        message: "A background job failed and will not retry by itself.",
        action: { label: "Show activity", onAction: openActivity, testId: "toast-open-jobs" },
        durationMs: 15000,
      });
    }
    knownDead.current = dead;
  }, [jobs.jobs, jobs.counts.dead, openActivity, showToast]);

  useGlobalShortcuts({
    "go-today": () => navigate("today"),
    "go-dashboard": () => navigate("dashboard"),
    "go-contacts": () => navigate("contacts"),
    "go-tasks": () => navigate("tasks"),
    "go-settings": () => navigate("settings"),
    "go-duplicates": () => navigate("duplicates"),
    "go-jobs": openActivity,
    "go-assistant": () => navigate("assistant"),
    "focus-search": () => sendToContacts("focus-search"),
    "new-contact": () => sendToContacts("new-contact"),
    "show-help": () => setHelpOpen(true),
    "open-palette": () => setPaletteOpen(true),
  });

  // The data is encrypted and its key is not on this computer, or the key kept here does not
  // open it (a damaged key file): its recovery key opens it.
  if (startupError?.code === "encryption_key_missing") return <RecoveryScreen reason="missing" />;
  if (startupError?.code === "encryption_key_wrong") return <RecoveryScreen reason="wrong" />;
  if (startupError) {
    return (
      <main className="startup-error" role="alert" data-testid="startup-error">
        <h1>OmniCRM can’t open your data</h1>
        <p>{startupError.message || "OmniCRM could not open your data."}</p>
        <p className="startup-error__hint">Nothing was changed. Close OmniCRM and check the message above.</p>
      </main>
    );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar
        page={page}
        onNavigate={navigate}
        theme={theme}
        onToggleTheme={toggleTheme}
        onShowShortcuts={() => setHelpOpen(true)}
        version={version}
        jobCounts={jobs.jobs ? jobs.counts : null}
        teamSync={teamSync.state}
        onOpenTeamSync={openTeamSync}
      />
      <main id="main" className="app__main" tabIndex={-1}>
        {page === "today" ? (
          <TodayPage onOpenContact={openContact} />
        ) : page === "dashboard" ? (
          <DashboardPage onOpenContacts={() => navigate("contacts")} />
        ) : page === "tasks" ? (
          <TasksPage />
        ) : page === "assistant" ? (
          <AssistantPage onNavigate={openFromAssistant} />
        ) : page === "duplicates" ? (
          <DuplicatesPage />
        ) : page === "settings" ? (
          <SettingsPage jobs={jobs} focus={settingsFocus} />
        ) : (
          <ContactsPage command={contactsCommand} />
        )}
      </main>
      <ShortcutHelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <CommandPalette
        open={paletteOpen}
        onClose={() => setPaletteOpen(false)}
        onOpen={openSearchHit}
        onOpenSearchSettings={() => openSettingsSection("semantic-search")}
      />
    </div>
  );
}
