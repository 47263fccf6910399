import { useEffect, useId, useState } from "react";
import { api, type JobInfo, type JobStatus } from "../../api";
import type { JobsState } from "../../hooks/useJobs";
import { formatDateTime, formatNumber, formatRelative } from "../../lib/format";
import { canCancel, canRetry, isGoogleJob, jobTitle, STATUS_LABELS } from "../../lib/jobs";
import { Button } from "../Button";
import { EmptyState } from "../EmptyState";
import { ProgressBar } from "../ProgressBar";
import { useToasts } from "../Toasts";
import { ErrorAlert } from "../transfer/ErrorAlert";

type Section = { key: string; title: string; statuses: JobStatus[]; hint?: string };

// Dead jobs first: a job that gave up must be the first thing seen here.
const SECTIONS: Section[] = [
  { key: "dead", title: "Failed", statuses: ["dead"], hint: "These jobs ran out of attempts. Retry them once the cause is fixed." },
  { key: "running", title: "Running", statuses: ["running"] },
  { key: "retrying", title: "Retrying", statuses: ["failed"], hint: "The last attempt failed; they run again by themselves." },
  { key: "queued", title: "Waiting", statuses: ["queued"] },
  { key: "finished", title: "Recently finished", statuses: ["succeeded", "canceled"] },
];

/**
 * Whether a Google account is connected: null while unknown (not asked yet, or the question
 * failed), and then nothing is hidden.
 */
function useGoogleConnected(): boolean | null {
  const [connected, setConnected] = useState<boolean | null>(null);
  useEffect(() => {
    let current = true;
    api.googleStatus().then(
      (status) => current && setConnected(status.accounts.length > 0),
      // Not knowing only means nothing is hidden; the Integrations section reports the error.
      () => current && setConnected(null),
    );
    return () => {
      current = false;
    };
  }, []);
  return connected;
}

/**
 * Settings → Activity: background work (imports, backups, clean-ups), live, with retry and
 * cancel. Without a Google account, finished Google jobs (scheduled checks that had nothing to
 * do) are left out: "Sync Gmail · Done" means nothing to someone who never connected Google.
 * Google jobs that failed or still run stay, as the failed-job badge counts them.
 */
export function ActivitySection({ jobs }: { jobs: JobsState }) {
  const { showError, showToast } = useToasts();
  const [acting, setActing] = useState<string | null>(null);
  const googleConnected = useGoogleConnected();

  const act = async (job: JobInfo, action: "retry" | "cancel") => {
    setActing(job.id);
    try {
      const changed = action === "retry" ? await api.retryJob(job.id) : await api.cancelJob(job.id);
      jobs.replace(changed);
      showToast({
        tone: "success",
        message:
          action === "retry"
            ? `${jobTitle(job)} will run again`
            : changed.status === "running"
              ? `${jobTitle(job)} will stop at its next step`
              : `${jobTitle(job)} was canceled`,
      });
    } catch (error) {
      showError(error, action === "retry" ? "Could not retry the job" : "Could not cancel the job");
    } finally {
      setActing(null);
    }
  };

  const list =
    jobs.jobs === null || googleConnected !== false
      ? jobs.jobs
      : jobs.jobs.filter((job) => !(isGoogleJob(job.kind) && (job.status === "succeeded" || job.status === "canceled")));
  return (
    <div className="activity" data-testid="jobs-page">
      <p className="muted">Work OmniCRM does in the background. A failed job stays here until you retry or cancel it.</p>
      <div>
        {jobs.error ? <ErrorAlert error={jobs.error} title="Could not load the jobs" testId="jobs-error" /> : null}
        {list === null ? (
          jobs.error ? null : (
            <p className="muted" aria-busy="true">
              Loading jobs…
            </p>
          )
        ) : list.length === 0 ? (
          <EmptyState icon="check" title="No background work" testId="jobs-empty">
            Imports, automatic backups and clean-ups show up here while they run, and stay here if they fail.
          </EmptyState>
        ) : (
          SECTIONS.map((section) => {
            const members = list.filter((job) => section.statuses.includes(job.status));
            return members.length === 0 ? null : (
              <JobSection key={section.key} section={section} jobs={members} acting={acting} onAct={act} />
            );
          })
        )}
      </div>
    </div>
  );
}

function JobSection({
  section,
  jobs,
  acting,
  onAct,
}: {
  section: Section;
  jobs: JobInfo[];
  acting: string | null;
  onAct: (job: JobInfo, action: "retry" | "cancel") => void;
}) {
  const headingId = useId();
  return (
    <section className={`job-section job-section--${section.key}`} aria-labelledby={headingId} data-testid={`jobs-section-${section.key}`}>
      <h3 className="job-section__title" id={headingId}>
        {section.title} <span className="job-section__count">{formatNumber(jobs.length)}</span>
      </h3>
      {section.hint ? <p className="muted job-section__hint">{section.hint}</p> : null}
      <ul className="job-list">
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} busy={acting === job.id} onAct={onAct} />
        ))}
      </ul>
    </section>
  );
}

function JobRow({ job, busy, onAct }: { job: JobInfo; busy: boolean; onAct: (job: JobInfo, action: "retry" | "cancel") => void }) {
  const title = jobTitle(job);
  return (
    <li className={`job-row card job-row--${job.status}`} data-testid="job-row" data-status={job.status} data-kind={job.kind}>
      <div className="job-row__main">
        <p className="job-row__title">
          <strong>{title}</strong>{" "}
          <span className={`pill job-status job-status--${job.status}`} data-testid="job-status">
            <span className="pill__dot" aria-hidden="true" />
            {job.cancel_requested && job.status === "running" ? "Stopping" : STATUS_LABELS[job.status]}
          </span>
        </p>
        {job.status === "running" ? (
          job.progress_total ? (
            <ProgressBar
              value={job.progress_done}
              max={job.progress_total}
              label={`${title}: ${formatNumber(job.progress_done)} of ${formatNumber(job.progress_total)}`}
            />
          ) : (
            <p className="muted">Working…</p>
          )
        ) : null}
        {job.error && job.status !== "succeeded" ? (
          <p className="job-row__error" data-testid="job-error">
            {job.error}
          </p>
        ) : null}
        <p className="muted job-row__meta">
          {describeTiming(job)}
          {job.attempts > 0 ? ` · attempt ${job.attempts} of ${job.max_attempts}` : ""}
        </p>
      </div>
      <div className="job-row__actions">
        {canRetry(job.status) ? (
          <Button
            variant={job.status === "dead" ? "primary" : "secondary"}
            size="sm"
            icon="undo"
            busy={busy}
            onClick={() => onAct(job, "retry")}
            aria-label={`Retry ${title}`}
            data-testid="job-retry"
          >
            Retry
          </Button>
        ) : null}
        {canCancel(job) ? (
          <Button
            variant="ghost"
            size="sm"
            busy={busy}
            onClick={() => onAct(job, "cancel")}
            aria-label={`Cancel ${title}`}
            data-testid="job-cancel"
          >
            Cancel
          </Button>
        ) : null}
      </div>
    </li>
  );
}

function describeTiming(job: JobInfo): string {
  switch (job.status) {
    case "queued":
    case "running":
      return `Added ${formatRelative(job.created_at)}`;
    case "failed":
      return `Runs again at ${formatDateTime(job.run_at)}`;
    default:
      return `Ended ${formatRelative(job.finished_at ?? job.updated_at)}`;
  }
}
