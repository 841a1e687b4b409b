/**
 * Gives a flat FixMessage its structure: which fields are header, body and trailer, and which runs of
 * fields are the entries of repeating groups. Entry boundaries follow QuickFIX: an entry starts at the
 * group's delimiter field, or at a group field already present in the current entry; the group ends
 * at the first field that is not one of its own.
 */
import type { FixMessage } from '../codec/fix-message.ts';
import { STANDARD_HEADER_TAGS, TRAILER_TAGS } from '../codec/tags.ts';
import type { DataDictionary, FieldLayout } from './data-dictionary.ts';

export interface FieldNode {
  tag: number;
  /** Position of the field in the flat message. */
  index: number;
  /** For a NumInGroup field: its entries, each a list of nodes. */
  entries?: FieldNode[][];
}

export interface MessageStructure {
  header: FieldNode[];
  body: FieldNode[];
  trailer: FieldNode[];
  /** The first tag found outside its section (a header field after the body, ...). */
  outOfOrderTag: number | undefined;
}

export function readStructure(message: FixMessage, session: DataDictionary | undefined, body: FieldLayout | undefined): MessageStructure {
  const headerTags = session && session.header.tags.size > 0 ? session.header.tags : STANDARD_HEADER_TAGS;
  const trailerTags = session && session.trailer.tags.size > 0 ? session.trailer.tags : TRAILER_TAGS;
  const structure: MessageStructure = { header: [], body: [], trailer: [], outOfOrderTag: undefined };
  let section: 'header' | 'body' | 'trailer' = 'header';
  let i = 0;
  const size = message.size;
  while (i < size) {
    const tag = message.tagAt(i);
    if (headerTags.has(tag)) {
      if (section !== 'header') structure.outOfOrderTag ??= tag;
      const node: FieldNode = { tag, index: i };
      structure.header.push(node);
      i++;
      const group = session?.header.groups.get(tag);
      if (group) i = readEntries(message, i, group, node);
    } else if (trailerTags.has(tag)) {
      section = 'trailer';
      structure.trailer.push({ tag, index: i });
      i++;
    } else {
      if (section === 'trailer') structure.outOfOrderTag ??= tag;
      section = 'body';
      const node: FieldNode = { tag, index: i };
      structure.body.push(node);
      i++;
      const group = body?.groups.get(tag);
      if (group) i = readEntries(message, i, group, node);
    }
  }
  return structure;
}

/** Reads the entries of a group whose count field was just read; returns the index after them. */
function readEntries(message: FixMessage, start: number, group: FieldLayout & { delimiter: number }, countNode: FieldNode): number {
  const entries: FieldNode[][] = [];
  let current: FieldNode[] | undefined;
  let seen = new Set<number>();
  let i = start;
  while (i < message.size) {
    const tag = message.tagAt(i);
    if (!group.tags.has(tag)) break;
    if (tag === group.delimiter || !current || seen.has(tag)) {
      current = [];
      seen = new Set();
      entries.push(current);
    }
    seen.add(tag);
    const node: FieldNode = { tag, index: i };
    current.push(node);
    i++;
    const nested = group.groups.get(tag);
    if (nested) i = readEntries(message, i, nested, node);
  }
  countNode.entries = entries;
  return i;
}

/** A repeating group entry with its values, for applications. */
export interface GroupEntry {
  fields: Map<number, string>;
  groups: Map<number, GroupEntry[]>;
}

/** The entries of the group with this NumInGroup tag in the message body, with nested groups. */
export function readGroup(message: FixMessage, structure: MessageStructure, countTag: number): GroupEntry[] {
  const node = structure.body.find((n) => n.tag === countTag);
  return (node?.entries ?? []).map((entry) => toEntry(message, entry));
}

function toEntry(message: FixMessage, nodes: FieldNode[]): GroupEntry {
  const entry: GroupEntry = { fields: new Map(), groups: new Map() };
  for (const node of nodes) {
    entry.fields.set(node.tag, message.valueAt(node.index));
    if (node.entries) entry.groups.set(node.tag, node.entries.map((e) => toEntry(message, e)));
  }
  return entry;
}
