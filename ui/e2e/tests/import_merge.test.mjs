// End-to-end: import a vCard file through the wizard, check the preview, confirm, find the
// contacts, merge the two that are the same person, then undo the merge.
// Runs after contacts.test.mjs in the same app data dir (ui/e2e/run.sh).
import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FIRST_TIMEOUT,
  TIMEOUT,
  click,
  clickUntil,
  clearInput,
  gone,
  sel,
  startSession,
  stepper,
  visible,
  withText,
} from './helpers.mjs';

// Two cards for one person (same name, same studio, different email and phone) and one other
// person.
const VCARDS = [
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:Jonas Okafor', 'N:Okafor;Jonas;;;', 'ORG:Tidewater Studio',
  'EMAIL;TYPE=WORK:jonas@tidewater.example', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:Jonas Okafor', 'N:Okafor;Jonas;;;',
  'ORG:Tidewater Studio', 'TEL;TYPE=CELL:+44 20 7946 0958', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:4.0', 'FN:Ingrid Halvorsen', 'EMAIL:ingrid@fjord.example', 'END:VCARD',
  '',
].join('\r\n');

let browser;
const step = stepper(() => browser);

describe('import and merge', { concurrency: false }, () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omnicrm-e2e-import-')), 'clients.vcf');
  fs.writeFileSync(file, VCARDS);

  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
  });

  step('1. the import wizard previews a vCard file', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-contacts'), 'the sidebar link nav-contacts', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    const open = await browser.$(sel('import-open'));
    const emptyOpen = await browser.$(sel('empty-import-button'));
    if (await open.isDisplayed().catch(() => false)) {
      await open.click();
    } else {
      await emptyOpen.click();
    }
    const input = await browser.$(sel('import-file-input'));
    await input.waitForExist({ timeout: TIMEOUT, timeoutMsg: 'the import file input' });
    await input.setValue(file);
    await click(browser, 'import-next');
    await visible(browser, sel('import-preview'), 'the import preview');
    const creates = await browser.$(sel('import-count-create'));
    await browser.waitUntil(async () => (await creates.getText()).includes('3'), {
      timeout: TIMEOUT,
      timeoutMsg: `Expected 3 contacts to create, got "${await creates.getText()}"`,
    });
  });

  step('2. confirming imports the contacts and they can be found', async () => {
    await click(browser, 'import-confirm');
    await visible(browser, sel('import-done'), 'the import result');
    await browser.keys('Escape');
    await gone(browser, sel('import-dialog'), 'the import dialog after Escape');
    const search = await visible(browser, sel('contacts-search'), 'the contacts search box');
    await clearInput(browser, search);
    await search.addValue('Okafor');
    const rows = withText('contacts-row', 'Jonas Okafor');
    await visible(browser, rows, 'an imported Jonas Okafor');
    await browser.waitUntil(async () => (await browser.$$(rows)).length === 2, {
      timeout: TIMEOUT,
      timeoutMsg: 'Expected both imported Jonas Okafor cards in the contacts list',
    });
    await clearInput(browser, search);
  });

  step('3. the duplicates page suggests the pair and merges it', async () => {
    await clickUntil(browser, sel('nav-duplicates'), sel('duplicates-page'), 'duplicates-page');
    const suggestion = withText('duplicate-suggestion', 'Okafor');
    await visible(browser, suggestion, 'a duplicate suggestion for the two Okafor cards');
    await (await browser.$(suggestion)).$(sel('duplicate-merge-open')).click();
    await visible(browser, sel('merge-dialog'), 'the merge dialog');
    await click(browser, 'merge-confirm');
    await gone(browser, sel('merge-dialog'), 'the merge dialog after merging');
    await gone(browser, suggestion, 'the merged suggestion');
  });

  step('4. undo brings both contacts back', async () => {
    await click(browser, 'toast-undo-button', 'the undo button in the merge toast');
    await visible(browser, withText('duplicate-suggestion', 'Okafor'), 'the suggestion again after undo');
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    const search = await visible(browser, sel('contacts-search'), 'the contacts search box');
    await clearInput(browser, search);
    await search.addValue('Okafor');
    const rows = withText('contacts-row', 'Okafor');
    await browser.waitUntil(async () => (await browser.$$(rows)).length === 2, {
      timeout: TIMEOUT,
      timeoutMsg: 'Expected two Okafor contacts after undoing the merge',
    });
    assert.equal((await browser.$$(rows)).length, 2);
    await clearInput(browser, search);
  });
});
