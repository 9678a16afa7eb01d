/**
 * Docs-as-code helpers for `examples.test.ts`: find every `@example` in the TSDoc of
 * the sources, turn each into a runnable module, and find public exports that lack
 * one. Pure functions over file text, so they are tested on small inputs too.
 */
import ts from 'typescript';

/** One `@example` block found in a source file. */
export interface DocExample {
  /** Path of the source file as given to {@link extractExamples}. */
  file: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** Qualified name of the documented declaration (`Class.method`, `np.add`). */
  symbol: string;
  /**
   * The code of the example's ```ts fences, one entry per code line, with the
   * source line each came from (so a generated module can keep source line numbers).
   */
  code: { line: number; text: string }[];
  /** Why the example cannot run (no ```ts fence, unclosed fence), if so. */
  problem?: string;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/;
const RUNNABLE_LANGS = new Set(['ts', 'typescript']);

/**
 * Every `/** ... *\/` comment in a file, found by walking all tokens (so none is
 * missed, wherever it sits) but only into subtrees whose text holds a `/**`.
 */
function docComments(sf: ts.SourceFile): ts.CommentRange[] {
  const text = sf.text;
  const starts: number[] = [];
  for (let i = text.indexOf('/**'); i >= 0; i = text.indexOf('/**', i + 3)) starts.push(i);
  /** Whether some `/**` starts in [pos, end). */
  const holdsDoc = (pos: number, end: number): boolean => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < end;
  };
  const seen = new Set<number>();
  const out: ts.CommentRange[] = [];
  const visit = (node: ts.Node): void => {
    if (!holdsDoc(node.pos, node.end)) return;
    for (const c of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      if (seen.has(c.pos)) continue;
      seen.add(c.pos);
      if (c.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith('/**', c.pos) && !text.startsWith('/**/', c.pos)) {
        out.push(c);
      }
    }
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return out.sort((a, b) => a.pos - b.pos);
}

function declarationName(node: ts.Node): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isExportAssignment(node)) return 'default';
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  }
  const name = (node as { name?: ts.Node }).name;
  if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))) {
    return name.text;
  }
  if (name && ts.isComputedPropertyName(name)) return `[${name.expression.getText()}]`;
  return undefined;
}

/** `Outer.inner.name` for a declaration, from the named declarations around it. */
function qualifiedName(node: ts.Node): string | undefined {
  const own = declarationName(node);
  if (own === undefined) return undefined;
  const parts = [own];
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isVariableStatement(p) || ts.isVariableDeclarationList(p)) continue;
    const n = declarationName(p);
    if (n !== undefined && !ts.isModuleBlock(p)) parts.unshift(n);
  }
  return parts.join('.');
}

/** Map from a doc comment's start to the name of the declaration it documents. */
function documentedNames(sf: ts.SourceFile): Map<number, string> {
  const names = new Map<number, string>();
  const visit = (node: ts.Node): void => {
    const name = qualifiedName(node);
    if (name !== undefined) {
      for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (ts.isJSDoc(doc) && !names.has(doc.pos)) names.set(doc.pos, name);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}

/** The lines of a doc comment with the `/**`, `*\/` and leading ` * ` removed. */
function commentLines(raw: string): string[] {
  const body = raw.slice(3, raw.length - 2);
  return body.split('\n').map((line, i) => {
    const l = line.replace(/\r$/, '');
    if (i === 0) return l.replace(/^ /, '');
    return l.replace(/^\s*\* ?/, '');
  });
}

/**
 * Every `@example` in the doc comments of a TypeScript file. Each example's runnable
 * code is the content of its ```ts (or ```typescript) fences; other fences (output,
 * shell) are ignored.
 */
export function extractExamples(file: string, text: string): DocExample[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = documentedNames(sf);
  const examples: DocExample[] = [];
  for (const c of docComments(sf)) {
    const raw = text.slice(c.pos, c.end);
    if (!raw.includes('@example')) continue;
    const firstLine = sf.getLineAndCharacterOfPosition(c.pos).line + 1;
    const symbol = names.get(c.pos) ?? '(undocumented position)';
    const lines = commentLines(raw);
    let current: DocExample | undefined;
    let fence: { marker: string; runnable: boolean; line: number } | undefined;
    const finish = (): void => {
      if (!current) return;
      if (fence) current.problem = `unclosed ${fence.marker} fence opened at line ${fence.line}`;
      else if (current.code.length === 0 && current.problem === undefined) {
        current.problem = 'no ```ts fenced code block in this @example';
      }
      examples.push(current);
      current = undefined;
      fence = undefined;
    };
    lines.forEach((l, i) => {
      const line = firstLine + i;
      if (fence) {
        const close = l.trim();
        if (close.startsWith(fence.marker) && close.slice(fence.marker.length).trim() === '' && /^(`+|~+)$/.test(close)) {
          fence = undefined;
        } else if (fence.runnable && current) {
          current.code.push({ line, text: l });
        }
        return;
      }
      const tag = /^\s*@(\w+)/.exec(l);
      if (tag) {
        finish();
        if (tag[1] === 'example') current = { file, line, symbol, code: [] };
        return;
      }
      if (current === undefined && /(^|\s)@example\b/.test(l.replace(/`[^`]*`/g, ''))) {
        examples.push({ file, line, symbol, code: [], problem: '@example must start a line' });
      }
      const open = FENCE.exec(l);
      if (open && current) {
        fence = { marker: open[1]!, runnable: RUNNABLE_LANGS.has(open[2]!.toLowerCase()), line };
      }
    });
    finish();
  }
  return examples;
}

/**
 * The module text of an example: its code lines placed at their source line numbers
 * (so stack traces point into the source file), with `'tfjax'` imports rewritten to
 * `indexSpecifier`.
 */
export function exampleModule(ex: DocExample, indexSpecifier: string): string {
  const out: string[] = [`// Generated from ${ex.file}:${ex.line} (${ex.symbol}); edit the TSDoc there.`];
  for (const { line, text } of ex.code) {
    while (out.length < line - 1) out.push('');
    out.push(text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])tfjax\2/g, `$1$2${indexSpecifier}$2`));
  }
  out.push('');
  return out.join('\n');
}

