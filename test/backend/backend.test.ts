import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { BackendError } from '../../src/errors.js';
import {
  assertSyncReadable,
  getBackend,
  isSyncReadable,
  memoryBytes,
  numTensors,
  ready,
  setBackend,
  type BackendName,
} from '../../src/backend/index.js';
import * as tf from '../../src/backend/tf.js';

/** The backend this run was started with (test/setup.ts awaited it). */
const RUN_BACKEND = (process.env.TFJAX_BACKEND || 'wasm') as BackendName;
const onWebgpu = RUN_BACKEND === 'webgpu';

/** Plain float64 matmul of row-major `a` [m, k] and `b` [k, n]. */
function matmul64(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j];
    }
  return out;
}

/** A deterministic float32 array in [-1, 1). */
function pseudoRandom(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

afterEach(async () => {
  // Every test leaves the run's backend in place for the next file.
  if (getBackend() !== RUN_BACKEND) await setBackend(RUN_BACKEND);
});

describe('start-up', () => {
  test('getBackend() reflects TFJAX_BACKEND (wasm when unset)', () => {
    expect(getBackend()).toBe(RUN_BACKEND);
    expect(tf.getBackend()).toBe(RUN_BACKEND);
  });

  test('ops run right after await ready()', async () => {
    await ready();
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[5, 6], [7, 8]]);
    const c = tf.matMul(a, b);
    expect(Array.from(await c.data())).toEqual([19, 22, 43, 50]);
    tf.dispose([a, b, c]);
  });

  test('ready() is idempotent and cheap once settled', async () => {
    await Promise.all([ready(), ready()]);
    await ready();
    expect(getBackend()).toBe(RUN_BACKEND);
  });

  test('a 96x80 @ 80x64 matmul matches a float64 reference', async () => {
    const [m, k, n] = [96, 80, 64];
    const av = pseudoRandom(m * k, 1);
    const bv = pseudoRandom(k * n, 2);
    const c = tf.tidy(() => tf.matMul(tf.tensor2d(av, [m, k]), tf.tensor2d(bv, [k, n])));
    const got = await c.data();
    const want = matmul64(av, bv, m, k, n);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    c.dispose();
  });
});

describe('setBackend', () => {
  test('cpu <-> wasm round trip, arrays move along', async () => {
    await setBackend('cpu');
    expect(getBackend()).toBe('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);

    await setBackend('wasm');
    expect(getBackend()).toBe('wasm');
    // made on cpu, used on wasm: tfjs moves the data
    const z = tf.add(y, x);
    expect(Array.from(await z.data())).toEqual([3, 6, 9]);

    await setBackend('cpu');
    expect(getBackend()).toBe('cpu');
    const w = tf.sub(z, 1);
    expect(Array.from(await w.data())).toEqual([2, 5, 8]);
    tf.dispose([x, y, z, w]);
  });

  test('a switch not awaited is finished when ready() resolves', async () => {
    const other: BackendName = RUN_BACKEND === 'cpu' ? 'wasm' : 'cpu';
    void setBackend(other);
    await ready();
    expect(getBackend()).toBe(other);
  });

  test('an unknown name is a BackendError naming the choices, and changes nothing', async () => {
    const before = getBackend();
    const err: unknown = await setBackend('webgl' as BackendName).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/unknown backend "webgl".*'webgpu', 'wasm', 'cpu'/);
    expect(getBackend()).toBe(before);
    await ready(); // a rejected setBackend does not poison ready()
  });
});

describe('synchronous reads', () => {
  test.skipIf(onWebgpu)('work on cpu and wasm', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      await setBackend(name);
      expect(isSyncReadable()).toBe(true);
      expect(() => assertSyncReadable('Array.dataSync()')).not.toThrow();
      const t = tf.add(tf.tensor1d([1, 2]), 1);
      expect(Array.from(t.dataSync())).toEqual([2, 3]);
      t.dispose();
    }
  });

  test.runIf(onWebgpu)('throw a clear BackendError on WebGPU under Dawn', () => {
    expect(isSyncReadable()).toBe(false);
    const t = tf.tensor([1, 2]);
    const guardedDataSync = (): Uint8Array | Float32Array | Int32Array => {
      assertSyncReadable('Array.dataSync()');
      return t.dataSync();
    };
    expect(guardedDataSync).toThrow(BackendError);
    expect(guardedDataSync).toThrow(/Array\.dataSync\(\) reads values synchronously.*`await x\.data\(\)`/);
    t.dispose();
  });

  test.runIf(onWebgpu)("tfjs's own readSync under Dawn: throws for GPU data, not zeros", async () => {
    // What the guard protects against (tfjs-webgpu 4.22 needs OffscreenCanvas for readSync).
    const a = tf.tensor1d([1, 2]);
    const b = tf.add(a, a); // computed on the GPU, no values on the CPU yet
    expect(() => b.dataSync()).toThrow(/OffscreenCanvas/);
    expect(Array.from(await b.data())).toEqual([2, 4]);
    tf.dispose([a, b]);
  });
});

