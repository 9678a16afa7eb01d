/**
 * The playground page: the notes' 2-D loss as a contour plot; a click sets a
 * start point, and each checked optimizer walks from there, one jitted tfjax
 * step at a time, drawn as it goes. tfjax runs on WebGPU where the browser gives
 * an adapter, else on wasm, and the page says which.
 *
 * URL parameters: `?backend=webgpu|wasm|cpu` picks the backend, `?delay=ms` the
 * pause between steps (default 150). Drawn paths carry their points in loss
 * coordinates as `data-points` (JSON), which the browser test reads.
 */
import './wasm.js'; // first: the .wasm paths must be set before tfjax starts a backend
import { getBackend, plot, setBackend, type BackendName } from '../../src/index.js';
import { multiplierValues, OPTIMIZERS, PathRunner, quarticLoss, STEPS, type OptimizerSpec } from './paths.js';

const X_RANGE = [-1.25, 1.25] as const;
const Y_RANGE = [-0.75, 0.75] as const;
const WIDTH = 720;
const HEIGHT = 432;
const SVG_NS = 'http://www.w3.org/2000/svg';

const BACKENDS: readonly string[] = ['webgpu', 'wasm', 'cpu'] satisfies BackendName[];
const isBackendName = (s: string): s is BackendName => BACKENDS.includes(s);

const params = new URLSearchParams(location.search);
const delayMs = Number(params.get('delay') ?? 150);

const byId = (id: string): HTMLElement => document.getElementById(id)!;
const fmt = (v: number): string => v.toFixed(3);
const firstSentence = (s: string): string => (/^.*?\.(\s|$)/.exec(s)?.[0] ?? s).trim();

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.append(el);
  return el;
}

function setStatus(state: 'ready' | 'running' | 'done' | 'error', text: string): void {
  const el = byId('status');
  el.dataset.state = state;
  el.textContent = text;
}