/** Problems with an example's imports: it must import the library as `'tfjax'`. */
export function importProblems(ex: DocExample): string[] {
  const code = ex.code.map((c) => c.text).join('\n');
  const rel = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]*)['"]/g;
  return [...code.matchAll(rel)].map((m) => `imports '${m[1]}'; examples import the library as 'tfjax'`);
}

/** The value (not type-only) names an example imports from `'tfjax'`. */
export function importedNames(ex: DocExample): string[] {
  const code = ex.code.map((c) => c.text).join('\n');
  const names: string[] = [];
  for (const m of code.matchAll(/\bimport\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]tfjax['"]/g)) {
    if (m[1]) continue;
    for (const part of m[2]!.split(',')) {
      const spec = part.trim();
      if (spec === '' || spec.startsWith('type ')) continue;
      names.push(spec.split(/\s+as\s+/)[0]!.trim());
    }
  }
  return names;
}

/** A public export whose TSDoc has no `@example`. */
export interface MissingExample {
  /** Path of the declaring file, relative to the directory given. */
  file: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Its public name (`np.add` for a member of an exported namespace). */
  name: string;
}

/** Text of a doc comment without its fenced code and inline code spans. */
function proseOf(raw: string): string {
  let inFence = false;
  const prose: string[] = [];
  for (const l of commentLines(raw)) {
    if (FENCE.test(l)) inFence = !inFence;
    else if (!inFence) prose.push(l.replace(/`[^`]*`/g, ''));
  }
  return prose.join('\n');
}

/**
 * Whether a declaration's TSDoc holds `@tag`, anywhere in the prose as TypeDoc reads
 * it (TypeScript's own JSDoc parser misses tags that do not start a line).
 */
function hasTag(decl: ts.Declaration, tag: string): boolean {
  const re = new RegExp(`(^|\\s)@${tag}\\b`);
  return ts.getJSDocCommentsAndTags(decl).some((doc) => ts.isJSDoc(doc) && re.test(proseOf(doc.getText())));
}

/**
 * Every symbol exported from `indexFile` (following re-exports and `export * as ns`
 * namespaces) that is declared under `srcDir`, has TSDoc, is not `@internal`, and has
 * no `@example` in the TSDoc of any of its declarations. Namespaces and modules are
 * exempt (their members are checked), and so are members of classes and interfaces.
 */
export function exportsWithoutExample(indexFile: string, srcDir: string): MissingExample[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noLib: true,
    types: [],
    skipLibCheck: true,
    noEmit: true,
  };
  // Only the sources matter: resolve relative imports, skip packages (3x faster).
  const host = ts.createCompilerHost(options, true);
  host.resolveModuleNameLiterals = (literals, containing, redirected, opts) =>
    literals.map((lit) =>
      lit.text.startsWith('.') ? ts.resolveModuleName(lit.text, containing, opts, host, undefined, redirected) : { resolvedModule: undefined },
    );
  const program = ts.createProgram([indexFile], options, host);
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(indexFile);
  const root = index && checker.getSymbolAtLocation(index);
  if (!root) throw new Error(`cannot read the exports of ${indexFile}`);
  const inSrc = (d: ts.Declaration): boolean => {
    const f = d.getSourceFile().fileName;
    return f.startsWith(srcDir.endsWith('/') ? srcDir : `${srcDir}/`);
  };
  const missing: MissingExample[] = [];
  const visited = new Set<ts.Symbol>();
  const visitModule = (mod: ts.Symbol, prefix: string): void => {
    if (visited.has(mod)) return;
    visited.add(mod);
    for (const exp of checker.getExportsOfModule(mod)) {
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const name = prefix + exp.name;
      const decls = (target.declarations ?? []).filter(inSrc);
      if (decls.length === 0) continue;
      if (target.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
        visitModule(target, `${name}.`);
        if (decls.every((d) => ts.isSourceFile(d) || ts.isModuleDeclaration(d))) continue;
      }
      const own = decls.filter((d) => !ts.isSourceFile(d) && !ts.isModuleDeclaration(d));
      // No TSDoc at all is TypeDoc's `notDocumented` error, not this check's.
      if (!own.some((d) => ts.getJSDocCommentsAndTags(d).some((doc) => ts.isJSDoc(doc)))) continue;
      if (own.some((d) => hasTag(d, 'internal'))) continue;
      if (own.some((d) => hasTag(d, 'example'))) continue;
      const first = own[0]!;
      const sf = first.getSourceFile();
      missing.push({
        file: sf.fileName.slice(srcDir.length).replace(/^\//, ''),
        line: sf.getLineAndCharacterOfPosition(first.getStart(sf)).line + 1,
        name,
      });
    }
  };
  visitModule(root, '');
  return missing.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
