/**
 * An interactive glTF 2.0 / GLB viewer: three.js, orbit controls (mouse, touch and keyboard), a
 * neutral studio light (a room environment for PBR materials, plus a key light), the model framed
 * by its bounds. Loaded only with a dynamic import, so three.js is fetched only where a 3D view is
 * shown (asset pages, exhibition halls). The caller checks for WebGL first (hasWebGL in media.tsx).
 */
import {
  ACESFilmicToneMapping,
  Box3,
  Color,
  DirectionalLight,
  HemisphereLight,
  type Object3D,
  PerspectiveCamera,
  PMREMGenerator,
  Scene,
  SRGBColorSpace,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { RoomEnvironment } from 'three/addons/environments/RoomEnvironment.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

export interface ModelViewerOptions {
  /** The canvas's accessible name. */
  label: string;
  /** Background colour (CSS). */
  background?: string;
  /** Turn slowly until the reader touches the controls. */
  autoRotate?: boolean;
  signal?: AbortSignal;
}

export const MODEL_VIEWER_DEFAULTS = Object.freeze({
  background: '#f3efe8',
  autoRotate: true,
  fov: 40,
});

export interface ModelStats {
  meshes: number;
  triangles: number;
  /** Size of the bounding box, in the model's units (metres, by glTF's convention). */
  size: [number, number, number];
}

export interface ModelViewer {
  canvas: HTMLCanvasElement;
  stats: ModelStats;
  /** Frame the model again, as first shown. */
  resetView(): void;
  /** Turn the view about the vertical axis by `radians`. */
  rotate(radians: number): void;
  /** Move closer (factor < 1) or further (> 1). */
  zoom(factor: number): void;
  dispose(): void;
}

function countTriangles(root: Object3D): { meshes: number; triangles: number } {
  let meshes = 0;
  let triangles = 0;
  root.traverse((object) => {
    const mesh = object as Partial<{
      isMesh: boolean;
      geometry: { index: { count: number } | null; attributes: { position?: { count: number } } };
    }>;
    if (!mesh.isMesh || !mesh.geometry) return;
    meshes++;
    const count = mesh.geometry.index?.count ?? mesh.geometry.attributes.position?.count ?? 0;
    triangles += Math.floor(count / 3);
  });
  return { meshes, triangles };
}

/** Load the glTF/GLB at `url` into a canvas appended to `container`. */
export async function mountModelViewer(
  container: HTMLElement,
  url: string,
  options: ModelViewerOptions,
): Promise<ModelViewer> {
  const gltf = await new GLTFLoader().loadAsync(url);
  if (options.signal?.aborted) throw new DOMException('aborted', 'AbortError');

  const renderer = new WebGLRenderer({ antialias: true, alpha: false });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.outputColorSpace = SRGBColorSpace;
  renderer.toneMapping = ACESFilmicToneMapping;
  const canvas = renderer.domElement;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', options.label);
  canvas.tabIndex = 0;
  canvas.classList.add('model-canvas');
  container.append(canvas);

  const scene = new Scene();
  scene.background = new Color(options.background ?? MODEL_VIEWER_DEFAULTS.background);
  const pmrem = new PMREMGenerator(renderer);
  const environment = pmrem.fromScene(new RoomEnvironment(), 0.04).texture;
  scene.environment = environment;
  scene.add(new HemisphereLight(0xffffff, 0x8a7f72, 0.6));
  const key = new DirectionalLight(0xffffff, 1.6);
  key.position.set(3, 5, 4);
  scene.add(key);

  const model = gltf.scene;
  scene.add(model);
  const box = new Box3().setFromObject(model);
  const size = box.getSize(new Vector3());
  const centre = box.getCenter(new Vector3());
  const radius = Math.max(size.length() / 2, 1e-3);

  const camera = new PerspectiveCamera(MODEL_VIEWER_DEFAULTS.fov, 1, radius / 100, radius * 100);
  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = true;
  controls.autoRotate = options.autoRotate ?? MODEL_VIEWER_DEFAULTS.autoRotate;
  controls.autoRotateSpeed = 1.2;
  controls.listenToKeyEvents(canvas);
  controls.addEventListener('start', () => {
    controls.autoRotate = false;
  });

  const frame = () => {
    const distance = radius / Math.sin(((camera.fov / 2) * Math.PI) / 180);
    camera.position.copy(centre).add(new Vector3(0.6, 0.45, 1).normalize().multiplyScalar(distance * 1.05));
    controls.target.copy(centre);
    controls.update();
  };
  frame();

  const resize = () => {
    const width = Math.max(1, container.clientWidth);
    const height = Math.max(1, Math.round(Math.min(width * 0.75, 560)));
    renderer.setSize(width, height);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
  };
  resize();
  const observer = new ResizeObserver(resize);
  observer.observe(container);

  let running = true;
  let visible = true;
  const visibility = new IntersectionObserver(([entry]) => {
    visible = entry?.isIntersecting ?? true;
  });
  visibility.observe(canvas);
  renderer.setAnimationLoop(() => {
    if (!running || !visible) return;
    controls.update();
    renderer.render(scene, camera);
  });

  const spherical = (radians: number) => {
    const offset = camera.position.clone().sub(controls.target);
    offset.applyAxisAngle(new Vector3(0, 1, 0), radians);
    camera.position.copy(controls.target).add(offset);
    controls.update();
  };

  return {
    canvas,
    stats: { ...countTriangles(model), size: [size.x, size.y, size.z] },
    resetView: frame,
    rotate(radians) {
      controls.autoRotate = false;
      spherical(radians);
    },
    zoom(factor) {
      controls.autoRotate = false;
      const offset = camera.position.clone().sub(controls.target).multiplyScalar(factor);
      if (offset.length() < radius * 0.2 || offset.length() > radius * 50) return;
      camera.position.copy(controls.target).add(offset);
      controls.update();
    },
    dispose() {
      running = false;
      renderer.setAnimationLoop(null);
      observer.disconnect();
      visibility.disconnect();
      controls.dispose();
      environment.dispose();
      pmrem.dispose();
      model.traverse((object) => {
        const mesh = object as Partial<{ geometry: { dispose(): void }; material: unknown }>;
        mesh.geometry?.dispose();
        const materials = Array.isArray(mesh.material) ? mesh.material : mesh.material ? [mesh.material] : [];
        for (const material of materials as { dispose(): void; [k: string]: unknown }[]) {
          for (const value of Object.values(material))
            if (value && typeof value === 'object' && 'isTexture' in value)
              (value as unknown as { dispose(): void }).dispose();
          material.dispose();
        }
      });
      renderer.dispose();
      canvas.remove();
    },
  };
}
