/**
 * A deliberately small XML reader for QuickFIX data dictionaries.
 *
 * Dictionaries may be uploaded by users, so the reader refuses everything a dictionary never needs and
 * an attacker would: DOCTYPE declarations (and with them external and internal entities, so no
 * "billion laughs" and no file inclusion), unknown entity references and unbounded nesting. Only the
 * five predefined entities and numeric character references are decoded.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

export class XmlError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 64;
const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]{0,10});/g, (_match, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return codePoint(parseInt(name.slice(2), 16), offset);
    if (name.startsWith('#')) return codePoint(parseInt(name.slice(1), 10), offset);
    const value = PREDEFINED_ENTITIES[name];
    if (value === undefined) throw new XmlError(`unknown entity &${name};`, offset);
    return value;
  });
}

function codePoint(value: number, offset: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0x10ffff) throw new XmlError('bad character reference', offset);
  return String.fromCodePoint(value);
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const SPACE = /\s*/y;

/** Parses a document and returns its root element. Text content is ignored: dictionaries carry none. */
export function readXml(text: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    pos = SPACE.lastIndex;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(text);
    if (!match) throw new XmlError('expected a name', pos);
    pos = NAME.lastIndex;
    return match[0];
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) {
      if (text.slice(pos).trim() !== '' && stack.length === 0) throw new XmlError('text outside the root element', pos);
      break;
    }
    if (stack.length === 0 && text.slice(pos, lt).replace(/^\uFEFF/, '').trim() !== '') {
      throw new XmlError('text outside the root element', pos);
    }
    pos = lt;
    if (text.startsWith('<?', pos)) {
      const end = text.indexOf('?>', pos);
      if (end < 0) throw new XmlError('unterminated processing instruction', pos);
      pos = end + 2;
    } else if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end < 0) throw new XmlError('unterminated comment', pos);
      pos = end + 3;
    } else if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos);
      if (end < 0) throw new XmlError('unterminated CDATA section', pos);
      pos = end + 3;
    } else if (text.startsWith('<!', pos)) {
      throw new XmlError('DOCTYPE and other declarations are not allowed', pos);
    } else if (text.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipSpace();
      if (text[pos] !== '>') throw new XmlError('expected >', pos);
      pos += 1;
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`unexpected closing tag </${name}>`, pos);
    } else {
      pos += 1;
      // A null prototype: an attribute named __proto__ must stay an ordinary key.
      const element: XmlElement = { name: readName(), attributes: Object.create(null) as Record<string, string>, children: [] };
      for (;;) {
        skipSpace();
        const c = text[pos];
        if (c === undefined) throw new XmlError('unterminated tag', pos);
        if (c === '>' || c === '/') break;
        const attribute = readName();
        skipSpace();
        if (text[pos] !== '=') throw new XmlError('expected =', pos);
        pos += 1;
        skipSpace();
        const quote = text[pos];
        if (quote !== '"' && quote !== "'") throw new XmlError('expected a quoted attribute value', pos);
        const end = text.indexOf(quote, pos + 1);
        if (end < 0) throw new XmlError('unterminated attribute value', pos);
        const raw = text.slice(pos + 1, end);
        if (raw.includes('<')) throw new XmlError('< in attribute value', pos);
        if (Object.hasOwn(element.attributes, attribute)) throw new XmlError(`repeated attribute ${attribute}`, pos);
        element.attributes[attribute] = decodeEntities(raw, pos);
        pos = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) throw new XmlError('more than one root element', pos);
      else root = element;
      if (text[pos] === '/') {
        pos += 1;
        if (text[pos] !== '>') throw new XmlError('expected >', pos);
        pos += 1;
      } else {
        pos += 1;
        stack.push(element);
        if (stack.length > MAX_DEPTH) throw new XmlError('elements nested too deeply', pos);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`unclosed element <${stack[stack.length - 1]?.name}>`, pos);
  if (!root) throw new XmlError('no root element', pos);
  return root;
}
