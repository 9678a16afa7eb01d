/**
 * A tiny strict XML parser for the tests: throws on anything not well-formed
 * (unbalanced or mismatched tags, unquoted or repeated attributes, a raw `<` or a
 * bad `&` entity, text outside the root, more than one root) and returns the
 * element tree, so tests can query elements and attributes.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITY = /&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function unescape(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw '<' in ${where}`);
  const stripped = raw.replace(ENTITY, '');
  if (stripped.includes('&')) throw new Error(`bad entity in ${where}: ${raw.slice(0, 80)}`);
  return raw
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipWs = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) throw new Error('unclosed XML declaration');
    i = end + 2;
  }
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error(`text outside the root element: ${text.slice(0, 40)}`);
    } else {
      stack[stack.length - 1]!.text += unescape(text, 'text');
    }
    if (lt < 0) break;
    i = lt + 1;
    if (src.startsWith('!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) throw new Error('unclosed comment');
      i = end + 3;
      continue;
    }
    if (src[i] === '/') {
      i++;
      const m = NAME.exec(src.slice(i));
      if (!m) throw new Error(`bad closing tag at ${i}`);
      i += m[0].length;
      skipWs();
      if (src[i] !== '>') throw new Error(`bad closing tag </${m[0]} at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`</${m[0]}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const m = NAME.exec(src.slice(i));
    if (!m) throw new Error(`bad tag at ${i}: ${src.slice(i - 1, i + 20)}`);
    i += m[0].length;
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipWs();
      if (src[i] === '/' && src[i + 1] === '>') {
        i += 2;
        break;
      }
      if (src[i] === '>') {
        i++;
        stack.push(el);
        break;
      }
      if (i === before) throw new Error(`attributes of <${el.name}> must be separated by spaces (at ${i})`);
      const a = NAME.exec(src.slice(i));
      if (!a) throw new Error(`bad attribute in <${el.name}> at ${i}: ${src.slice(i, i + 20)}`);
      i += a[0].length;
      if (src[i] !== '=') throw new Error(`attribute ${a[0]} of <${el.name}> has no value`);
      i++;
      const q = src[i];
      if (q !== '"' && q !== "'") throw new Error(`attribute ${a[0]} of <${el.name}> is not quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) throw new Error(`unclosed attribute ${a[0]}`);
      if (a[0] in el.attrs) throw new Error(`repeated attribute ${a[0]} in <${el.name}>`);
      el.attrs[a[0]] = unescape(src.slice(i + 1, end), `attribute ${a[0]}`);
      i = end + 1;
    }
    const parent = stack[stack.length - (stack[stack.length - 1] === el ? 2 : 1)];
    if (parent) parent.children.push(el);
    else if (root) throw new Error('more than one root element');
    else root = el;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element of the tree (depth first) matching `pred`. */
export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const visit = (e: XmlElement): void => {
    if (pred(e)) out.push(e);
    e.children.forEach(visit);
  };
  visit(el);
  return out;
}

/** Elements whose class list has `cls`. */
export const byClass = (el: XmlElement, cls: string): XmlElement[] =>
  findAll(el, (e) => (e.attrs['class'] ?? '').split(/\s+/).includes(cls));

/** The points of an SVG path's `d` made of M, L, H, V and Z commands (absolute), as polylines. */
export function pathPolylines(d: string): [number, number][][] {
  const lines: [number, number][][] = [];
  let cur: [number, number][] = [];
  const re = /([MLHVZ])\s*([^MLHVZ]*)/g;
  for (const m of d.matchAll(re)) {
    const nums = m[2]!.trim() === '' ? [] : m[2]!.trim().split(/[\s,]+/).map(Number);
    const last = cur[cur.length - 1];
    switch (m[1]) {
      case 'M':
        if (cur.length > 0) lines.push(cur);
        cur = [[nums[0]!, nums[1]!]];
        break;
      case 'L':
        cur.push([nums[0]!, nums[1]!]);
        break;
      case 'H':
        cur.push([nums[0]!, last![1]]);
        break;
      case 'V':
        cur.push([last![0], nums[0]!]);
        break;
      case 'Z':
        cur.push(cur[0]!);
        break;
    }
  }
  if (cur.length > 0) lines.push(cur);
  return lines;
}
