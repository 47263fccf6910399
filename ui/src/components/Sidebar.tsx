import type { Theme } from "../lib/theme";
import { Button } from "./Button";
import { Icon } from "./Icon";

export type Page = "dashboard" | "contacts" | "tasks" | "duplicates" | "settings";

type SidebarProps = {
  page: Page;
  onNavigate: (page: Page) => void;
  theme: Theme;
  onToggleTheme: () => void;
  onShowShortcuts: () => void;
  version: string | null;
};

const NAV_ITEMS: Array<{ page: Page; label: string; icon: "dashboard" | "contacts" | "tasks" | "duplicates" | "settings"; hint: string }> = [
  { page: "dashboard", label: "Dashboard", icon: "dashboard", hint: "g d" },
  { page: "contacts", label: "Contacts", icon: "contacts", hint: "g c" },
  { page: "tasks", label: "Tasks", icon: "tasks", hint: "g t" },
  { page: "duplicates", label: "Duplicates", icon: "duplicates", hint: "g u" },
  { page: "settings", label: "Settings", icon: "settings", hint: "g s" },
];

export function Sidebar({ page, onNavigate, theme, onToggleTheme, onShowShortcuts, version }: SidebarProps) {
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
                data-testid={`nav-${item.page}`}
                onClick={(event) => {
                  event.preventDefault();
                  onNavigate(item.page);
                }}
              >
                <Icon name={item.icon} />
                <span className="nav-link__label">{item.label}</span>
                <kbd className="nav-link__hint" aria-hidden="true">
                  {item.hint}
                </kbd>
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <div className="sidebar__footer">
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
