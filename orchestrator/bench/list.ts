import { performance } from 'node:perf_hooks';
import { BenchClient, expectStatus } from './http.ts';
import type { BenchStack } from './stack.ts';

/**
 * One client (a portal user) pages through every adapter, `pageSize` at a time, following nextCursor
 * to the end. A first pass warms up and is not recorded; then full passes until `passes` are done or
 * the time budget is spent (at least one recorded pass always completes).
 */

export interface ListResult {
  /** Per-page latency in ms, every recorded pass. */
  pages: number[];
  passes: number;
  pagesPerPass: number;
  itemsPerPass: number;
}

export async function pageThroughAdapters(
  stack: BenchStack,
  options: { expected: number; pageSize: number; passes: number; budgetSeconds: number },
): Promise<ListResult> {
  const client = new BenchClient({ maxSockets: 1 });
  const samples: number[] = [];
  const onePass = async (record: boolean) => {
    let cursor: string | null = null;
    let pages = 0;
    let items = 0;
    let last = '';
    do {
      const query: string = `limit=${options.pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply = await client.call('GET', `${stack.api}/adapters?${query}`, stack.tokens.viewer);
      expectStatus(reply, 200, 'list adapters');
      const page = reply.body as { items: Array<{ name: string }>; nextCursor: string | null };
      if (record) samples.push(reply.ms);
      for (const item of page.items) {
        if (item.name <= last) throw new Error(`list adapters: ${item.name} came after ${last}; pages overlap or are out of order`);
        last = item.name;
      }
      items += page.items.length;
      pages++;
      cursor = page.nextCursor;
      if (pages > options.expected / options.pageSize + 2) throw new Error('list adapters: more pages than adapters; the cursor does not advance');
    } while (cursor);
    if (items !== options.expected) throw new Error(`list adapters: a pass saw ${items} adapters, expected ${options.expected}`);
    return pages;
  };
  try {
    const pagesPerPass = await onePass(false);
    const deadline = performance.now() + options.budgetSeconds * 1000;
    let passes = 0;
    do {
      await onePass(true);
      passes++;
    } while (passes < options.passes && performance.now() < deadline);
    return { pages: samples, passes, pagesPerPass, itemsPerPass: options.expected };
  } finally {
    client.close();
  }
}
