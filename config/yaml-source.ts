import { CORE_SCHEMA, EVENT_ID, SCALAR_STYLE, constructFromEvents, getScalarValue, parseEvents, YAMLException } from 'js-yaml';
import type { Event } from 'js-yaml';

/** 1-based, as editors and GitHub annotations count. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A path into the document: mapping keys and sequence indexes, e.g. ['users', 1]. */
export type Path = readonly (string | number)[];

export interface ParsedYaml {
  readonly value: unknown;
  /**
   * Where a path's key (for mapping entries) or value starts. A path that is not in the document (a missing field)
   * resolves to its nearest ancestor, so every problem has a place to point at.
   */
  locate(path: Path, part?: 'key' | 'value'): Position;
  /**
   * The text of an unquoted scalar at `path`, as written: `012345678901` where the value is the number 12345678901.
   * Undefined for anything else (quoted text, collections, aliases, a path not in the document).
   */
  plainText(path: Path): string | undefined;
}

/**
 * The document cannot be read as YAML. `message` is the sentence people see (what is wrong, how to fix it); `reason`
 * is the parser's own words; `path` is the mapping key concerned, when there is one (a duplicated key).
 */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: Position,
    message = `not valid YAML: ${reason}`,
    readonly path: Path = [],
  ) {
    super(message);
  }
}

const TAB_MESSAGE = 'YAML does not allow tabs for indentation: use spaces';

/** Only one document per dataset file: a second `---` is almost always a pasted second dataset. */
export function parseYaml(source: string, filename: string): ParsedYaml {
  let events: Event[] | undefined;
  let documents: unknown[];
  try {
    events = parseEvents(source, { filename });
    documents = constructFromEvents(events, { source, filename, schema: CORE_SCHEMA, maxAliases: 100 });
  } catch (e) {
    if (e instanceof YAMLException && e.mark) throw explained(source, events, e.reason, e.mark);
    throw e;
  }
  if (documents.length > 1) {
    throw new YamlSyntaxError('holds more than one YAML document (a second "---"): one dataset per file', {
      line: 1,
      column: 1,
    });
  }
  const toPosition = lineIndex(source);
  const { offsets } = indexOffsets(source, events);
  return {
    value: documents.length === 0 ? null : documents[0],
    locate(path, part = 'value') {
      for (let n = path.length; n >= 0; n--) {
        const entry = offsets.get(pathKey(path.slice(0, n)));
        if (!entry) continue;
        const offset = n === path.length && part === 'key' && entry.key !== undefined ? entry.key : entry.value;
        return toPosition(offset);
      }
      return { line: 1, column: 1 };
    },
    plainText(path) {
      return offsets.get(pathKey(path))?.plain;
    },
  };
}

const pathKey = (path: Path): string => path.join('\u0000');

/**
 * The parser's error in the words of someone fixing the file. A tab in the indentation of the line the parser stopped
 * at is the cause, whatever the parser says (it may call it a tab, "deficient indentation" or an unexpected end), and
 * is shown where the tab is; a duplicated key names the key and where it first appears.
 */
function explained(
  source: string,
  events: Event[] | undefined,
  reason: string,
  mark: { line: number; column: number; position: number },
): YamlSyntaxError {
  const at = { line: mark.line + 1, column: mark.column + 1 };
  const indentation = (source.split('\n')[mark.line] ?? '').match(/^[ \t]*/)![0];
  if (indentation.includes('\t')) {
    return new YamlSyntaxError(reason, { line: at.line, column: indentation.indexOf('\t') + 1 }, TAB_MESSAGE);
  }
  if (reason === 'duplicated mapping key' && events) {
    // The parser stops at the second key (a quoted one's text, inside its quote); it is shown at its first character.
    const again = indexOffsets(source, events).duplicates.find((d) => Math.abs(d.again - mark.position) <= 1);
    if (again) {
      const toPosition = lineIndex(source);
      const key = again.path[again.path.length - 1];
      const first = toPosition(again.first).line;
      const message = `not valid YAML: ${JSON.stringify(key)} is given twice: first on line ${first}; keep one`;
      return new YamlSyntaxError(reason, toPosition(again.again), message, again.path);
    }
  }
  return new YamlSyntaxError(reason, at);
}

