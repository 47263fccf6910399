import type { JobInfo } from "../api";
import { AiSection } from "../components/settings/AiSection";
import { BackupsSection } from "../components/settings/BackupsSection";
import { IgnoreListSection } from "../components/settings/IgnoreListSection";
import { IntegrationsSection } from "../components/settings/IntegrationsSection";
import { SemanticSearchSection } from "../components/settings/SemanticSearchSection";
import { TagManager } from "../components/settings/TagManager";
import { DataSection } from "../components/transfer/DataSection";

/** `jobs`: the app's background jobs, for the progress of a Google sync. */
export function SettingsPage({ jobs = null }: { jobs?: JobInfo[] | null }) {
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
