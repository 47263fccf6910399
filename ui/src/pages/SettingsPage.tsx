import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { AccessLogSection } from "../components/settings/AccessLogSection";
import { ActivitySection } from "../components/settings/ActivitySection";
import { AiSection } from "../components/settings/AiSection";
import { BackupsSection } from "../components/settings/BackupsSection";
import { IgnoreListSection } from "../components/settings/IgnoreListSection";
import { IntegrationsSection } from "../components/settings/IntegrationsSection";
import { KeepInTouchSection } from "../components/settings/KeepInTouchSection";
import { PrivacySection } from "../components/settings/PrivacySection";
import { SemanticSearchSection } from "../components/settings/SemanticSearchSection";
import { TagManager } from "../components/settings/TagManager";
import { TeamSyncSection } from "../components/settings/TeamSyncSection";
import { DataSection } from "../components/transfer/DataSection";
import type { JobsState } from "../hooks/useJobs";

export type SettingsSectionId =
  | "backups"
  | "privacy"
  | "data"
  | "access-log"
  | "integrations"
  | "team-sync"
  | "ai"
  | "semantic-search"
  | "tags"
  | "keep-in-touch"
  | "ignore"
  | "activity";

/** A section to bring into view (the sidebar's team sync indicator opens Team sync); `nonce` repeats it. */
export type SettingsFocus = { section: SettingsSectionId; nonce: number };

/** The sections in page order, with the names the side list shows. */
export const SETTINGS_SECTIONS: ReadonlyArray<{ id: SettingsSectionId; title: string }> = [
  { id: "backups", title: "Backups" },
  { id: "privacy", title: "Privacy" },
  { id: "data", title: "Data" },
  { id: "access-log", title: "Access log" },
  { id: "integrations", title: "Integrations" },
  { id: "team-sync", title: "Team sync" },
  { id: "ai", title: "AI assistant" },
  { id: "semantic-search", title: "Semantic search" },
  { id: "tags", title: "Tags" },
  { id: "keep-in-touch", title: "Keep in touch" },
  { id: "ignore", title: "Ignore list" },
  { id: "activity", title: "Activity" },
];

export function isSettingsSection(value: string): value is SettingsSectionId {
  return SETTINGS_SECTIONS.some((section) => section.id === value);
}

// Element ids: the heading ids are what the sections were labelled by before the side list came.
const sectionElementId = (id: SettingsSectionId) => `settings-${id}-section`;
const headingElementId = (id: SettingsSectionId) => `settings-${id}`;

/**
 * Settings, with a side list of its sections: choosing one scrolls it into view and moves the
 * keyboard focus to its heading; the list marks the section in view (aria-current).
 *
 * `jobs`: the app's background jobs, for Activity and for the progress of a Google sync.
 * `focus`: a section to open, e.g. Team sync from the sidebar or Activity from `g j`.
 */
export function SettingsPage({ jobs = null, focus = null }: { jobs?: JobsState | null; focus?: SettingsFocus | null }) {
  const [current, setCurrent] = useState<SettingsSectionId>(focus?.section ?? "backups");
  const scrollRef = useRef<HTMLDivElement>(null);
  // While a chosen section scrolls into view, the scroll handler must not mark the ones passed.
  const chosenAt = useRef(0);

  const open = useCallback((id: SettingsSectionId) => {
    chosenAt.current = Date.now();
    setCurrent(id);
    document.getElementById(sectionElementId(id))?.scrollIntoView?.({ block: "start" });
    document.getElementById(headingElementId(id))?.focus({ preventScroll: true });
    if (window.location.hash !== `#/settings/${id}`) window.history.replaceState(null, "", `#/settings/${id}`);
  }, []);

  useEffect(() => {
    if (focus) open(focus.section);
  }, [focus, open]);

  // Marks the last section whose top has scrolled past the top third of the view.
  const onScroll = () => {
    const container = scrollRef.current;
    if (!container || Date.now() - chosenAt.current < 800) return;
    const limit = container.getBoundingClientRect().top + container.clientHeight / 3;
    let inView: SettingsSectionId = SETTINGS_SECTIONS[0].id;
    for (const section of shown) {
      const element = document.getElementById(sectionElementId(section.id));
      if (element && element.getBoundingClientRect().top <= limit) inView = section.id;
    }
    setCurrent(inView);
  };

  const shown = SETTINGS_SECTIONS.filter((item) => item.id !== "activity" || jobs !== null);

  const section = (id: SettingsSectionId, body: ReactNode, intro?: ReactNode) => {
    const title = SETTINGS_SECTIONS.find((item) => item.id === id)?.title ?? id;
    return (
      <section className="settings__section" aria-labelledby={headingElementId(id)} id={sectionElementId(id)}>
        <h2 id={headingElementId(id)} className="section-title" tabIndex={-1}>
          {title}
        </h2>
        {intro}
        {body}
      </section>
    );
  };

  return (
    <div className="page settings-page" data-testid="settings-page">
      <header className="page__header">
        <h1 className="page__title">Settings</h1>
      </header>
      <div className="page__content settings-layout">
        <nav className="settings-nav" aria-label="Settings sections" data-testid="settings-nav">
          <ul>
            {shown.map((item) => (
              <li key={item.id}>
                <a
                  href={`#/settings/${item.id}`}
                  className={current === item.id ? "settings-nav__link is-active" : "settings-nav__link"}
                  aria-current={current === item.id ? "true" : undefined}
                  data-testid={`settings-nav-${item.id}`}
                  onClick={(event) => {
                    event.preventDefault();
                    open(item.id);
                  }}
                >
                  {item.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="settings settings-layout__scroll" ref={scrollRef} onScroll={onScroll}>
          {section("backups", <BackupsSection />)}
          {section("privacy", <PrivacySection />)}
          {section("data", <DataSection />)}
          {section("access-log", <AccessLogSection />)}
          {section("integrations", <IntegrationsSection jobs={jobs?.jobs ?? null} />)}
          {section("team-sync", <TeamSyncSection />)}
          {section("ai", <AiSection />)}
          {section("semantic-search", <SemanticSearchSection />)}
          {section("tags", <TagManager />)}
          {section("keep-in-touch", <KeepInTouchSection />)}
          {section(
            "ignore",
            <IgnoreListSection />,
            <p className="muted">Email addresses matching these patterns are never turned into contacts.</p>,
          )}
          {jobs ? section("activity", <ActivitySection jobs={jobs} />) : null}
        </div>
      </div>
    </div>
  );
}
