/**
 * Where tfjs-backend-wasm finds its .wasm binaries in a bundle: by default it
 * looks next to the script that loaded it, which a bundler renames and moves.
 * Vite's `?url` imports copy each binary into the build (with a hashed name) and
 * give its URL. Import this module before tfjax: tfjax starts a backend when it
 * loads (wasm where WebGPU has no adapter), and the paths must be set by then.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
});
