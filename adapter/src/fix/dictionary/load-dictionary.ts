/**
 * Builds a DataDictionary from QuickFIX XML, and caches dictionaries by content so that a thousand
 * sessions on one version share one parsed copy.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type {
  DataDictionary,
  DictionarySet,
  FieldDefinition,
  FieldLayout,
  GroupDefinition,
  MessageDefinition,
} from './data-dictionary.ts';
import { readXml, type XmlElement } from './xml-reader.ts';

export class DictionaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DictionaryError';
  }
}

/** Dictionaries are a few MiB at most (FIX 5.0 SP2 is the largest); refuse anything far bigger. */
const MAX_DICTIONARY_BYTES = 32 * 1024 * 1024;

interface MutableLayout {
  order: number[];
  tags: Set<number>;
  required: Set<number>;
  groups: Map<number, GroupDefinition>;
}

function newLayout(): MutableLayout {
  return { order: [], tags: new Set(), required: new Set(), groups: new Map() };
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

function versionOf(root: XmlElement): string {
  const { type, major, minor } = root.attributes;
  const servicePack = Number(root.attributes.servicepack ?? '0');
  if (!type || !major || !minor) throw new DictionaryError('the <fix> element needs type, major and minor');
  const base = `${type}.${major}.${minor}`;
  return servicePack > 0 ? `${base}SP${servicePack}` : base;
}

export function buildDictionary(xml: string): DataDictionary {
  const root = readXml(xml);
  if (root.name !== 'fix') throw new DictionaryError(`root element is <${root.name}>, expected <fix>`);
  const version = versionOf(root);

  const fieldsByTag = new Map<number, FieldDefinition>();
  const fieldsByName = new Map<string, FieldDefinition>();
  for (const element of child(root, 'fields')?.children ?? []) {
    if (element.name !== 'field') continue;
    const tag = Number(element.attributes.number);
    const name = element.attributes.name;
    const type = (element.attributes.type ?? 'STRING').toUpperCase();
    if (!Number.isInteger(tag) || tag <= 0 || !name) throw new DictionaryError(`bad field definition ${JSON.stringify(element.attributes)}`);
    const values = element.children.filter((c) => c.name === 'value').map((c) => c.attributes.enum ?? '');
    const definition: FieldDefinition = { tag, name, type, values: values.length > 0 ? new Set(values) : undefined };
    fieldsByTag.set(tag, definition);
    fieldsByName.set(name, definition);
  }

  const componentElements = new Map<string, XmlElement>();
  for (const element of child(root, 'components')?.children ?? []) {
    if (element.name === 'component' && element.attributes.name) componentElements.set(element.attributes.name, element);
  }

  const fieldTag = (name: string | undefined): number => {
    const definition = name === undefined ? undefined : fieldsByName.get(name);
    if (!definition) throw new DictionaryError(`unknown field ${name ?? '(no name)'}`);
    return definition.tag;
  };

  /** Adds an element's members to a layout; `required` is false inside an optional component. */
  const addMembers = (layout: MutableLayout, parent: XmlElement, required: boolean, expanding: string[]): void => {
    for (const member of parent.children) {
      const isRequired = required && member.attributes.required === 'Y';
      if (member.name === 'field') {
        const tag = fieldTag(member.attributes.name);
        if (!layout.tags.has(tag)) layout.order.push(tag);
        layout.tags.add(tag);
        if (isRequired) layout.required.add(tag);
      } else if (member.name === 'group') {
        const countTag = fieldTag(member.attributes.name);
        const entry = newLayout();
        addMembers(entry, member, true, expanding);
        const delimiter = entry.order[0];
        if (delimiter === undefined) throw new DictionaryError(`group ${member.attributes.name} has no fields`);
        layout.groups.set(countTag, { ...entry, countTag, delimiter });
        if (!layout.tags.has(countTag)) layout.order.push(countTag);
        layout.tags.add(countTag);
        if (isRequired) layout.required.add(countTag);
      } else if (member.name === 'component') {
        const name = member.attributes.name ?? '';
        const component = componentElements.get(name);
        if (!component) throw new DictionaryError(`unknown component ${name}`);
        if (expanding.includes(name)) throw new DictionaryError(`component ${name} contains itself`);
        addMembers(layout, component, isRequired, [...expanding, name]);
      }
    }
  };

  const layoutOf = (element: XmlElement | undefined): FieldLayout => {
    const layout = newLayout();
    if (element) addMembers(layout, element, true, []);
    return layout;
  };

  const messages = new Map<string, MessageDefinition>();
  for (const element of child(root, 'messages')?.children ?? []) {
    if (element.name !== 'message') continue;
    const msgType = element.attributes.msgtype;
    if (!msgType) throw new DictionaryError(`message ${element.attributes.name ?? ''} has no msgtype`);
    messages.set(msgType, {
      ...layoutOf(element),
      msgType,
      name: element.attributes.name ?? msgType,
      category: element.attributes.msgcat === 'admin' ? 'admin' : 'app',
    });
  }

  return {
    version,
    fieldsByTag,
    fieldsByName,
    header: layoutOf(child(root, 'header')),
    trailer: layoutOf(child(root, 'trailer')),
    messages,
  };
}

const cache = new Map<string, DataDictionary>();

/** Parses XML once per distinct content. */
export function dictionaryFromXml(xml: string): DataDictionary {
  const key = createHash('sha256').update(xml).digest('hex');
  let dictionary = cache.get(key);
  if (!dictionary) {
    dictionary = buildDictionary(xml);
    cache.set(key, dictionary);
  }
  return dictionary;
}

export async function loadDictionaryFile(path: string): Promise<DataDictionary> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_DICTIONARY_BYTES) throw new DictionaryError(`${path} is larger than ${MAX_DICTIONARY_BYTES} bytes`);
  return dictionaryFromXml(bytes.toString('utf8'));
}

/** A dictionary for a FIX 4.x session: the one dictionary serves both layers. */
export function singleDictionary(dictionary: DataDictionary): DictionarySet {
  return { session: dictionary, application: dictionary };
}
