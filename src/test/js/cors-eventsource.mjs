// Opens PAGE_URL in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and,
// from that page, reads STREAM_URL (another origin) with a browser EventSource, as a chat page would.
// Prints one line:
//   DATA <d1>|<d2>|...          every message until [DONE], after which the page closed the EventSource
//   ERROR <messages so far>     the EventSource failed (a CORS refusal looks like this), then CONSOLE lines
// With KEY, the page POSTs a JSON stream request with fetch and Authorization: Bearer KEY instead (a
// request the browser preflights), and prints FETCH <status> <body>, or ERROR <reason>.
// usage: node cors-eventsource.mjs PAGE_URL STREAM_URL [KEY]
import { chromium } from 'playwright-core';

const [pageUrl, streamUrl, key] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  // without the background-networking flags Chromium keeps trying to reach Google on a closed network
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const console_ = [];
  page.on('console', (message) => console_.push(message.text()));
  await page.goto(pageUrl);
  const outcome = key ? await page.evaluate(async ([url, key]) => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + key },
        body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
      });
      return 'FETCH ' + response.status + ' ' + (await response.text()).replace(/\s+/g, ' ');
    } catch (e) {
      return 'ERROR ' + e.message;
    }
  }, [streamUrl, key]) : await page.evaluate((url) => new Promise((resolve) => {
    const got = [];
    const source = new EventSource(url);
    source.onmessage = (event) => {
      got.push(event.data);
      if (event.data === '[DONE]') {
        source.close(); // or the browser reconnects after `retry` and repeats the request
        resolve('DATA ' + got.join('|'));
      }
    };
    source.onerror = () => {
      source.close();
      resolve('ERROR ' + got.join('|'));
    };
  }), streamUrl);
  console.log(outcome);
  for (const line of console_) console.log('CONSOLE ' + line.replace(/\s+/g, ' '));
} finally {
  await browser.close();
}