interface Offsets {
  key?: number;
  value: number;
  /** An unquoted scalar value's source text. */
  plain?: string;
}

/** A mapping key given a second time: its path, and the offsets of its first and second occurrences. */
interface Duplicate {
  readonly path: Path;
  readonly first: number;
  readonly again: number;
}

/**
 * Walks the parser's flat event stream once, recording where each path's key and value begin, and every key given
 * twice in one mapping (the events of a document the constructor refused for it are still whole). Only the first
 * document is indexed (parseYaml refuses more).
 */
function indexOffsets(source: string, events: Event[]): { offsets: Map<string, Offsets>; duplicates: Duplicate[] } {
  const offsets = new Map<string, Offsets>();
  const duplicates: Duplicate[] = [];
  // One frame per open collection: its path, whether it is a mapping, (mappings) the key awaiting its value and the
  // offset of each key seen.
  type Frame = {
    path: (string | number)[];
    start: number;
    mapping: boolean;
    index: number;
    key?: { name: string; offset: number };
    keys: Map<string, number>;
  };
  const stack: Frame[] = [];
  let rootSeen = false;

  // An empty value (`paperwork:`) has no offset of its own: point at its key, or at its collection.
  const place = (at: number): (string | number)[] | undefined => {
    const top = stack[stack.length - 1];
    const start = at >= 0 ? at : (top?.key?.offset ?? top?.start ?? 0);
    if (!top) {
      if (rootSeen) return undefined;
      rootSeen = true;
      offsets.set(pathKey([]), { value: start });
      return [];
    }
    if (top.mapping) {
      if (!top.key) return undefined; // a key itself; handled by the caller
      const path = [...top.path, top.key.name];
      offsets.set(pathKey(path), { key: top.key.offset, value: start });
      top.key = undefined;
      return path;
    }
    const path = [...top.path, top.index++];
    offsets.set(pathKey(path), { value: start });
    return path;
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const top = stack[stack.length - 1];
        // A collection used as a mapping key: index nothing inside it, but keep the stack balanced.
        const isKey = top !== undefined && top.mapping && !top.key;
        const path = isKey ? undefined : place(event.start);
        stack.push({
          path: path ?? ['\u0001'],
          start: event.start,
          mapping: event.type === EVENT_ID.MAPPING,
          index: 0,
          keys: new Map(),
        });
        if (isKey) top.key = { name: '\u0001', offset: event.start };
        break;
      }
      case EVENT_ID.SCALAR:
      case EVENT_ID.ALIAS: {
        // Quoted scalars' offsets start inside the quotes; people expect the quote itself.
        const quoted =
          event.type === EVENT_ID.SCALAR &&
          (event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED);
        const start = event.type === EVENT_ID.SCALAR ? event.valueStart - (quoted ? 1 : 0) : event.anchorStart - 1;
        const top = stack[stack.length - 1];
        if (top?.mapping && !top.key) {
          const name = event.type === EVENT_ID.SCALAR ? getScalarValue(source, event) : '\u0001';
          top.key = { name, offset: start };
          const first = top.keys.get(name);
          // Aliases and collections as keys are not compared (their names here are placeholders).
          if (first === undefined) top.keys.set(name, start);
          else if (name !== '\u0001' && !top.path.includes('\u0001')) {
            duplicates.push({ path: [...top.path, name], first, again: start });
          }
        } else {
          const at = place(start);
          if (at && event.type === EVENT_ID.SCALAR && event.style === SCALAR_STYLE.PLAIN) {
            offsets.get(pathKey(at))!.plain = source.slice(event.valueStart, event.valueEnd);
          }
        }
        break;
      }
      case EVENT_ID.POP:
        stack.pop();
        break;
      default:
        break;
    }
  }
  return { offsets, duplicates };
}

/** Offset → 1-based line and column, by binary search over line starts. */
function lineIndex(source: string): (offset: number) => Position {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}
