import type { DemoProgress } from "../../api";
import { Button } from "../Button";
import { EmptyState } from "../EmptyState";
import { ProgressBar } from "../ProgressBar";

type ContactsEmptyStateProps = {
  onCreate: () => void;
  onLoadDemo: () => void;
  onImport: () => void;
  demoProgress: DemoProgress | null;
  demoRunning: boolean;
};

export function ContactsEmptyState({ onCreate, onLoadDemo, onImport, demoProgress, demoRunning }: ContactsEmptyStateProps) {
  return (
    <EmptyState
      icon="contacts"
      title="Your practice starts here"
      testId="contacts-empty"
      actions={
        <>
          <Button variant="primary" icon="plus" onClick={onCreate} disabled={demoRunning} data-testid="empty-create-button">
            Create contact
          </Button>
          <Button icon="upload" onClick={onImport} disabled={demoRunning} data-testid="empty-import-button">
            Import contacts
          </Button>
          <Button icon="sparkles" onClick={onLoadDemo} busy={demoRunning} data-testid="demo-data-button">
            Load demo data
          </Button>
        </>
      }
    >
      <p>
        Add the people you work with — clients, prospects and referral partners — and keep their details, stage and
        notes in one calm place. Everything stays on this computer.
      </p>
      <p className="muted">Want to look around first? Load a set of sample contacts; you can delete them any time.</p>
      {demoRunning || demoProgress ? (
        <div className="empty-state__progress">
          <ProgressBar
            value={demoProgress?.done ?? 0}
            max={demoProgress?.total ?? 1}
            label={demoProgress ? `Creating demo contacts (${demoProgress.done} of ${demoProgress.total})` : "Preparing demo data…"}
          />
        </div>
      ) : null}
    </EmptyState>
  );
}
