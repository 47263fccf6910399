// End-to-end: Cmd-K (Ctrl+K here) searches everything. Runs after contacts.test.mjs in the same
// data dir, where Maya Lindqvist was created: a note is written on her page, then the palette
// finds her by a phrase from that note and opens her.
import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  FIRST_TIMEOUT,
  TIMEOUT,
  click,
  clickUntil,
  gone,
  saveScreenshot,
  sel,
  startSession,
  stepper,
  visible,
  withText,
} from './helpers.mjs';

const NAME = 'Maya Lindqvist';
const PHRASE = 'prefers lavender oil';

let browser;
const step = stepper(() => browser);

describe('palette', { concurrency: false }, () => {
  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
  });

  step('1. a note with a distinctive phrase is written on the contact', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-contacts'), 'the sidebar link nav-contacts', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page');
    const row = withText('contacts-row', NAME);
    await visible(browser, row, `the contacts-row for "${NAME}"`);
    await clickUntil(browser, row, sel('contact-detail'), 'contact-detail after clicking the row');
    const editor = await visible(browser, `${sel('note-editor')} .ProseMirror`, 'the note editor');
    await editor.click();
    // No doubled letters: WebKitWebDriver drops the second of two equal keys in a row.
    await browser.keys(`Notes: ${PHRASE} for her shoulder.`);
    await click(browser, 'note-save-button');
    // The saved note in the timeline (the phrase is in the editor too until the save ends, and
    // an Escape then would rightly ask whether to discard the draft).
    await visible(browser, withText('timeline-item', PHRASE), 'the saved note in the timeline');
    // Escape closes the contact sheet (it covers the sidebar); the palette is then opened from
    // another page, to show it works anywhere.
    await browser.keys(['Escape']);
    await gone(browser, sel('contact-detail'), 'the contact sheet after Escape');
    await clickUntil(browser, sel('nav-dashboard'), sel('dashboard-page'), 'dashboard-page');
  });

  step('2. Ctrl+K finds the contact by the phrase and Enter opens her', async () => {
    await browser.keys(['Control', 'k']);
    const input = await visible(browser, sel('palette-input'), 'the search palette after Ctrl+K');
    await input.addValue('lavender oil');
    const hit = await visible(browser, `${sel('palette-hit')}[data-kind="note"]`, 'a note result for "lavender oil"');
    assert.match(await hit.getText(), /lavender/i);
    await browser.keys(['Enter']);
    await gone(browser, sel('command-palette'), 'the palette after Enter');
    const name = await visible(browser, sel('contact-detail-name'), 'the contact opened from the result');
    await browser.waitUntil(async () => (await name.getText()).includes(NAME), {
      timeout: TIMEOUT,
      timeoutMsg: `Expected contact-detail-name to contain "${NAME}", got "${await name.getText()}"`,
    });
    await saveScreenshot(browser, 'palette-opened-contact.png');
  });
});