/** Starts the backend the URL asks for, or makes sure WebGPU was tried; returns why it is not WebGPU, if it is not. */
async function chooseBackend(): Promise<string | undefined> {
  const asked = params.get('backend');
  if (asked !== null) {
    if (!isBackendName(asked)) throw new Error(`?backend=${asked}: expected webgpu, wasm or cpu`);
    await setBackend(asked);
    return asked === 'webgpu' ? undefined : `?backend=${asked} asked for it`;
  }
  if (getBackend() === 'webgpu') return undefined;
  if (!('gpu' in navigator)) return 'this browser has no WebGPU (navigator.gpu is undefined)';
  try {
    await setBackend('webgpu'); // tfjax tried it at start-up already: this gives the reason again
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function showBackend(whyNot: string | undefined): void {
  const el = byId('backend');
  const name = getBackend();
  el.dataset.backend = name;
  el.innerHTML = 'tfjax backend: <b id="backend-name"></b>';
  byId('backend-name').textContent = name;
  if (whyNot !== undefined) {
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = ` (not WebGPU: ${whyNot})`;
    el.append(note);
  }
}

function optimizerList(): Map<string, { check: HTMLInputElement; info: HTMLElement }> {
  const rows = new Map<string, { check: HTMLInputElement; info: HTMLElement }>();
  for (const spec of OPTIMIZERS) {
    const li = document.createElement('li');
    li.innerHTML = `<label><input type="checkbox" checked> <span class="swatch"></span><span class="name"></span></label><span class="info"></span>`;
    const check = li.querySelector('input')!;
    check.dataset.optimizer = spec.id;
    li.querySelector<HTMLElement>('.swatch')!.style.background = spec.color;
    li.querySelector('.name')!.textContent = spec.label;
    byId('optimizers').append(li);
    rows.set(spec.id, { check, info: li.querySelector<HTMLElement>('.info')! });
  }
  return rows;
}

async function main(): Promise<void> {
  showBackend(await chooseBackend());
  const { loss } = quarticLoss(await multiplierValues());
  const svgText = await plot.contourSvg(loss, { xRange: X_RANGE, yRange: Y_RANGE, width: WIDTH, height: HEIGHT, levels: 30, grid: 100 });
  const holder = byId('plot');
  holder.innerHTML = svgText;
  const svg = holder.querySelector('svg')!;
  // The axes rectangle, in pixels: the figure clips its contours to it.
  const frame = svg.querySelector('clipPath rect')!;
  const [left, top, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(frame.getAttribute(a)));
  const box = { left: left!, top: top!, right: left! + w!, bottom: top! + h! };
  const toPx = (x: number, y: number): [number, number] => [
    box.left + ((x - X_RANGE[0]) / (X_RANGE[1] - X_RANGE[0])) * (box.right - box.left),
    box.bottom - ((y - Y_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0])) * (box.bottom - box.top),
  ];
  const toData = (px: number, py: number): [number, number] => [
    X_RANGE[0] + ((px - box.left) / (box.right - box.left)) * (X_RANGE[1] - X_RANGE[0]),
    Y_RANGE[0] + ((box.bottom - py) / (box.bottom - box.top)) * (Y_RANGE[1] - Y_RANGE[0]),
  ];
  svg.dataset.xRange = JSON.stringify(X_RANGE);
  svg.dataset.yRange = JSON.stringify(Y_RANGE);
  svg.dataset.axes = JSON.stringify(box);
  const clip = svgEl('clipPath', { id: 'playground-clip' }, svgEl('defs', {}, svg));
  svgEl('rect', { x: box.left, y: box.top, width: box.right - box.left, height: box.bottom - box.top }, clip);
  const overlay = svgEl('g', { class: 'playground-paths', 'clip-path': 'url(#playground-clip)' }, svg);
  const rows = optimizerList();

  let generation = 0;
  async function run(start: [number, number]): Promise<void> {
    const gen = ++generation;
    overlay.replaceChildren();
    const t0 = performance.now();
    const runs: { spec: OptimizerSpec; runner: PathRunner | undefined; g: SVGGElement; line: SVGPolylineElement }[] = [];
    for (const spec of OPTIMIZERS.filter((s) => rows.get(s.id)!.check.checked)) {
      const g = svgEl('g', { class: 'optim-path', 'data-optimizer': spec.id, 'data-status': 'running', stroke: spec.color, fill: spec.color }, overlay);
      const line = svgEl('polyline', { fill: 'none', 'stroke-width': 2, 'stroke-linejoin': 'round' }, g);
      runs.push({ spec, runner: undefined, g, line });
    }
    const [sx, sy] = toPx(start[0], start[1]);
    svgEl('circle', { class: 'start', cx: sx, cy: sy, r: 7, fill: 'none', stroke: '#000', 'stroke-width': 1.5 }, overlay);
    const fail = (r: (typeof runs)[number], e: unknown): void => {
      const msg = e instanceof Error ? e.message : String(e);
      r.g.dataset.status = 'failed';
      r.g.dataset.error = msg;
      r.runner?.dispose();
      r.runner = undefined;
      const info = rows.get(r.spec.id)!.info;
      info.className = 'info failed';
      info.textContent = `failed on ${getBackend()}: ${firstSentence(msg)}`;
      info.title = msg;
    };
    const draw = (r: (typeof runs)[number], points: readonly [number, number][]): void => {
      const px = points.map(([x, y]) => toPx(x, y));
      r.line.setAttribute('points', px.map(([x, y]) => `${x},${y}`).join(' '));
      svgEl('circle', { cx: px.at(-1)![0], cy: px.at(-1)![1], r: 3.5, 'stroke-width': 1 }, r.g);
      r.g.dataset.points = JSON.stringify(points);
      const [x, y] = points.at(-1)!;
      const info = rows.get(r.spec.id)!.info;
      info.className = 'info';
      info.textContent = `step ${points.length - 1}: (${fmt(x)}, ${fmt(y)})`;
    };
    for (const r of runs) {
      try {
        r.runner = new PathRunner(r.spec, loss, start);
        draw(r, r.runner.points);
      } catch (e) {
        fail(r, e);
      }
    }
    for (let k = 1; k <= STEPS; k++) {
      setStatus('running', `Step ${k} of ${STEPS} from (${fmt(start[0])}, ${fmt(start[1])})…`);
      for (const r of runs) {
        if (r.runner === undefined) continue;
        try {
          await r.runner.step();
          draw(r, r.runner.points);
        } catch (e) {
          fail(r, e);
        }
        if (gen !== generation) break;
      }
      if (gen !== generation) break;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    for (const r of runs) {
      r.runner?.dispose();
      if (r.g.dataset.status === 'running') r.g.dataset.status = gen === generation ? 'done' : 'stopped';
    }
    if (gen !== generation) return;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    setStatus('done', `${STEPS} steps from (${fmt(start[0])}, ${fmt(start[1])}) on ${getBackend()} in ${secs} s. Click again to start elsewhere.`);
  }

  svg.addEventListener('click', (ev) => {
    const ctm = svg.getScreenCTM();
    if (ctm === null) return;
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
    if (p.x < box.left || p.x > box.right || p.y < box.top || p.y > box.bottom) return;
    run(toData(p.x, p.y)).catch((e: unknown) => setStatus('error', `Error: ${e instanceof Error ? e.message : String(e)}`));
  });
  const first = getBackend() === 'webgpu' ? ' The first run compiles the GPU kernels, so it is the slowest.' : '';
  setStatus('ready', `Click the plot to start the checked optimizers there.${first}`);
}

main().catch((e: unknown) => {
  console.error(e);
  setStatus('error', `Error: ${e instanceof Error ? e.message : String(e)}`);
});
