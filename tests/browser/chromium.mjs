// The browser the console tests drive: Debian's chromium, headless (no sandbox: CI runs as root), and a
// page sized so the console's widest view fits.
import puppeteer from 'puppeteer-core';

export function launchChromium() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export async function newConsolePage(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  return page;
}
