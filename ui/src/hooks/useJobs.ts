import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, onJobChanged, type AppError, type JobChanged, type JobInfo, toAppError } from "../api";
import { ACTIVE_STATUSES, applyJobChange, byNewest, countJobs, FINISHED_STATUSES, type JobCounts } from "../lib/jobs";
import { useEventSubscription } from "./useEventSubscription";

/** Waiting, running, failed and dead jobs: all of them (a dead job must never drop off). */
export const ACTIVE_LIMIT = 500;
/** Finished jobs shown under "Recently finished". */
export const FINISHED_LIMIT = 20;

export type JobsState = {
  /** Null until the first load. */
  jobs: JobInfo[] | null;
  counts: JobCounts;
  error: AppError | null;
  reload: () => void;
  /** Puts a job the UI changed itself (retry, cancel) into the list at once. */
  replace: (job: JobInfo) => void;
};

/**
 * The app's background jobs, kept current by `JobChanged` events. One instance lives in the
 * app shell and feeds both the sidebar indicator and the Jobs page.
 */
export function useJobs(): JobsState {
  const [jobs, setJobsState] = useState<JobInfo[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  // The list as of the last change, for event handlers that must know it synchronously.
  const current = useRef<JobInfo[] | null>(null);
  const setJobs = useCallback((next: JobInfo[]) => {
    current.current = next;
    setJobsState(next);
  }, []);
  const loading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const reload = useCallback(() => {
    // One load at a time; a reload asked for meanwhile runs once after it.
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = Promise.all([api.listJobs(ACTIVE_STATUSES, ACTIVE_LIMIT), api.listJobs(FINISHED_STATUSES, FINISHED_LIMIT)])
      .then(
        ([active, finished]) => {
          setJobs([...active, ...finished].sort(byNewest));
          setError(null);
        },
        (caught: unknown) => setError(toAppError(caught)),
      )
      .finally(() => {
        loading.current = null;
        if (again.current) {
          again.current = false;
          reload();
        }
      });
  }, [setJobs]);

  useEffect(reload, [reload]);

  const onChange = useCallback(
    (change: JobChanged) => {
      if (current.current === null) return;
      const applied = applyJobChange(current.current, change);
      if (applied.known) setJobs(applied.jobs);
      else reload();
    },
    [reload, setJobs],
  );
  useEventSubscription(onJobChanged, onChange);

  const replace = useCallback(
    (job: JobInfo) => {
      const list = current.current ?? [];
      setJobs([job, ...list.filter((item) => item.id !== job.id)].sort(byNewest));
    },
    [setJobs],
  );

  const counts = useMemo(() => countJobs(jobs ?? []), [jobs]);
  return { jobs, counts, error, reload, replace };
}
