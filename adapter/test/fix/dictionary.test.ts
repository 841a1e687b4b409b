import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDictionary, loadDictionaryFile } from '../../src/fix/dictionary/load-dictionary.ts';
import { readXml } from '../../src/fix/dictionary/xml-reader.ts';
import { JSPUREFIX_DATA, SHARED_SPEC, hasSharedSpec } from './helpers.ts';

describe('xml reader', () => {
  it('reads elements, attributes and entities', () => {
    const root = readXml(`<?xml version="1.0"?><!-- c --><fix a='1' b="x &amp; &lt;y&gt; &#65;"><f/><g><h /></g></fix>`);
    expect(root.name).toBe('fix');
    expect(root.attributes).toEqual({ a: '1', b: 'x & <y> A' });
    expect(root.children.map((c) => c.name)).toEqual(['f', 'g']);
    expect(root.children[1]!.children[0]!.name).toBe('h');
  });

  it('refuses DOCTYPE, entity declarations and unknown entities', () => {
    expect(() => readXml('<!DOCTYPE fix [<!ENTITY a "b">]><fix/>')).toThrow(/DOCTYPE/);
    expect(() => readXml('<fix a="&xxe;"/>')).toThrow(/unknown entity/);
  });

  it('refuses malformed documents and deep nesting', () => {
    expect(() => readXml('<fix><a></fix>')).toThrow();
    expect(() => readXml('<fix>')).toThrow(/unclosed/);
    expect(() => readXml('<a/><b/>')).toThrow(/more than one root/);
    expect(() => readXml('<a>'.repeat(100) + '</a>'.repeat(100))).toThrow(/deeply/);
  });

  it('keeps __proto__ an ordinary attribute', () => {
    const root = readXml('<fix __proto__="x"/>');
    expect(root.attributes.__proto__).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('data dictionary', () => {
  it('loads the FIX 4.4 dictionary shipped with jspurefix', async () => {
    const dd = await loadDictionaryFile(join(JSPUREFIX_DATA, 'FIX44.xml'));
    expect(dd.version).toBe('FIX.4.4');
    expect(dd.fieldsByTag.get(35)?.name).toBe('MsgType');
    expect(dd.header.required.has(49)).toBe(true);
    const order = dd.messages.get('D')!;
    expect(order.required.has(11)).toBe(true);
    expect(order.required.has(54)).toBe(true);
    // Symbol comes from the Instrument component, where it is optional.
    expect(order.required.has(55)).toBe(false);
    expect(order.tags.has(55)).toBe(true);
    const parties = order.groups.get(453)!;
    expect(parties.delimiter).toBe(448);
    // PartySubIDs is nested inside Parties.
    expect(parties.groups.get(802)?.delimiter).toBe(523);
  });

  it('caches by content', async () => {
    const a = await loadDictionaryFile(join(JSPUREFIX_DATA, 'FIX42.xml'));
    const b = await loadDictionaryFile(join(JSPUREFIX_DATA, 'FIX42.xml'));
    expect(a).toBe(b);
  });

  it('names versions, including FIX 5 service packs', () => {
    expect(buildDictionary(`<fix type='FIX' major='5' minor='0' servicepack='2'><fields/></fix>`).version).toBe('FIX.5.0SP2');
    expect(buildDictionary(`<fix type='FIXT' major='1' minor='1' servicepack='0'/>`).version).toBe('FIXT.1.1');
  });

  it('rejects unknown fields and self-containing components', () => {
    expect(() => buildDictionary(`<fix type='FIX' major='4' minor='4'><header><field name='Nope' required='Y'/></header></fix>`)).toThrow(/unknown field/);
    expect(() =>
      buildDictionary(
        `<fix type='FIX' major='4' minor='4'><messages><message name='X' msgtype='X'><component name='C'/></message></messages><components><component name='C'><component name='C'/></component></components></fix>`,
      ),
    ).toThrow(/contains itself/);
  });

  it.skipIf(!hasSharedSpec)('loads every acceptance dictionary (FIX 4.0 to 5.0 SP2, FIXT 1.1)', async () => {
    for (const name of ['FIX40', 'FIX41', 'FIX42', 'FIX43', 'FIX44', 'FIX50', 'FIX50SP1', 'FIX50SP2', 'FIXT11']) {
      const xml = await readFile(join(SHARED_SPEC, `${name}.xml`), 'utf8');
      const dd = buildDictionary(xml);
      expect(dd.fieldsByTag.size).toBeGreaterThan(50);
      expect(dd.messages.size).toBeGreaterThan(5);
    }
  });
});
