/**
 * Getting tfjs-backend-webgpu registered and able to start.
 *
 * In a browser that means `navigator.gpu` and an adapter. In Node there is no
 * WebGPU, so we start Dawn through the optional `webgpu` package (its prebuilt
 * `dawn.node`), choose Dawn options that give an adapter on this machine, and
 * install the result as `navigator.gpu`. Only then is tfjs-backend-webgpu
 * imported: it registers its backend only if `navigator.gpu` exists when the
 * module is evaluated.
 *
 * Facts this relies on (tfjs 4.22, webgpu 0.6.2, see `webgpu-node.md`):
 * - Dawn's default instance on a machine without a GPU offers no adapter; its
 *   OpenGL ES backend over Mesa llvmpipe does, but only at the compatibility
 *   feature level, and only with `EGL_PLATFORM=surfaceless` when there is no
 *   display (and with the unversioned `libEGL.so` of Debian's libegl-dev).
 * - tfjs calls `navigator.gpu.requestAdapter({ powerPreference })` itself, so a
 *   compatibility adapter needs a wrapper that adds `featureLevel`.
 * - The process crashes in Dawn's event loop if a `create()` result becomes
 *   unreachable while a device lives, so every instance stays referenced from
 *   `globalThis`.
 *
 * @packageDocumentation
 * @internal
 */
import { BackendError } from '../errors.js';
import { defaultEnv, errorMessage, importUnbundled, isNode, readEnv } from './platform.js';
import * as tf from './tf.js';

/** The part of the `webgpu` package (Dawn's Node bindings) used here. */
interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

type FeatureLevel = 'core' | 'compatibility';

/** `GPURequestAdapterOptions` with `featureLevel`, which @webgpu/types 0.1.38 lacks. */
type AdapterOptions = GPURequestAdapterOptions & { featureLevel?: FeatureLevel };

/** Process-wide state, kept on `globalThis` so that every copy of this module shares one Dawn. */
interface DawnState {
  /** Every Dawn instance created, also the ones given up on (pitfall: lifetime crash). */
  instances: GPU[];
  install?: Promise<void>;
}

const STATE_KEY = Symbol.for('tfjax.backend.dawn');
const WRAPPED = Symbol.for('tfjax.backend.compatWrapped');

function dawnState(): DawnState {
  const g = globalThis as typeof globalThis & { [STATE_KEY]?: DawnState };
  return (g[STATE_KEY] ??= { instances: [] });
}

function navigatorGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? undefined;
}

/** Which feature level of `gpu` gives an adapter: core first, then compatibility. */
async function probe(gpu: GPU): Promise<FeatureLevel | null> {
  if (await gpu.requestAdapter()) return 'core';
  const compat: AdapterOptions = { featureLevel: 'compatibility' };
  if (await gpu.requestAdapter(compat)) return 'compatibility';
  return null;
}

/** Makes every `requestAdapter` call on `gpu` ask for a compatibility-level adapter. */
function requestCompatibilityAdapters(gpu: GPU): void {
  const marked = gpu as GPU & { [WRAPPED]?: true };
  if (marked[WRAPPED]) return;
  const original = gpu.requestAdapter.bind(gpu);
  Object.defineProperty(gpu, 'requestAdapter', {
    configurable: true,
    writable: true,
    value: (options?: AdapterOptions) => original({ ...options, featureLevel: 'compatibility' } as AdapterOptions),
  });
  marked[WRAPPED] = true;
}

/** Puts `gpu` at `globalThis.navigator.gpu` (Node 20 has no navigator; Node 21+ has one without `gpu`). */
function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator && Object.isExtensible(g.navigator)) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

/** The Dawn option sets to try, in order: `DAWN_OPTS` alone when set, else the default then OpenGL ES. */
function dawnCandidates(): string[][] {
  const fromEnv = readEnv('DAWN_OPTS');
  if (fromEnv !== undefined) return [fromEnv.split(/\s+/).filter(Boolean)];
  return [[], ['backend=opengles']];
}

async function installDawn(): Promise<void> {
  if (!readEnv('DISPLAY') && !readEnv('WAYLAND_DISPLAY')) defaultEnv('EGL_PLATFORM', 'surfaceless');
  let dawn: DawnModule;
  try {
    dawn = await importUnbundled<DawnModule>('webgpu');
  } catch (e) {
    throw new BackendError(
      `WebGPU in Node needs the optional 'webgpu' package (Dawn's Node bindings), which did not load: ${errorMessage(e)}. ` +
        `Install it with 'npm install webgpu', or use the 'wasm' or 'cpu' backend.`,
    );
  }
  // GPUBufferUsage, GPUMapMode, ... : tfjs-backend-webgpu uses them as globals.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  const tried: string[] = [];
  const state = dawnState();
  for (const options of dawnCandidates()) {
    const gpu = dawn.create(options);
    state.instances.push(gpu);
    const level = await probe(gpu);
    if (level === null) {
      tried.push(`[${options.join(' ') || 'default'}]`);
      continue;
    }
    if (level === 'compatibility') requestCompatibilityAdapters(gpu);
    installNavigatorGpu(gpu);
    return;
  }
  throw new BackendError(
    `WebGPU in Node: Dawn offered no adapter, neither core nor compatibility (Dawn options tried: ${tried.join(', ')}). ` +
      `On Linux without a GPU, Dawn's OpenGL ES backend needs Mesa and the unversioned libEGL.so ` +
      `('apt-get install libegl-dev libegl1 libegl-mesa0 libgl1-mesa-dri'). ` +
      `Set DAWN_OPTS to pick a Dawn backend yourself (e.g. DAWN_OPTS=backend=vulkan), or use the 'wasm' or 'cpu' backend.`,
  );
}

/**
 * An existing `navigator.gpu` (browsers, or a Node setup that installed one): makes sure it
 * gives an adapter, at the compatibility level if needed.
 */
async function checkExistingGpu(): Promise<void> {
  const gpu = navigatorGpu();
  if (!gpu) throw new BackendError('WebGPU is not available here: navigator.gpu is undefined.');
  const level = await probe(gpu);
  if (level === null) throw new BackendError('WebGPU is not available here: navigator.gpu.requestAdapter() gave no adapter.');
  if (level === 'compatibility') requestCompatibilityAdapters(gpu);
}

let prepared: Promise<void> | undefined;

async function prepare(): Promise<void> {
  if (!tf.findBackendFactory('webgpu')) {
    if (isNode() && !navigatorGpu()) {
      const state = dawnState();
      state.install ??= installDawn();
      await state.install;
    } else {
      await checkExistingGpu();
    }
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu')) {
      throw new BackendError(
        'tfjs-backend-webgpu was loaded before navigator.gpu existed, so it did not register its backend. ' +
          'Let tfjax load it (do not import @tensorflow/tfjs-backend-webgpu yourself before navigator.gpu is set).',
      );
    }
  }
  // By default tfjs-webgpu runs small ops on CPU-resident data on the CPU; tfjax wants the GPU.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
}

/**
 * Makes the `webgpu` backend registered in tfjs and able to get an adapter:
 * starts Dawn in Node when needed, then loads tfjs-backend-webgpu. Idempotent;
 * a failure is remembered (Dawn is not started twice).
 *
 * @throws BackendError when WebGPU is not available, saying why.
 */
export function prepareWebgpu(): Promise<void> {
  prepared ??= prepare();
  return prepared;
}
