/**
 * `npm run bench` (last step): the portal's adapters page in headless Chromium with 10,000 adapters, next
 * to the same page with 100 adapters, in one run.
 *
 * Each size gets its own real stack (PostgreSQL database, development IdP, orchestrator, BFF serving a
 * production build). The adapters are created through the domain, a batch per transaction. A viewer
 * signs in once per stack; then, alternating between the stacks, each run measures in the page
 * (performance.now(), so no DevTools round trip is counted):
 *
 *   - first page: from navigation start (a fresh page load of /adapters) to the table showing its 50 rows;
 *   - next page: from the click on "Next page" to the table showing rows 51–100;
 *   - search: from submitting "Name contains" (Enter, skipping the 300 ms as-you-type pause) to the
 *     table showing only the 10 matching rows.
 *
 * One warm-up run per stack is not counted. Loopback only; the whole run is stopped after a few minutes.
 */
import { rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { formatCount, formatMs, markdownTable, percentile } from '../../orchestrator/bench/stats.ts';
import { buildConsole, CHROMIUM, haveChromium, launchChromium } from '../test/support/chromium.ts';
import { startPortalStack, type PortalStack } from '../test/support/stack.ts';
import { adapterName, seedAdapters } from './seed.ts';

const SIZES = [100, 10_000] as const;
const RUNS = 9;
const PAGE_ROWS = 50;
/** Matches bench-00040 … bench-00049 in both sizes. */
const SEARCH = '-0004';
const WATCHDOG_SECONDS = 600;

interface Samples {
  firstPage: number[];
  nextPage: number[];
  search: number[];
}

interface Subject {
  size: number;
  stack: PortalStack;
  page: Page;
  seedSeconds: number;
  samples: Samples;
}

const log = (line: string) => console.error(line);

/** Resolves in the page, with performance.now(), once `condition` (a JS expression) holds; checked every frame. */
const whenInPage = (condition: string) => `new Promise((resolve, reject) => {
  const deadline = performance.now() + 30000;
  const check = () => {
    if (${condition}) return resolve(performance.now());
    if (performance.now() > deadline) return reject(new Error('timed out waiting for: ' + ${JSON.stringify(condition)}));
    requestAnimationFrame(check);
  };
  check();
})`;

const names = `[...document.querySelectorAll('tbody th')].map((th) => th.textContent)`;
const pager = `(document.querySelector('nav[aria-label="Pages"]')?.textContent ?? '')`;
const showsRows = (first: string, count: number) => `(${names}).length === ${count} && (${names})[0] === ${JSON.stringify(first)} && !${pager}.includes('loading')`;

async function signIn(browser: Browser, portal: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${portal}/adapters`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill('viewer');
  await page.getByLabel('Password').fill('viewer');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${portal}/adapters`);
  return page;
}

async function measure(subject: Subject, record: boolean): Promise<void> {
  const { page, stack, samples } = subject;
  // A fresh load: performance.now() in the new document counts from its navigation start.
  await page.goto(`${stack.portal}/adapters`, { waitUntil: 'commit' });
  const firstPage = await page.evaluate<number>(whenInPage(showsRows(adapterName(1), PAGE_ROWS)));

  const nextPage = await page.evaluate<number>(`(() => {
    const started = performance.now();
    [...document.querySelectorAll('button')].find((b) => b.textContent === 'Next page').click();
    return ${whenInPage(showsRows(adapterName(PAGE_ROWS + 1), PAGE_ROWS))}.then((at) => at - started);
  })()`);

  await page.getByLabel('Name contains').fill(SEARCH);
  const search = await page.evaluate<number>(`(() => {
    const started = performance.now();
    document.querySelector('form[role="search"]').requestSubmit();
    return ${whenInPage(showsRows(adapterName(40), 10))}.then((at) => at - started);
  })()`);

  if (!record) return;
  samples.firstPage.push(firstPage);
  samples.nextPage.push(nextPage);
  samples.search.push(search);
}

function report(subjects: Subject[]): string {
  const cell = (values: number[]) => `${formatMs(percentile(values, 50))} / ${formatMs(percentile(values, 99))}`;
  const row = (measure: string, pick: (s: Samples) => number[]) => [measure, ...subjects.map((s) => cell(pick(s.samples)))];
  return markdownTable(
    ['adapters page in Chromium, p50 / p99 ms', ...subjects.map((s) => `${formatCount(s.size)} adapters`)],
    [
      row(`navigation → first page of ${PAGE_ROWS} rows shown`, (s) => s.firstPage),
      row('"Next page" → rows 51–100 shown', (s) => s.nextPage),
      row(`search "${SEARCH}" submitted → 10 matching rows shown`, (s) => s.search),
    ],
  );
}

async function main(): Promise<void> {
  if (!haveChromium) {
    log(`portal bench skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
    return;
  }
  const subjects: Subject[] = [];
  const stacks: PortalStack[] = [];
  let browser: Browser | undefined;
  let distDir: string | undefined;
  const cleanup = async () => {
    await browser?.close().catch(() => undefined);
    await Promise.all(stacks.map((stack) => stack.stop().catch(() => undefined)));
    if (distDir) await rm(distDir, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    log(`the portal bench ran longer than ${WATCHDOG_SECONDS} s: stopping`);
    void cleanup().finally(() => process.exit(1));
  }, WATCHDOG_SECONDS * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }

  try {
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    log(`Crosswire portal benchmark on ${machine}: building the console…`);
    distDir = await buildConsole();
    browser = await launchChromium();
    for (const size of SIZES) {
      const stack = await startPortalStack({ staticDir: distDir, adapters: 0 });
      stacks.push(stack);
      log(`${formatCount(size)} adapters: creating them through the domain…`);
      const seedSeconds = await seedAdapters(stack, size);
      log(`  created in ${seedSeconds.toFixed(1)} s`);
      subjects.push({ size, stack, page: await signIn(browser, stack.portal), seedSeconds, samples: { firstPage: [], nextPage: [], search: [] } });
    }
    log(`measuring: 1 warm-up and ${RUNS} runs per size, alternating…`);
    for (let run = 0; run <= RUNS; run++) {
      for (const subject of subjects) await measure(subject, run > 0);
    }
    clearTimeout(watchdog);

    console.log('');
    console.log(report(subjects));
    console.log('');
    console.log(
      `Machine: ${machine}. Debian Chromium ${browser.version()} headless through playwright-core, one tab per size; the stacks (PostgreSQL, ` +
        `development IdP, orchestrator, BFF) and the browser on this machine over loopback. ${RUNS} runs per size after one warm-up, alternating ` +
        `between sizes; p99 of ${RUNS} runs is their slowest. Timed in the page with performance.now(). Adapters created through createAdapterIn ` +
        `(validation, revision, lease slot, event, audit record), ${subjects.map((s) => `${formatCount(s.size)} in ${s.seedSeconds.toFixed(1)} s`).join(', ')}.`,
    );
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
