import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { JobInfo } from "../../api";
import { useJobs } from "../../hooks/useJobs";
import { eventBus } from "../../test/eventBus";
import { jobChange, jobFixture, jobsFrom } from "../../test/fixtures";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ActivitySection } from "./ActivitySection";

function Harness() {
  const jobs = useJobs();
  return <ActivitySection jobs={jobs} />;
}

function renderPage() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <Harness />
    </ToastProvider>,
  );
  return { user };
}

const deadBackup = jobFixture("dead-1", {
  status: "dead",
  attempts: 3,
  error: "could not create the backups folder: permission denied",
  updated_at: "2026-11-22T08:00:00.000Z",
  finished_at: "2026-11-22T08:00:00.000Z",
});
const runningImport = jobFixture("run-1", {
  kind: "import.apply",
  subject: "clients.vcf",
  status: "running",
  attempts: 1,
  progress_done: 25,
  progress_total: 100,
  updated_at: "2026-11-22T09:00:00.000Z",
});
const waitingPurge = jobFixture("queued-1", { kind: "jobs.purge", updated_at: "2026-11-22T07:00:00.000Z" });

async function waitForListening() {
  await waitFor(() => expect(eventBus.count("job-changed")).toBeGreaterThan(0));
}

describe("ActivitySection (Settings → Activity)", () => {
  it("says so when there are no jobs", async () => {
    mockCommands({ jobs_list: () => [] });
    renderPage();
    expect((await screen.findByTestId("jobs-empty")).textContent).toContain("No background work");
    expect(callsTo("jobs_list").map((call) => call.statuses)).toEqual([
      ["running", "queued", "failed", "dead"],
      ["succeeded", "canceled"],
    ]);
  });

  it("shows failed jobs first with their error, then running ones with progress, then waiting ones", async () => {
    const jobs = [runningImport, waitingPurge, deadBackup];
    mockCommands({ jobs_list: jobsFrom(() => jobs) });
    renderPage();
    const dead = await screen.findByTestId("jobs-section-dead");
    const sections = within(screen.getByTestId("jobs-page")).getAllByRole("region");
    expect(sections.map((section) => section.getAttribute("data-testid"))).toEqual([
      "jobs-section-dead",
      "jobs-section-running",
      "jobs-section-queued",
    ]);
    expect(within(dead).getByRole("heading", { name: /Failed/ })).toBeTruthy();
    expect(within(dead).getByTestId("job-error").textContent).toContain("permission denied");
    expect(within(dead).getByTestId("job-row").textContent).toContain("attempt 3 of 3");
    expect(within(dead).getByRole("button", { name: "Retry Automatic backup" })).toBeTruthy();

    const running = screen.getByTestId("jobs-section-running");
    const bar = within(running).getByRole("progressbar", { name: "Import contacts: clients.vcf: 25 of 100" });
    expect(bar.getAttribute("aria-valuenow")).toBe("25");
    expect(within(running).queryByTestId("job-retry")).toBeNull();
    expect(within(screen.getByTestId("jobs-section-queued")).getByRole("button", { name: "Cancel Clean up finished jobs" })).toBeTruthy();
  });

  it("follows live progress and moves a job that gives up to the failed section", async () => {
    mockCommands({ jobs_list: jobsFrom(() => [runningImport]) });
    renderPage();
    await screen.findByTestId("jobs-section-running");
    await waitForListening();

    act(() =>
      eventBus.emit("job-changed", {
        ...jobChange(runningImport),
        progress_done: 80,
        updated_at: "2026-11-22T09:00:01.000Z",
      }),
    );
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("80");

    act(() =>
      eventBus.emit("job-changed", {
        ...jobChange(runningImport),
        status: "dead",
        attempts: 3,
        error: "disk full",
        updated_at: "2026-11-22T09:00:02.000Z",
      }),
    );
    const dead = screen.getByTestId("jobs-section-dead");
    expect(within(dead).getByTestId("job-row").getAttribute("data-status")).toBe("dead");
    expect(within(dead).getByTestId("job-error").textContent).toBe("disk full");
    expect(screen.queryByTestId("jobs-section-running")).toBeNull();
  });

  it("reloads when a job it has not seen changes", async () => {
    let jobs: JobInfo[] = [];
    mockCommands({ jobs_list: jobsFrom(() => jobs) });
    renderPage();
    await screen.findByTestId("jobs-empty");
    await waitForListening();
    jobs = [runningImport];
    act(() => eventBus.emit("job-changed", jobChange(runningImport)));
    expect(await screen.findByTestId("jobs-section-running")).toBeTruthy();
    expect(callsTo("jobs_list").length).toBe(4);
  });

  it("retries a dead job and cancels a waiting one", async () => {
    mockCommands({
      jobs_list: jobsFrom(() => [deadBackup, waitingPurge]),
      jobs_retry: ({ id }) => ({ ...deadBackup, id: id as string, status: "queued", attempts: 0, error: null, updated_at: "2026-11-22T09:30:00.000Z" }),
      jobs_cancel: ({ id }) => ({ ...waitingPurge, id: id as string, status: "canceled", updated_at: "2026-11-22T09:31:00.000Z" }),
    });
    const { user } = renderPage();
    const dead = await screen.findByTestId("jobs-section-dead");
    await user.click(within(dead).getByTestId("job-retry"));
    await waitFor(() => expect(screen.queryByTestId("jobs-section-dead")).toBeNull());
    expect(callsTo("jobs_retry")).toEqual([{ id: "dead-1" }]);
    expect(await screen.findByText("Automatic backup will run again")).toBeTruthy();
    const waiting = within(screen.getByTestId("jobs-section-queued")).getAllByTestId("job-row");
    expect(waiting.map((row) => row.getAttribute("data-kind"))).toEqual(["backup.create", "jobs.purge"]);

    await user.click(within(waiting[1]).getByTestId("job-cancel"));
    const finished = await screen.findByTestId("jobs-section-finished");
    expect(within(finished).getByTestId("job-row").getAttribute("data-status")).toBe("canceled");
    expect(callsTo("jobs_cancel")).toEqual([{ id: "queued-1" }]);
  });

  it("shows a refused action as an error and keeps the job as it was", async () => {
    mockCommands({
      jobs_list: jobsFrom(() => [waitingPurge]),
      jobs_cancel: () => {
        throw appError("conflict", "the job has already succeeded");
      },
    });
    const { user } = renderPage();
    await user.click(await screen.findByTestId("job-cancel"));
    expect(await screen.findByText("Could not cancel the job: the job has already succeeded")).toBeTruthy();
    expect(screen.getByTestId("job-row").getAttribute("data-status")).toBe("queued");
  });

  it("shows why the jobs could not be loaded", async () => {
    mockCommands({
      jobs_list: () => {
        throw appError("database", "database is locked");
      },
    });
    renderPage();
    expect((await screen.findByTestId("jobs-error")).textContent).toContain("database is locked");
  });

  it("leaves out finished Google jobs when no Google account is connected, but keeps a failed one", async () => {
    const googleDone = jobFixture("g-1", { kind: "google.sync.scheduled", status: "succeeded", attempts: 1, updated_at: "2026-11-22T08:30:00.000Z", finished_at: "2026-11-22T08:30:00.000Z" });
    const googleDead = jobFixture("g-2", { kind: "google.gmail.sync", status: "dead", attempts: 3, error: "no account", updated_at: "2026-11-22T08:40:00.000Z" });
    const backupDone = jobFixture("b-1", { status: "succeeded", attempts: 1, updated_at: "2026-11-22T08:50:00.000Z", finished_at: "2026-11-22T08:50:00.000Z" });
    let accounts: unknown[] = [];
    mockCommands({
      jobs_list: jobsFrom(() => [googleDone, googleDead, backupDone]),
      google_status: () => ({ accounts, token_storage: { backend: "keyring", notice: null, keyring: { status: "available" } } }),
    });
    renderPage();
    const finished = await screen.findByTestId("jobs-section-finished");
    await waitFor(() => expect(within(finished).getAllByTestId("job-row").map((row) => row.dataset.kind)).toEqual(["backup.create"]));
    expect(within(screen.getByTestId("jobs-section-dead")).getByTestId("job-row").dataset.kind).toBe("google.gmail.sync");
    expect(screen.getByTestId("jobs-page").textContent).not.toContain("Check Google for new mail and events");
    cleanup();

    accounts = [{ id: "acc-1" }];
    renderPage();
    const shown = await screen.findByTestId("jobs-section-finished");
    await waitFor(() => expect(callsTo("google_status").length).toBe(2));
    await waitFor(() =>
      expect(within(shown).getAllByTestId("job-row").map((row) => row.dataset.kind)).toEqual(["backup.create", "google.sync.scheduled"]),
    );
  });
});
