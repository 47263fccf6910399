// End-to-end: Settings → Team sync against a real sync server (Postgres + omnicrm-sync).
// Needs E2E_SYNC_SERVER (http://host:port) and E2E_SYNC_TOKEN (a device token of a workspace on
// it); ui/e2e/team-sync.sh starts both and runs this file. Skipped when they are not set.
import { execFileSync } from 'node:child_process';
import { describe, after } from 'node:test';
import {
  FIRST_TIMEOUT,
  TIMEOUT,
  click,
  clickUntil,
  fill,
  gone,
  saveScreenshot,
  sel,
  startSession,
  stepper,
  visible,
} from './helpers.mjs';

const SERVER = process.env.E2E_SYNC_SERVER;
const TOKEN = process.env.E2E_SYNC_TOKEN;
// The other device of the team: the omnicrm CLI over its own data folder.
const CLI = process.env.E2E_CLI_BIN;
const OTHER_DIR = process.env.E2E_OTHER_DEVICE_DIR;
const OTHER_TOKEN = process.env.E2E_OTHER_DEVICE_TOKEN;

function otherDevice(...args) {
  const output = execFileSync(CLI, ['--data-dir', OTHER_DIR, '--json', ...args], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(output);
}

let browser;
const step = stepper(() => browser);

async function textOf(testId) {
  return (await (await browser.$(sel(testId))).getText()).trim();
}

async function waitForText(testId, expected, what, timeout = TIMEOUT) {
  await browser.waitUntil(async () => expected.test(await textOf(testId).catch(() => '')), {
    timeout,
    interval: 200,
    timeoutMsg: `Expected ${what} to match ${expected} within ${timeout / 1000} s, has ${JSON.stringify(await textOf(testId).catch(() => '?'))}`,
  });
}

describe('team sync', { concurrency: false, skip: !SERVER || !TOKEN ? 'E2E_SYNC_SERVER and E2E_SYNC_TOKEN are not set (ui/e2e/team-sync.sh sets them)' : false }, () => {
  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
  });

  step('1. Settings → Team sync explains itself; an empty server address is refused beside the field', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-settings'), 'the sidebar link nav-settings', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-settings'), sel('settings-page'), 'settings-page');
    await visible(browser, `${sel('team-sync-section')}[data-state="disconnected"]`, 'the disconnected Team sync section');
    await visible(browser, sel('team-sync-intro'), 'what team sync does');
    if ((await browser.$$(sel('team-sync-indicator'))).length > 0) throw new Error('The sidebar shows team sync before connecting');
    await fill(browser, 'team-sync-token', TOKEN);
    await click(browser, 'team-sync-connect');
    await visible(browser, sel('field-error-server'), 'the inline error under the server address');
    await waitForText('field-error-server', /server address/i, 'the server address error');
  });

  step('2. connecting says what will be shared and the first sync brings the device in step', async () => {
    await fill(browser, 'team-sync-server', SERVER);
    await fill(browser, 'team-sync-token', TOKEN);
    await click(browser, 'team-sync-connect');
    await visible(browser, sel('team-sync-share-count'), 'the count of records to share', TIMEOUT * 2);
    await waitForText('team-sync-share-count', /records? of this device will be shared; private notes stay on this device/, 'the share count');
    await visible(browser, `${sel('team-sync-state')}[data-state="in-step"]`, 'the in-step state after the first sync', TIMEOUT * 3);
    await waitForText('team-sync-last-synced', /^Last synced /, 'the last synced line');
    await visible(browser, `${sel('team-sync-indicator')}[data-state="in-step"]`, 'the sidebar indicator saying Synced', TIMEOUT * 2);
    await waitForText('team-sync-indicator', /^Synced$/, 'the sidebar indicator');
    await saveScreenshot(browser, 'team-sync-connected.png');
  });

  step('3. the health-details switch is off by default and turns on', async () => {
    const input = await browser.$(sel('team-sync-share-health'));
    if (await input.isSelected()) throw new Error('Health details are shared by default');
    // The input is drawn as a switch (invisible itself): click its label, as a user does.
    const label = await visible(browser, '//label[.//*[@data-testid="team-sync-share-health"]]', 'the health-details switch');
    await label.click();
    await browser.waitUntil(async () => input.isSelected(), {
      timeout: TIMEOUT,
      timeoutMsg: 'Expected the health-details switch to be on',
    });
  });

  step('4. the sidebar indicator opens Team sync from another page', async () => {
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    await clickUntil(browser, sel('team-sync-indicator'), sel('settings-page'), 'settings-page from the indicator');
    await visible(browser, `${sel('team-sync-section')}[data-state="connected"]`, 'the connected Team sync section');
  });

  step('5. a client added and then edited on the other device appears in the open window by itself', async () => {
    if (!CLI || !OTHER_DIR || !OTHER_TOKEN) throw new Error('E2E_CLI_BIN, E2E_OTHER_DEVICE_DIR and E2E_OTHER_DEVICE_TOKEN must be set (ui/e2e/team-sync.sh sets them)');
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    otherDevice('sync', 'connect', '--server', SERVER, '--token', OTHER_TOKEN);
    otherDevice('sync', 'now');
    const added = otherDevice('contacts', 'add', '--name', 'Maya Lindqvist', '--email', 'maya@example.com');
    const id = added.id ?? added.contact?.id;
    if (!id) throw new Error(`The other device did not say the new contact's id: ${JSON.stringify(added)}`);
    otherDevice('sync', 'now');
    // No "Sync now" here: the app hears of it over its open connection.
    const row = await visible(browser, `//*[@data-testid="contacts-row"][contains(., "Maya Lindqvist")]`, 'the contact added on the other device', TIMEOUT * 3);
    await row.click();
    await waitForText('contact-detail-name', /^Maya Lindqvist$/, 'the detail of the contact from the other device');
    otherDevice('contacts', 'edit', id, '--organization', 'Lindqvist Yoga');
    otherDevice('sync', 'now');
    await visible(browser, sel('contact-detail-organization'), 'the organization set on the other device', TIMEOUT * 3);
    await waitForText('contact-detail-organization', /^Lindqvist Yoga$/, 'the organization from the other device', TIMEOUT * 3);
    await saveScreenshot(browser, 'team-sync-edit-from-other-device.png');
    // The detail is a side sheet over the page: close it as a user does.
    await browser.keys('Escape');
    await gone(browser, sel('contact-detail-name'), 'the contact detail');
    await clickUntil(browser, sel('nav-settings'), sel('settings-page'), 'settings-page');
  });

  step('6. disconnecting asks first, then the form is back and the indicator is gone', async () => {
    await click(browser, 'team-sync-disconnect');
    await visible(browser, sel('team-sync-disconnect-confirm-step'), 'the confirm step');
    await waitForText('team-sync-disconnect-confirm-step', /records stay on this device/, 'the confirm step');
    await click(browser, 'team-sync-disconnect-confirm');
    await visible(browser, `${sel('team-sync-section')}[data-state="disconnected"]`, 'the form again after disconnecting');
    await gone(browser, sel('team-sync-indicator'), 'the sidebar indicator', TIMEOUT * 2);
  });
});
