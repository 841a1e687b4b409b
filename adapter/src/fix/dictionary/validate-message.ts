/**
 * Checks a parsed message against its data dictionaries, the way QuickFIX's DataDictionary::validate
 * does, so that the Reject a counterparty receives (reason 373, RefTagID 371) is the one it expects:
 *
 * 1. header, body and trailer in that order (373=14, the first misplaced tag);
 * 2. a MsgType the dictionary knows (373=11);
 * 3. required fields: header, trailer, then body, lowest tag first, then inside group entries (373=1);
 * 4. every field, header then trailer then body in tag order: not repeated (373=13), has a value
 *    (373=4), has the right format (373=6), is one of the listed values (373=5), is a known tag
 *    (373=0), belongs to this message (373=2), and group counts match their entries (373=16).
 */
import type { FixMessage } from '../codec/fix-message.ts';
import { isValidUtcDate, isValidUtcTimeOnly, parseUtcTimestamp } from '../codec/utc-timestamp.ts';
import type { DataDictionary, DictionarySet, FieldLayout } from './data-dictionary.ts';
import { readStructure, type FieldNode } from './message-structure.ts';

export const SessionRejectReason = {
  InvalidTagNumber: 0,
  RequiredTagMissing: 1,
  TagNotDefinedForMessageType: 2,
  UndefinedTag: 3,
  TagSpecifiedWithoutValue: 4,
  ValueIsIncorrect: 5,
  IncorrectDataFormat: 6,
  DecryptionProblem: 7,
  SignatureProblem: 8,
  CompIdProblem: 9,
  SendingTimeAccuracyProblem: 10,
  InvalidMsgType: 11,
  XmlValidationError: 12,
  TagAppearsMoreThanOnce: 13,
  TagSpecifiedOutOfRequiredOrder: 14,
  RepeatingGroupFieldsOutOfOrder: 15,
  IncorrectNumInGroupCount: 16,
  NonDataValueIncludesFieldDelimiter: 17,
  Other: 99,
} as const;

export interface ValidationFailure {
  reason: number;
  /** RefTagID(371), when the problem is one field. */
  tag?: number;
}

/** Tags the session layer handles in a Logon whatever the dictionary says (4.2 has no 553/554). */
const LOGON_SESSION_TAGS = new Set([553, 554, 141, 789, 1137, 1400, 1408, 464]);

export function validateMessage(message: FixMessage, dictionaries: DictionarySet, isAdmin: boolean): ValidationFailure | null {
  const { session } = dictionaries;
  const application = isAdmin ? session : dictionaries.application;
  const msgType = message.msgType;
  const definition = application.messages.get(msgType);
  const structure = readStructure(message, session, definition);

  if (structure.outOfOrderTag !== undefined) return { reason: SessionRejectReason.TagSpecifiedOutOfRequiredOrder, tag: structure.outOfOrderTag };
  if (!definition) return { reason: SessionRejectReason.InvalidMsgType };

  const missing =
    firstMissing(structure.header, session.header) ??
    firstMissing(structure.trailer, session.trailer) ??
    firstMissing(structure.body, definition);
  if (missing !== undefined) return { reason: SessionRejectReason.RequiredTagMissing, tag: missing };

  const allowed = msgType === 'A' ? LOGON_SESSION_TAGS : undefined;
  return (
    checkFields(message, structure.header, session, undefined, allowed, 'header') ??
    checkFields(message, structure.trailer, session, undefined, allowed, 'trailer') ??
    checkFields(message, structure.body, application, definition, allowed, 'body')
  );
}

