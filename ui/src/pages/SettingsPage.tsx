import { useEffect } from "react";
import type { JobInfo } from "../api";
import { AiSection } from "../components/settings/AiSection";
import { BackupsSection } from "../components/settings/BackupsSection";
import { IgnoreListSection } from "../components/settings/IgnoreListSection";
import { IntegrationsSection } from "../components/settings/IntegrationsSection";
import { KeepInTouchSection } from "../components/settings/KeepInTouchSection";
import { SemanticSearchSection } from "../components/settings/SemanticSearchSection";
import { TagManager } from "../components/settings/TagManager";
import { TeamSyncSection } from "../components/settings/TeamSyncSection";
import { DataSection } from "../components/transfer/DataSection";

/** A section to bring into view (the sidebar's team sync indicator opens Team sync); `nonce` repeats it. */
export type SettingsFocus = { section: "team-sync"; nonce: number };

const SECTION_IDS: Record<SettingsFocus["section"], { section: string; heading: string }> = {
  "team-sync": { section: "settings-team-sync-section", heading: "settings-team-sync" },
};

/**
 * `jobs`: the app's background jobs, for the progress of a Google sync. `focus`: a section to
 * scroll to, whose heading then takes the keyboard focus.
 */
export function SettingsPage({ jobs = null, focus = null }: { jobs?: JobInfo[] | null; focus?: SettingsFocus | null }) {
  useEffect(() => {
    if (!focus) return;
    const ids = SECTION_IDS[focus.section];
    document.getElementById(ids.section)?.scrollIntoView?.({ block: "start" });
    document.getElementById(ids.heading)?.focus({ preventScroll: true });
  }, [focus]);

  return (
    <div className="page settings-page" data-testid="settings-page">
      <header className="page__header">
        <h1 className="page__title">Settings</h1>
      </header>
      <div className="page__content page__content--padded settings">
        <section className="settings__section" aria-labelledby="settings-backups">
          <h2 id="settings-backups" className="section-title">
            Backups
          </h2>
          <BackupsSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-data">
          <h2 id="settings-data" className="section-title">
            Data
          </h2>
          <DataSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-integrations">
          <h2 id="settings-integrations" className="section-title">
            Integrations
          </h2>
          <IntegrationsSection jobs={jobs} />
        </section>
        <section className="settings__section" aria-labelledby="settings-team-sync" id="settings-team-sync-section">
          <h2 id="settings-team-sync" className="section-title" tabIndex={-1}>
            Team sync
          </h2>
          <TeamSyncSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-ai" id="settings-ai-section">
          <h2 id="settings-ai" className="section-title">
            AI assistant
          </h2>
          <AiSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-semantic-search">
          <h2 id="settings-semantic-search" className="section-title">
            Semantic search
          </h2>
          <SemanticSearchSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-tags">
          <h2 id="settings-tags" className="section-title">
            Tags
          </h2>
          <TagManager />
        </section>
        <section className="settings__section" aria-labelledby="settings-keep-in-touch" id="settings-keep-in-touch-section">
          <h2 id="settings-keep-in-touch" className="section-title">
            Keep in touch
          </h2>
          <KeepInTouchSection />
        </section>
        <section className="settings__section" aria-labelledby="settings-ignore">
          <h2 id="settings-ignore" className="section-title">
            Ignore list
          </h2>
          <p className="muted">Email addresses matching these patterns are never turned into contacts.</p>
          <IgnoreListSection />
        </section>
      </div>
    </div>
  );
}
