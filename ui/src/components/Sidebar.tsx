import type { TeamSyncState } from "../api";
import type { JobCounts } from "../lib/jobs";
import type { Theme } from "../lib/theme";
import { Button } from "./Button";
import { Icon } from "./Icon";
import { TeamSyncIndicator } from "./TeamSyncIndicator";

export type Page = "today" | "dashboard" | "contacts" | "tasks" | "assistant" | "duplicates" | "settings";

type SidebarProps = {
  page: Page;
  onNavigate: (page: Page) => void;
  theme: Theme;
  onToggleTheme: () => void;
  onShowShortcuts: () => void;
  version: string | null;
  /** Background jobs by status, for the indicator on the Settings link (Activity lives there); none before they load. */
  jobCounts?: JobCounts | null;
  /** Team sync's state, for its indicator (hidden while not connected); none before it loads. */
  teamSync?: TeamSyncState | null;
  /** Opens Settings → Team sync. */
  onOpenTeamSync?: () => void;
};

const NAV_ITEMS: Array<{ page: Page; label: string; icon: "calendar" | "dashboard" | "contacts" | "tasks" | "sparkles" | "duplicates" | "settings"; hint: string }> = [
  { page: "today", label: "Today", icon: "calendar", hint: "g t" },
  { page: "dashboard", label: "Dashboard", icon: "dashboard", hint: "g d" },
  { page: "contacts", label: "Contacts", icon: "contacts", hint: "g c" },
  { page: "tasks", label: "Tasks", icon: "tasks", hint: "g k" },
  { page: "assistant", label: "Assistant", icon: "sparkles", hint: "g a" },
  { page: "duplicates", label: "Duplicates", icon: "duplicates", hint: "g u" },
  { page: "settings", label: "Settings", icon: "settings", hint: "g s" },
];

/**
 * The badge on the Settings link (background jobs are under Settings → Activity): red with the count when any job gave up (it stays until the job
 * is retried or canceled), otherwise a quiet count of jobs running or waiting.
 */
function JobsIndicator({ counts }: { counts: JobCounts }) {
  if (counts.dead > 0) {
    const text = `${counts.dead} failed ${counts.dead === 1 ? "job" : "jobs"}`;
    return (
      <span className="nav-badge nav-badge--danger" data-testid="jobs-indicator" data-state="failed" title={text}>
        <span aria-hidden="true">{counts.dead}</span>
        <span className="visually-hidden">{`, ${text}`}</span>
      </span>
    );
  }
  const busy = counts.running + counts.queued;
  if (busy > 0) {
    const text = counts.running > 0 ? `${counts.running} running` : `${counts.queued} waiting`;
    return (
      <span className="nav-badge nav-badge--busy" data-testid="jobs-indicator" data-state="running" title={text}>
        <span className="nav-badge__pulse" aria-hidden="true" />
        <span aria-hidden="true">{busy}</span>
        <span className="visually-hidden">{`, ${text}`}</span>
      </span>
    );
  }
  return null;
}

export function Sidebar({ page, onNavigate, theme, onToggleTheme, onShowShortcuts, version, jobCounts, teamSync = null, onOpenTeamSync }: SidebarProps) {
  return (
    <aside className="sidebar">
      <div className="sidebar__brand">
        <span className="sidebar__logo" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="28" height="28">
            <rect width="32" height="32" rx="9" className="sidebar__logo-bg" />
            <circle cx="16" cy="16" r="7" fill="none" stroke="currentColor" strokeWidth="3" />
          </svg>
        </span>
        <span className="sidebar__name">OmniCRM</span>
      </div>

      <nav className="sidebar__nav" aria-label="Main">
        <ul>
          {NAV_ITEMS.map((item) => (
            <li key={item.page}>
              <a
                href={`#/${item.page}`}
                className={page === item.page ? "nav-link is-active" : "nav-link"}
                aria-current={page === item.page ? "page" : undefined}
                title={item.label}
                data-testid={`nav-${item.page}`}
                onClick={(event) => {
                  event.preventDefault();
                  onNavigate(item.page);
                }}
              >
                <Icon name={item.icon} />
                <span className="nav-link__label">{item.label}</span>
                {item.page === "settings" && jobCounts ? <JobsIndicator counts={jobCounts} /> : null}
                <kbd className="nav-link__hint" aria-hidden="true">
                  {item.hint}
                </kbd>
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <div className="sidebar__footer">
        <TeamSyncIndicator state={teamSync} onOpen={onOpenTeamSync ?? (() => onNavigate("settings"))} />
        <Button
          variant="ghost"
          size="sm"
          icon={theme === "dark" ? "sun" : "moon"}
          onClick={onToggleTheme}
          aria-pressed={theme === "dark"}
          className="sidebar__footer-button"
          data-testid="theme-toggle"
        >
          {theme === "dark" ? "Light theme" : "Dark theme"}
        </Button>
        <Button variant="ghost" size="sm" icon="keyboard" onClick={onShowShortcuts} className="sidebar__footer-button">
          Shortcuts <kbd className="kbd kbd--inline">?</kbd>
        </Button>
        {version ? <p className="sidebar__version">Version {version}</p> : null}
      </div>
    </aside>
  );
}
