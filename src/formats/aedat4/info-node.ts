/**
 * The IOHeader infoNode: DV's XML dump of its configuration tree, of which we need the
 * `outInfo` node: one child per stream, named by the stream id, with `typeIdentifier` and an
 * `info` child holding `sizeX`, `sizeY`, `source` and `tsOffset`:
 *
 *   <dv version="2.0">
 *     <node name="outInfo" path="/mainloop/output_file/outInfo/">
 *       <node name="0" path="/mainloop/output_file/outInfo/0/">
 *         <attr key="typeIdentifier" type="string">EVTS</attr>
 *         <node name="info" path="/mainloop/output_file/outInfo/0/info/">
 *           <attr key="sizeX" type="int">346</attr> …
 *
 * The parser is a tolerant tag scanner (no DTDs, no namespaces): it reads `node` and `attr`
 * elements anywhere, so variants such as a bare `<dv>` root or missing `path` attributes work.
 */

/** One stream as described by the infoNode. */
export interface StreamDescription {
  readonly id: number;
  /** `EVTS`, `FRME`, `IMUS`, `TRIG`, … ('' when absent). */
  readonly typeIdentifier: string;
  /** Every attribute of the stream node and of its `info` child, by key (info wins on clashes). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly sizeX?: number;
  readonly sizeY?: number;
  readonly source?: string;
  readonly tsOffset?: number;
}

interface XmlNode {
  readonly name: string;
  readonly attrs: Map<string, string>;
  readonly children: XmlNode[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

const TAG =
  /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses the `node`/`attr` tree. `attr` elements become entries of their parent's map. */
function parseTree(xml: string): XmlNode {
  const root: XmlNode = { name: '', attrs: new Map(), children: [] };
  const stack: XmlNode[] = [root];
  let pendingAttrKey: string | undefined;
  let textStart = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(xml); m !== null; m = TAG.exec(xml)) {
    const [whole, closing, tag, attrText, selfClosing] = m;
    if (tag === undefined) continue; // comment or declaration
    const top = stack[stack.length - 1];
    if (tag === 'attr') {
      if (closing) {
        if (pendingAttrKey !== undefined) {
          top.attrs.set(pendingAttrKey, unescapeXml(xml.slice(textStart, m.index)).trim());
        }
        pendingAttrKey = undefined;
      } else {
        const key = readXmlAttributes(attrText ?? '').get('key');
        if (selfClosing) {
          if (key !== undefined) top.attrs.set(key, '');
        } else {
          pendingAttrKey = key;
          textStart = m.index + whole.length;
        }
      }
      continue;
    }
    if (closing) {
      const matches = tag === 'node' ? !top.name.startsWith('<') : top.name === `<${tag}>`;
      if (stack.length > 1 && matches) stack.pop();
      continue;
    }
    const attrs = readXmlAttributes(attrText ?? '');
    const node: XmlNode = {
      name: tag === 'node' ? (attrs.get('name') ?? '') : `<${tag}>`,
      attrs: new Map(),
      children: [],
    };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  return root;
}

function readXmlAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(text); m !== null; m = ATTR.exec(text)) {
    out.set(m[1], unescapeXml(m[2] ?? m[3] ?? ''));
  }
  return out;
}

function findNode(node: XmlNode, name: string): XmlNode | undefined {
  for (const c of node.children) {
    if (c.name === name) return c;
    const inner = findNode(c, name);
    if (inner) return inner;
  }
  return undefined;
}

function toInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*-?\d+\s*$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The streams described by an infoNode, sorted by id. Returns [] when there is no `outInfo`
 * node (callers then fall back to the packets' own identifiers).
 */
export function parseInfoNode(xml: string): StreamDescription[] {
  const outInfo = findNode(parseTree(xml), 'outInfo');
  if (!outInfo) return [];
  const streams: StreamDescription[] = [];
  for (const child of outInfo.children) {
    const id = toInt(child.name);
    if (id === undefined) continue;
    const info = child.children.find((c) => c.name === 'info');
    const attributes: Record<string, string> = Object.fromEntries(child.attrs);
    if (info) Object.assign(attributes, Object.fromEntries(info.attrs));
    streams.push({
      id,
      typeIdentifier: (child.attrs.get('typeIdentifier') ?? '').trim(),
      attributes,
      sizeX: toInt(attributes['sizeX']),
      sizeY: toInt(attributes['sizeY']),
      source: attributes['source'],
      tsOffset: toInt(attributes['tsOffset']),
    });
  }
  return streams.sort((a, b) => a.id - b.id);
}

/** What writeInfoNode needs to describe one EVTS stream the way DV does. */
export interface EventStreamInfoXml {
  readonly streamId: number;
  readonly sizeX: number;
  readonly sizeY: number;
  /** Camera name, e.g. "DVXplorer_DXA00093". */
  readonly source: string;
  /** Device clock to Unix µs offset (metadata only). */
  readonly tsOffset: number;
  /** Codec name as DV spells it: "NONE", "LZ4", "ZSTD". */
  readonly compression: string;
  /** The module that produced the stream, e.g. "spikestream". */
  readonly moduleName: string;
}

/** An infoNode with one EVTS stream, laid out as DV's file output module writes it. */
export function writeInfoNode(s: EventStreamInfoXml): string {
  const base = '/mainloop/output_file/outInfo/';
  const a = (key: string, type: string, value: string | number): string =>
    `<attr key="${key}" type="${type}">${escapeXml(String(value))}</attr>`;
  return [
    '<dv version="2.0">',
    `    <node name="outInfo" path="${base}">`,
    `        <node name="${s.streamId}" path="${base}${s.streamId}/">`,
    `            ${a('compression', 'string', s.compression)}`,
    `            ${a('originalModuleName', 'string', s.moduleName)}`,
    `            ${a('originalOutputName', 'string', 'events')}`,
    `            ${a('typeDescription', 'string', 'Array of events (polarity ON/OFF).')}`,
    `            ${a('typeIdentifier', 'string', 'EVTS')}`,
    `            <node name="info" path="${base}${s.streamId}/info/">`,
    `                ${a('sizeX', 'int', s.sizeX)}`,
    `                ${a('sizeY', 'int', s.sizeY)}`,
    `                ${a('source', 'string', s.source)}`,
    `                ${a('tsOffset', 'long', s.tsOffset)}`,
    '            </node>',
    '        </node>',
    '    </node>',
    '</dv>',
    '',
  ].join('\n');
}
