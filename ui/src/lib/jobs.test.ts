import { describe, expect, it } from "vitest";
import { jobChange, jobFixture } from "../test/fixtures";
import { applyJobChange, canCancel, canRetry, countJobs, jobTitle } from "./jobs";

describe("jobs", () => {
  it("names jobs by kind and subject, and shows unknown kinds as they are", () => {
    expect(jobTitle({ kind: "import.apply", subject: "clients.vcf" })).toBe("Import contacts: clients.vcf");
    expect(jobTitle({ kind: "backup.create", subject: null })).toBe("Automatic backup");
    expect(jobTitle({ kind: "gmail.sync", subject: null })).toBe("gmail.sync");
  });

  it("applies progress and the end of a job to the list", () => {
    const running = jobFixture("a", { status: "running", attempts: 1 });
    const other = jobFixture("b");
    const progressed = applyJobChange([running, other], {
      ...jobChange(running),
      progress_done: 40,
      progress_total: 100,
      updated_at: "2026-11-22T09:00:01.000Z",
    });
    expect(progressed.known).toBe(true);
    expect(progressed.jobs[0]).toMatchObject({ progress_done: 40, progress_total: 100 });
    expect(progressed.jobs[1]).toBe(other);

    const done = applyJobChange(progressed.jobs, {
      ...jobChange(progressed.jobs[0]),
      status: "succeeded",
      updated_at: "2026-11-22T09:00:02.000Z",
    });
    expect(done.jobs[0]).toMatchObject({ status: "succeeded", finished_at: "2026-11-22T09:00:02.000Z" });
  });

  it("ignores a change older than what the list holds, and reports jobs it does not know", () => {
    const done = jobFixture("a", { status: "succeeded", updated_at: "2026-11-22T09:00:05.000Z" });
    const late = applyJobChange([done], { ...jobChange(done), status: "running", updated_at: "2026-11-22T09:00:04.000Z" });
    expect(late.jobs[0].status).toBe("succeeded");
    expect(applyJobChange([done], jobChange(jobFixture("new"))).known).toBe(false);
  });

  it("counts jobs by status and says which can be retried or canceled", () => {
    const counts = countJobs([
      jobFixture("a", { status: "dead" }),
      jobFixture("b", { status: "dead" }),
      jobFixture("c", { status: "running" }),
    ]);
    expect(counts).toMatchObject({ dead: 2, running: 1, queued: 0 });
    expect(canRetry("dead")).toBe(true);
    expect(canRetry("running")).toBe(false);
    expect(canCancel({ status: "running", cancel_requested: false })).toBe(true);
    expect(canCancel({ status: "running", cancel_requested: true })).toBe(false);
    expect(canCancel({ status: "succeeded", cancel_requested: false })).toBe(false);
  });
});
