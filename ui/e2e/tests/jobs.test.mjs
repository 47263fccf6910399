// End-to-end: Settings → Activity (the former Jobs page; g j opens it) shows the background
// work of the real app. Runs after import_merge.test.mjs in the same data dir: the import applied
// there was a durable job, and the start-up scheduler enqueued the automatic backup and the
// clean-up, which the runner ran.
import { describe, after } from 'node:test';
import {
  FIRST_TIMEOUT,
  TIMEOUT,
  clickUntil,
  saveScreenshot,
  sel,
  startSession,
  stepper,
  visible,
} from './helpers.mjs';

let browser;
const step = stepper(() => browser);

const finished = (kind) =>
  `${sel('jobs-section-finished')} [data-testid="job-row"][data-kind="${kind}"][data-status="succeeded"]`;

describe('jobs', { concurrency: false }, () => {
  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
  });

  step('1. g j opens Settings → Activity with the finished import, backup and clean-up', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-settings'), 'the sidebar link nav-settings', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    await browser.keys(['g', 'j']);
    await visible(browser, sel('jobs-page'), 'Settings → Activity (jobs-page) after g j');
    await visible(browser, finished('import.apply'), 'the import job of the previous test, succeeded');
    await visible(browser, finished('backup.create'), 'the scheduled backup job, succeeded', TIMEOUT * 2);
    await visible(browser, finished('jobs.purge'), 'the scheduled clean-up job, succeeded');
    const failed = await browser.$$(sel('jobs-section-dead'));
    if (failed.length > 0) throw new Error(`A job failed: ${await failed[0].getText()}`);
    const indicator = await browser.$$(`${sel('jobs-indicator')}[data-state="failed"]`);
    if (indicator.length > 0) throw new Error('The sidebar says a job failed');
    await saveScreenshot(browser, 'jobs-page.png');
  });
});
