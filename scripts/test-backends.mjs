#!/usr/bin/env node
/**
 * Runs the test suite once per backend, in sequence: `vitest run` with
 * TFJAX_BACKEND=cpu, then wasm, then webgpu (real WebGPU through Dawn, on
 * Mesa's software OpenGL ES where there is no GPU). Tests read values with the
 * async helpers of test/util/read.ts, so they can run on every backend; what
 * WebGPU cannot do is skipped there by the tests themselves, with the reason, and
 * WebGPU's looser float32 bounds live in test/util/tolerance.ts.
 *
 *   node scripts/test-backends.mjs [vitest args...]     e.g. test/backend --reporter=dot
 *
 * Environment:
 *   TFJAX_BACKENDS      comma-separated subset to run (default: cpu,wasm,webgpu).
 *   TFJAX_WEBGPU_ALL=1  the webgpu run takes the whole suite, WEBGPU_KNOWN_FAILURES included.
 *   DAWN_OPTS           passed on to Dawn (see src/backend/webgpu.ts).
 *   CI=true             a webgpu run that cannot happen (no libEGL.so, no `webgpu` package) fails.
 *
 * Exits non-zero when any run fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test files the webgpu run leaves out (passed to vitest as --exclude) when no vitest args are
 * given, each with its reason (too slow on software WebGPU, or a library bug there: remove a file
 * once it passes with TFJAX_WEBGPU_ALL=1). Every other file, new ones included, runs on webgpu.
 */
const WEBGPU_KNOWN_FAILURES = [
  // passes its values but is too slow on llvmpipe for CI (Wolfe line searches as masked while
  // loops: over 60 s per Rosenbrock run, 450 s for the file), and bfgs with a line search ends
  // 2.2e-5 from the notes' minimizer where the test asks 1e-5
  'test/optim/quasiNewton.test.ts',
];

const ALL = ['cpu', 'wasm', 'webgpu'];
const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);
const ci = process.env.CI === 'true' || process.env.CI === '1';

const backends = (process.env.TFJAX_BACKENDS || ALL.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const b of backends) {
  if (!ALL.includes(b)) {
    console.error(`test-backends: unknown backend '${b}' in TFJAX_BACKENDS; expected some of ${ALL.join(', ')}`);
    process.exit(2);
  }
}

/** The path of the unversioned libEGL.so that dawn.node dlopens (only Debian's libegl-dev ships it), or null. */
function findLibEGL() {
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const m = /^\s*libEGL\.so\s.*=>\s*(\S+)\s*$/m.exec(r.stdout);
    if (m && existsSync(m[1])) return m[1];
    break;
  }
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return dirs.map((d) => join(d, 'libEGL.so')).find((f) => existsSync(f)) ?? null;
}

/** Why WebGPU cannot run here, or null when it can. */
function webgpuBlocker() {
  try {
    createRequire(join(root, 'package.json')).resolve('webgpu');
  } catch {
    return "the optional 'webgpu' package is not installed: npm install";
  }
  const dawnOpts = process.env.DAWN_OPTS ?? '';
  const usesGL = dawnOpts === '' || /backend=opengl/.test(dawnOpts);
  if (process.platform === 'linux' && usesGL && findLibEGL() === null) {
    return 'libegl-dev not installed: apt-get install libegl-dev';
  }
  return null;
}

function vitestArgs(backend) {
  if (backend !== 'webgpu' || args.length > 0 || process.env.TFJAX_WEBGPU_ALL === '1') return args;
  return WEBGPU_KNOWN_FAILURES.flatMap((f) => ['--exclude', f]);
}

const results = [];
for (const backend of backends) {
  if (backend === 'webgpu') {
    const blocker = webgpuBlocker();
    if (blocker !== null) {
      const line = `webgpu: SKIPPED (${blocker})`;
      console.log(`\n${line}${ci ? ' -- a failure under CI=true' : ''}\n`);
      results.push({ backend, ok: !ci, text: ci ? `FAILED, not run (${blocker})` : `SKIPPED (${blocker})` });
      continue;
    }
  }
  const extra = vitestArgs(backend);
  console.log(`\n=== TFJAX_BACKEND=${backend}: vitest run ${extra.join(' ')}`.trimEnd() + '\n');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [vitest, 'run', ...extra], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TFJAX_BACKEND: backend },
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const ok = r.status === 0;
  const why = r.error ? `: ${r.error.message}` : r.signal ? ` (killed by ${r.signal})` : ok ? '' : ` (exit ${r.status})`;
  results.push({ backend, ok, text: `${ok ? 'passed' : 'FAILED'} in ${secs} s${why}` });
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') break;
}

console.log('\ntfjax test runs by backend:');
for (const { backend, text } of results) console.log(`  ${backend.padEnd(7)} ${text}`);
process.exit(results.every((r) => r.ok) && results.length === backends.length ? 0 : 1);
