/**
 * The in-memory form of a QuickFIX XML data dictionary.
 *
 * Components are flattened into the message or group that uses them, as QuickFIX does: a field's
 * place is what matters for parsing and validation, not which component declared it. A required
 * component makes its required fields required where it is used.
 */

export interface FieldDefinition {
  readonly tag: number;
  readonly name: string;
  /** The QuickFIX type name, upper case: INT, STRING, UTCTIMESTAMP, NUMINGROUP ... */
  readonly type: string;
  /** Allowed values, when the dictionary lists them. */
  readonly values: ReadonlySet<string> | undefined;
}

/** The fields allowed at one level of a message (its body, a group entry, the header). */
export interface FieldLayout {
  /** Every tag allowed directly at this level, in declaration order (group count tags included). */
  readonly order: readonly number[];
  readonly tags: ReadonlySet<number>;
  readonly required: ReadonlySet<number>;
  /** Repeating groups at this level, by their NumInGroup tag. */
  readonly groups: ReadonlyMap<number, GroupDefinition>;
}

export interface GroupDefinition extends FieldLayout {
  readonly countTag: number;
  /** The first field of every entry. */
  readonly delimiter: number;
}

export interface MessageDefinition extends FieldLayout {
  readonly msgType: string;
  readonly name: string;
  readonly category: 'admin' | 'app';
}

export interface DataDictionary {
  /** FIX.4.0 ... FIX.4.4, FIXT.1.1, FIX.5.0, FIX.5.0SP1, FIX.5.0SP2. */
  readonly version: string;
  readonly fieldsByTag: ReadonlyMap<number, FieldDefinition>;
  readonly fieldsByName: ReadonlyMap<string, FieldDefinition>;
  readonly header: FieldLayout;
  readonly trailer: FieldLayout;
  readonly messages: ReadonlyMap<string, MessageDefinition>;
}

/**
 * What a session validates against: one dictionary for FIX 4.x; for FIXT.1.1 the transport
 * dictionary (header, trailer, session messages) plus the application version's dictionary.
 */
export interface DictionarySet {
  readonly session: DataDictionary;
  readonly application: DataDictionary;
}