describe.runIf(onWebgpu)('WebGPU under Dawn in Node', () => {
  test('ops run on the GPU: no CPU forwarding, a real WebGPU device', () => {
    expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    expect(nav?.gpu).toBeDefined();
    const backend = tf.findBackend('webgpu') as tf.KernelBackend & { device?: { queue?: unknown } };
    expect(backend.device?.queue).toBeDefined();
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) expect(process.env.EGL_PLATFORM).toBe('surfaceless');
  });

  test('webgpu -> cpu -> webgpu keeps results equal', async () => {
    const av = pseudoRandom(32 * 32, 3);
    const onGpu = tf.tidy(() => tf.matMul(tf.tensor2d(av, [32, 32]), tf.tensor2d(av, [32, 32])));
    await setBackend('cpu');
    const onCpu = tf.tidy(() => tf.matMul(tf.tensor2d(av, [32, 32]), tf.tensor2d(av, [32, 32])));
    const [g, c] = [await onGpu.data(), await onCpu.data()];
    await setBackend('webgpu');
    let maxDiff = 0;
    for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i] - c[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    tf.dispose([onGpu, onCpu]);
  });
});

describe('memory accounting', () => {
  test('numTensors and memoryBytes follow allocation and disposal', () => {
    const [n0, b0] = [numTensors(), memoryBytes()];
    const f = tf.zeros([10, 10]); // 400 bytes
    const i = tf.zeros([5], 'int32'); // 20 bytes
    const b = tf.zeros([3], 'bool'); // 3 bytes
    expect(numTensors()).toBe(n0 + 3);
    expect(memoryBytes()).toBe(b0 + 423);
    tf.dispose([f, i, b]);
    expect(numTensors()).toBe(n0);
    expect(memoryBytes()).toBe(b0);
  });
});

describe('default start in a fresh Node process', () => {
  const fixture = fileURLToPath(new URL('./fixtures/start.ts', import.meta.url));

  function startWith(env: Record<string, string | undefined>): Record<string, unknown> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete childEnv[k];
      else childEnv[k] = v;
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { env: childEnv, encoding: 'utf8', timeout: 60_000 });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    expect(line, `child stderr: ${r.stderr}`).toMatch(/^\{/);
    return JSON.parse(line) as Record<string, unknown>;
  }

  test('without TFJAX_BACKEND, Node starts on wasm', () => {
    expect(startWith({ TFJAX_BACKEND: undefined })).toEqual({ backend: 'wasm', values: [19, 22, 43, 50] });
  });

  test('TFJAX_BACKEND=cpu starts on cpu', () => {
    expect(startWith({ TFJAX_BACKEND: 'cpu' })).toEqual({ backend: 'cpu', values: [19, 22, 43, 50] });
  });

  test.runIf(onWebgpu)('TFJAX_BACKEND=webgpu starts Dawn by itself in plain Node', () => {
    expect(startWith({ TFJAX_BACKEND: 'webgpu' })).toEqual({ backend: 'webgpu', values: [19, 22, 43, 50] });
  });

  test.runIf(onWebgpu)('a Dawn that offers no adapter is a BackendError saying what to install', () => {
    const out = startWith({ TFJAX_BACKEND: 'webgpu', DAWN_OPTS: 'backend=d3d12' });
    expect(out.error).toBe('BackendError');
    expect(out.message).toMatch(/Dawn offered no adapter.*\[backend=d3d12\].*libegl-dev/);
  });

  test('an unknown TFJAX_BACKEND makes ready() reject with a BackendError', () => {
    const out = startWith({ TFJAX_BACKEND: 'gpu' });
    expect(out.error).toBe('BackendError');
    expect(out.message).toMatch(/TFJAX_BACKEND is 'gpu'.*expected one of 'webgpu', 'wasm', 'cpu'/);
  });
});