function firstMissing(nodes: readonly FieldNode[], layout: FieldLayout): number | undefined {
  let missing: number | undefined;
  // A scan instead of a Set of the present tags: a handful of each, checked for every message.
  for (const tag of layout.required) {
    if ((missing === undefined || tag < missing) && !hasTag(nodes, tag)) missing = tag;
  }
  if (missing !== undefined) return missing;
  for (const node of nodes) {
    if (!node.entries) continue;
    const group = layout.groups.get(node.tag);
    if (!group) continue;
    for (const entry of node.entries) {
      const inner = firstMissing(entry, group);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function hasTag(nodes: readonly FieldNode[], tag: number): boolean {
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.tag === tag) return true;
  return false;
}

function checkFields(
  message: FixMessage,
  nodes: FieldNode[],
  dictionary: DataDictionary,
  layout: FieldLayout | undefined,
  allowed: ReadonlySet<number> | undefined,
  section: 'header' | 'trailer' | 'body',
): ValidationFailure | null {
  // Sorted in place: the structure was read for this validation alone.
  const sorted = nodes.sort(section === 'header' ? headerOrder : tagOrder);
  let previous: number | undefined;
  for (const node of sorted) {
    const tag = node.tag;
    if (tag === previous) return { reason: SessionRejectReason.TagAppearsMoreThanOnce, tag };
    previous = tag;
    const value = message.valueAt(node.index);
    if (value === '') return { reason: SessionRejectReason.TagSpecifiedWithoutValue, tag };
    if (allowed?.has(tag)) continue;
    const field = dictionary.fieldsByTag.get(tag);
    if (field) {
      if (!hasValidFormat(field.type, value)) return { reason: SessionRejectReason.IncorrectDataFormat, tag };
      if (field.values && !hasListedValue(field.type, field.values, value)) return { reason: SessionRejectReason.ValueIsIncorrect, tag };
    } else {
      return { reason: SessionRejectReason.InvalidTagNumber, tag };
    }
    if (layout) {
      if (!layout.tags.has(tag)) return { reason: SessionRejectReason.TagNotDefinedForMessageType, tag };
      const group = layout.groups.get(tag);
      if (group && node.entries) {
        if (Number(value) !== node.entries.length) return { reason: SessionRejectReason.IncorrectNumInGroupCount, tag };
        for (const entry of node.entries) {
          const failure = checkFields(message, entry, dictionary, group, allowed, 'body');
          if (failure) return failure;
        }
      }
    }
  }
  return null;
}

function tagOrder(a: FieldNode, b: FieldNode): number {
  return a.tag - b.tag;
}

/** QuickFIX orders the header 8, 9, 35 and then by tag. */
function headerOrder(a: FieldNode, b: FieldNode): number {
  return headerRank(a.tag) - headerRank(b.tag);
}

function headerRank(tag: number): number {
  return tag === 8 ? -3 : tag === 9 ? -2 : tag === 35 ? -1 : tag;
}

const INT = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)$/;

export function hasValidFormat(type: string, value: string): boolean {
  switch (type) {
    case 'INT':
    case 'LENGTH':
    case 'SEQNUM':
    case 'NUMINGROUP':
    case 'TAGNUM':
      return INT.test(value);
    case 'FLOAT':
    case 'PRICE':
    case 'QTY':
    case 'AMT':
    case 'PERCENTAGE':
    case 'PRICEOFFSET':
      return DECIMAL.test(value);
    case 'CHAR':
      return value.length === 1;
    case 'BOOLEAN':
      return value === 'Y' || value === 'N';
    case 'UTCTIMESTAMP':
      return parseUtcTimestamp(value) !== undefined;
    case 'UTCTIMEONLY':
      return isValidUtcTimeOnly(value);
    case 'UTCDATE':
    case 'UTCDATEONLY':
      return isValidUtcDate(value);
    default:
      return true;
  }
}

const MULTIPLE_VALUE_TYPES = new Set(['MULTIPLEVALUESTRING', 'MULTIPLESTRINGVALUE', 'MULTIPLECHARVALUE']);

function hasListedValue(type: string, values: ReadonlySet<string>, value: string): boolean {
  if (MULTIPLE_VALUE_TYPES.has(type)) return value.split(' ').every((v) => values.has(v));
  return values.has(value);
}

