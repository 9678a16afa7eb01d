/**
 * Docs are code: every `@example` in the TSDoc under `src/` runs as its own test, and
 * every public export must have one.
 *
 * Each example becomes an ES module under `test/.examples/<run>/` (gitignored) with
 * `'tfjax'` imports pointing at `src/index.ts` and its code on the same line numbers
 * as in the source file, so a stack trace points into the TSDoc. Tests are named
 * `<file>:<line> <symbol>` after the `@example` tag. Console output is captured and
 * shown only when an example fails. The backend is whatever the run selects
 * (`TFJAX_BACKEND`).
 *
 * An example that imports a name `src/index.ts` does not export yet is skipped with
 * a note while the library grows; `TFJAX_EXAMPLES_STRICT=1` makes that a failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleModule, exportsWithoutExample, extractExamples, importedNames, importProblems, type DocExample } from './extract.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const srcDir = path.join(repo, 'src');
const indexFile = path.join(srcDir, 'index.ts');
const strict = process.env['TFJAX_EXAMPLES_STRICT'] === '1';
const runDir = path.join(repo, 'test', '.examples', `${process.env['TFJAX_BACKEND'] ?? 'default'}-${process.pid}`);

const posix = (p: string): string => p.split(path.sep).join('/');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.m?ts$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

interface Case {
  ex: DocExample;
  name: string;
  /** Absolute path of the generated module. */
  module: string;
  problems: string[];
}

/** Whether a process with this id is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the folders that earlier runs (now finished) kept after a failure. */
function removeStaleRuns(): void {
  const root = path.dirname(runDir);
  if (!fs.existsSync(root)) return;
  for (const dir of fs.readdirSync(root)) {
    const pid = Number(/-(\d+)$/.exec(dir)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
    }
  }
}

/** Extract every example and write its module, once, when this file loads. */
function generate(): Case[] {
  removeStaleRuns();
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const indexSpecifier = posix(path.relative(runDir, indexFile)).replace(/\.ts$/, '.js');
  const cases: Case[] = [];
  for (const file of sourceFiles(srcDir)) {
    const rel = posix(path.relative(repo, file));
    for (const ex of extractExamples(rel, fs.readFileSync(file, 'utf8'))) {
      const module = path.join(runDir, `${rel.replace(/\.m?ts$/, '').replace(/[^\w.-]+/g, '_')}.L${ex.line}.ts`);
      fs.writeFileSync(module, exampleModule(ex, indexSpecifier));
      const problems = [...(ex.problem === undefined ? [] : [ex.problem]), ...importProblems(ex)];
      cases.push({ ex, name: `${rel}:${ex.line} ${ex.symbol}`, module, problems });
    }
  }
  return cases;
}

const cases = fs.existsSync(indexFile) ? generate() : [];

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const;

/** Runs `body` with console output captured into `logs` instead of printed. */
async function captureConsole(body: () => Promise<unknown>, logs: string[]): Promise<void> {
  const spies = consoleMethods.map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logs.push(`[${m}] ${format(...args)}`);
    }),
  );
  try {
    await body();
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

// Skipped on WebGPU: the examples show users' cpu/wasm code, which reads synchronously
// (`x.tolist()`, `x.item()`, `console.log(x)`) by design; Dawn in Node cannot.
describe.skipIf(process.env['TFJAX_BACKEND'] === 'webgpu')('TSDoc examples', () => {
  let exported = new Set<string>();

  beforeAll(async () => {
    // Load the library (and start its backend) once, outside any example's timeout.
    const logs: string[] = [];
    try {
      await captureConsole(async () => {
        const lib = (await import(indexFile)) as Record<string, unknown>;
        exported = new Set(Object.keys(lib));
      }, logs);
    } catch (e) {
      throw new Error(`loading src/index.ts failed\n${logs.join('\n')}`, { cause: e });
    }
  }, 120_000);

  let failures = 0;
  afterAll(() => {
    // Keep the generated modules for inspection when an example failed.
    if (failures === 0) fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('finds src/index.ts', () => {
    expect(fs.existsSync(indexFile)).toBe(true);
  });

  for (const c of cases) {
    it(c.name, async (ctx) => {
      if (c.problems.length > 0) throw new Error(`${c.name}: ${c.problems.join('; ')}`);
      const absent = importedNames(c.ex).filter((n) => !exported.has(n));
      if (absent.length > 0) {
        const note = `src/index.ts does not export ${absent.join(', ')} yet`;
        if (strict) throw new Error(`${c.name}: ${note}`);
        ctx.skip(note);
      }
      const logs: string[] = [];
      try {
        await captureConsole(() => import(c.module), logs);
      } catch (e) {
        failures += 1;
        const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        const output = logs.length > 0 ? `\nconsole output:\n${logs.join('\n')}` : '';
        const hint = `(lines of ${posix(path.relative(repo, c.module))} are lines of ${c.ex.file})`;
        throw new Error(`example at ${c.name} threw ${what}\n${hint}${output}`, { cause: e });
      }
    }, 60_000);
  }
});

describe('public exports', () => {
  it('every export reachable from src/index.ts with TSDoc has an @example in it', () => {
    const missing = exportsWithoutExample(indexFile, srcDir).map((m) => `src/${m.file}:${m.line} ${m.name}`);
    expect(missing, `exports without @example:\n${missing.join('\n')}`).toEqual([]);
  });
});

describe('example extraction', () => {
  const source = [
    '/**', //                                    1
    ' * Adds.', //                               2
    ' *', //                                     3
    ' * @param x - a number', //                 4
    ' * @example', //                            5
    ' * ```ts', //                               6
    " * import { np } from 'tfjax';", //         7
    ' *   const y = 1;', //                      8
    ' * ```', //                                 9
    ' * ```text', //                            10
    ' * output', //                             11
    ' * ```', //                                12
    ' * @example Second', //                    13
    ' * prose only', //                         14
    ' * @category Arrays', //                   15
    ' */', //                                   16
    'export function add(x: number): number { return x; }', // 17
    'export class K {', //                      18
    '  /**', //                                 19
    '   * @example', //                         20
    '   * ```ts', //                            21
    '   * new K().m();', //                     22
    '   * ```', //                              23
    '   */', //                                 24
    '  m(): void {}', //                        25
    '}', //                                     26
  ].join('\n');
  const found = extractExamples('src/a.ts', source);

  it('finds every @example with its line, symbol and code', () => {
    expect(found.map((e) => [e.line, e.symbol, e.problem])).toEqual([
      [5, 'add', undefined],
      [13, 'add', 'no ```ts fenced code block in this @example'],
      [20, 'K.m', undefined],
    ]);
    expect(found[0]!.code).toEqual([
      { line: 7, text: "import { np } from 'tfjax';" },
      { line: 8, text: '  const y = 1;' },
    ]);
  });

  it('keeps source line numbers and rewrites tfjax imports', () => {
    const text = exampleModule(found[0]!, '../../src/index.js');
    const lines = text.split('\n');
    expect(lines[0]).toContain('src/a.ts:5');
    expect(lines[6]).toBe("import { np } from '../../src/index.js';");
    expect(lines[7]).toBe('  const y = 1;');
    expect(importedNames(found[0]!)).toEqual(['np']);
  });

  it('flags relative imports and unclosed fences', () => {
    const bad = extractExamples('src/b.ts', "/**\n * @example\n * ```ts\n * import { x } from './x.js';\n */\nexport const b = 1;");
    expect(bad[0]!.problem).toMatch(/unclosed/);
    expect(importProblems(bad[0]!)).toEqual(["imports './x.js'; examples import the library as 'tfjax'"]);
  });
});
