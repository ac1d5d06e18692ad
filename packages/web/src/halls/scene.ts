/**
 * A space as a three.js scene the visitor walks: floors, walls cut by doors (geometry.ts), a ceiling
 * light in each room, and each work as its placement says: a picture framed on a wall, a model
 * scaled to its size on a plinth, a video playing on a screen, anything else, or anything the
 * visitor may not see, as a labelled card. This module is loaded only by the hall page (a dynamic
 * import), so three.js never weighs on the first screen. WebXR: the same scene, entered from a button.
 */
import type { Room } from '@cinnabar/core';
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { WalkControls } from './controls.js';
import type { HallWork } from './data.js';
import {
  buildWalls,
  type Collider,
  createCollider,
  GEOMETRY_DEFAULTS,
  move,
  placementWorld,
  plinthRect,
  roomAt,
  startPoint,
} from './geometry.js';

export interface HallSceneOptions {
  /** Where the canvas goes (the scene owns everything in it). */
  container: HTMLElement;
  /** The touch stick, if the visitor has a touch screen. */
  joystick?: HTMLElement;
  rooms: readonly Room[];
  works: readonly HallWork[];
  /** Text on a work's card when it cannot be shown (restricted, taken down, failed). */
  cardText: (work: HallWork, problem?: string) => string;
  onSelect: (index: number) => void;
  onProgress: (done: number, total: number) => void;
  /** The first frame drawn with every work loaded (or failed). */
  onReady: () => void;
  /** Walking speed, metres per second. */
  speed?: number;
}

/** What a test or a benchmark may read of a running hall: window.__cinnabarHall. */
export interface HallDebug {
  readonly position: { x: number; y: number; z: number };
  readonly heading: number;
  readonly room: string | undefined;
  readonly fps: number;
  readonly frames: number;
  readonly loaded: number;
  readonly total: number;
  readonly ready: boolean;
  /** performance.now() when the first frame with every work loaded was drawn. */
  readonly readyAt: number | undefined;
  readonly rooms: readonly Room[];
}

const PLINTH_SCALE = 0.7;
const FRAME_DEPTH = 0.05;
const PLINTH_COLOUR = 0xf1ede6;
const MAX_ROOM_LIGHTS = 8;

export class HallScene {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera: THREE.PerspectiveCamera;
  /** The visitor: moved and turned on the plan; the camera (or the headset) rides on it. */
  private readonly rig = new THREE.Group();
  private readonly controls: WalkControls;
  private readonly collider: Collider;
  private readonly selectable: THREE.Object3D[] = [];
  private readonly raycaster = new THREE.Raycaster();
  private readonly disposables: { dispose(): void }[] = [];
  private readonly videos: HTMLVideoElement[] = [];
  private readonly resizeObserver: ResizeObserver;
  private readonly clock = new THREE.Clock();
  private readonly speed: number;
  private heading = 0;
  private pitch = 0;
  private loaded = 0;
  private allLoaded = false;
  private ready = false;
  private readyAt: number | undefined;
  private frames = 0;
  private fps = 0;
  private fpsWindow = { start: performance.now(), frames: 0 };
  private disposed = false;

  constructor(private readonly options: HallSceneOptions) {
    const { container, rooms, works } = options;
    this.speed = options.speed ?? 2.2;
    this.renderer = new THREE.WebGLRenderer({
      antialias: devicePixelRatio < 2,
      powerPreference: 'high-performance',
    });
    this.renderer.setPixelRatio(Math.min(devicePixelRatio, 1.5));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.renderer.xr.enabled = true;
    const canvas = this.renderer.domElement;
    canvas.className = 'hall-canvas';
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-roledescription', '3D hall');
    container.prepend(canvas);

    this.camera = new THREE.PerspectiveCamera(70, 1, 0.05, 400);
    this.camera.position.y = GEOMETRY_DEFAULTS.eyeHeight;
    this.camera.rotation.order = 'YXZ';
    this.rig.add(this.camera);
    this.scene.add(this.rig);
    this.scene.background = new THREE.Color(0x1d1b19);

    const walls = buildWalls(rooms);
    this.buildRooms(rooms, walls);
    const plinths = works
      .filter((w) => w.status.state === 'ok' && w.status.kind === 'model' && w.placement.y > 0.02)
      .map((w) => plinthRect(rooms.find((r) => r.id === w.placement.room)!, w.placement, PLINTH_SCALE));
    this.collider = createCollider(rooms, walls, plinths);

    const start = startPoint(rooms);
    this.rig.position.set(start.x, 0, start.z);
    this.heading = Math.PI - (start.yaw * Math.PI) / 180;

    this.controls = new WalkControls(canvas, options.joystick, (x, y) => this.select(x, y));
    this.setUpXr();

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();

    let done = 0;
    options.onProgress(0, works.length);
    const loads = works.map((work) =>
      this.addWork(work).finally(() => {
        done++;
        this.loaded = done;
        options.onProgress(done, works.length);
      }),
    );
    void Promise.allSettled(loads).then(() => {
      this.allLoaded = true;
    });

    this.installDebug();
    this.renderer.setAnimationLoop(() => this.frame());
  }

  /** The visitor starts walking (after the overlay's click). */
  start(lockPointer: boolean): void {
    this.controls.start(lockPointer);
    for (const video of this.videos) void video.play().catch(() => undefined);
  }

  private buildRooms(rooms: readonly Room[], walls: ReturnType<typeof buildWalls>): void {
    const hemisphere = new THREE.HemisphereLight(0xfffaf0, 0x8a8078, 2.4);
    this.scene.add(hemisphere);
    const sun = new THREE.DirectionalLight(0xffffff, 0.9);
    sun.position.set(3, 10, 6);
    this.scene.add(sun);
    const box = new THREE.BoxGeometry(1, 1, 1);
    const plane = new THREE.PlaneGeometry(1, 1);
    this.disposables.push(box, plane);
    const materials = new Map<string, THREE.Material>();
    const material = (colour: string, kind: 'lambert' | 'basic' = 'lambert') => {
      const key = `${kind}${colour}`;
      let m = materials.get(key);
      if (!m) {
        m =
          kind === 'basic'
            ? new THREE.MeshBasicMaterial({ color: colour })
            : new THREE.MeshLambertMaterial({ color: colour });
        materials.set(key, m);
        this.disposables.push(m);
      }
      return m;
    };
    for (const [i, room] of rooms.entries()) {
      const floor = new THREE.Mesh(plane, material(room.floorColour ?? '#b9a48a'));
      floor.rotation.x = -Math.PI / 2;
      floor.scale.set(room.width, room.depth, 1);
      floor.position.set(room.x + room.width / 2, 0, room.z + room.depth / 2);
      const ceiling = new THREE.Mesh(plane, material('#f4f1ec'));
      ceiling.rotation.x = Math.PI / 2;
      ceiling.scale.set(room.width, room.depth, 1);
      ceiling.position.set(room.x + room.width / 2, room.height, room.z + room.depth / 2);
      // A light panel in the ceiling, and its light.
      const panel = new THREE.Mesh(plane, material('#fffdf6', 'basic'));
      panel.rotation.x = Math.PI / 2;
      panel.scale.set(room.width * 0.5, room.depth * 0.5, 1);
      panel.position.set(room.x + room.width / 2, room.height - 0.01, room.z + room.depth / 2);
      this.scene.add(floor, ceiling, panel);
      if (i < MAX_ROOM_LIGHTS) {
        const light = new THREE.PointLight(0xfff3e0, 1.4, Math.max(room.width, room.depth) * 1.5, 1);
        light.position.set(room.x + room.width / 2, room.height - 0.3, room.z + room.depth / 2);
        this.scene.add(light);
      }
    }
    for (const piece of walls) {
      const room = rooms.find((r) => r.id === piece.room)!;
      const mesh = new THREE.Mesh(box, material(room.wallColour ?? '#ece6dc'));
      mesh.scale.set(piece.maxX - piece.minX, piece.top - piece.bottom, piece.maxZ - piece.minZ);
      mesh.position.set(
        (piece.minX + piece.maxX) / 2,
        (piece.bottom + piece.top) / 2,
        (piece.minZ + piece.maxZ) / 2,
      );
      this.scene.add(mesh);
    }
  }

  /** Place one work; resolves when it is shown (or its card is). */
  private async addWork(work: HallWork): Promise<void> {
    const room = this.options.rooms.find((r) => r.id === work.placement.room);
    if (!room) return;
    const where = placementWorld(room, work.placement);
    const group = new THREE.Group();
    group.position.set(where.x, where.y, where.z);
    group.rotation.y = where.rotationY;
    group.userData.workIndex = work.index;
    this.scene.add(group);
    this.selectable.push(group);
    const { status, placement } = work;
    try {
      if (status.state !== 'ok') {
        group.add(this.card(this.options.cardText(work), Math.min(placement.size, 1.4)));
        return;
      }
      switch (status.kind) {
        case 'image': {
          const texture = await new THREE.TextureLoader().loadAsync(status.url);
          texture.colorSpace = THREE.SRGBColorSpace;
          this.disposables.push(texture);
          const image = texture.image as { width: number; height: number };
          group.add(this.framed(texture, image.width, image.height, placement.size));
          break;
        }
        case 'video': {
          const video = document.createElement('video');
          video.src = status.url;
          video.muted = true;
          video.loop = true;
          video.playsInline = true;
          video.preload = 'auto';
          await new Promise<void>((resolve, reject) => {
            video.addEventListener('loadeddata', () => resolve(), { once: true });
            video.addEventListener('error', () => reject(new Error('the video could not be decoded')), {
              once: true,
            });
          });
          this.videos.push(video);
          if (this.controls.active) void video.play().catch(() => undefined);
          const texture = new THREE.VideoTexture(video);
          texture.colorSpace = THREE.SRGBColorSpace;
          this.disposables.push(texture);
          group.add(this.framed(texture, video.videoWidth || 16, video.videoHeight || 9, placement.size));
          break;
        }
        case 'model': {
          const gltf = await new GLTFLoader().loadAsync(status.url);
          const model = gltf.scene;
          const bounds = new THREE.Box3().setFromObject(model);
          const dims = bounds.getSize(new THREE.Vector3());
          const largest = Math.max(dims.x, dims.y, dims.z) || 1;
          const scale = placement.size / largest;
          const centre = bounds.getCenter(new THREE.Vector3());
          model.scale.setScalar(scale);
          model.position.set(-centre.x * scale, -bounds.min.y * scale, -centre.z * scale);
          group.add(model);
          if (placement.y > 0.02) {
            const side = placement.size * PLINTH_SCALE;
            const plinth = new THREE.Mesh(
              new THREE.BoxGeometry(side, placement.y, side),
              new THREE.MeshLambertMaterial({ color: PLINTH_COLOUR }),
            );
            this.disposables.push(plinth.geometry, plinth.material);
            plinth.position.y = -placement.y / 2;
            group.add(plinth);
          }
          model.traverse((node) => {
            const mesh = node as THREE.Mesh;
            if (mesh.isMesh) this.disposables.push(mesh.geometry);
          });
          break;
        }
        default:
          group.add(this.card(this.options.cardText(work), Math.min(placement.size, 1.4)));
      }
    } catch (error) {
      group.add(
        this.card(this.options.cardText(work, error instanceof Error ? error.message : String(error)), 1),
      );
    }
  }

  /** A picture (or a video) of `size` metres across its longer side, in a dark frame. */
  private framed(texture: THREE.Texture, width: number, height: number, size: number): THREE.Object3D {
    const aspect = width / height;
    const w = aspect >= 1 ? size : size * aspect;
    const h = aspect >= 1 ? size / aspect : size;
    const group = new THREE.Group();
    const picture = new THREE.Mesh(
      new THREE.PlaneGeometry(w, h),
      new THREE.MeshBasicMaterial({ map: texture }),
    );
    picture.position.z = FRAME_DEPTH / 2 + 0.002;
    const border = Math.max(0.04, size * 0.05);
    const frame = new THREE.Mesh(
      new THREE.BoxGeometry(w + border * 2, h + border * 2, FRAME_DEPTH),
      new THREE.MeshLambertMaterial({ color: 0x2b2118 }),
    );
    this.disposables.push(picture.geometry, picture.material, frame.geometry, frame.material);
    group.add(frame, picture);
    return group;
  }

  /** A card with text on it: a work that is not shown as itself, and why. */
  private card(text: string, size: number): THREE.Object3D {
    const canvas = document.createElement('canvas');
    canvas.width = 512;
    canvas.height = 384;
    const g = canvas.getContext('2d');
    if (g) {
      g.fillStyle = '#faf7f2';
      g.fillRect(0, 0, 512, 384);
      g.strokeStyle = '#b8322a';
      g.lineWidth = 10;
      g.strokeRect(5, 5, 502, 374);
      g.fillStyle = '#1d1b19';
      g.font = '600 30px system-ui, "Noto Sans CJK SC", sans-serif';
      let y = 64;
      for (const paragraph of text.split('\n')) {
        let line = '';
        for (const char of paragraph) {
          if (g.measureText(line + char).width > 452 && line) {
            g.fillText(line, 30, y);
            y += 40;
            line = '';
          }
          line += char;
        }
        g.fillText(line, 30, y);
        y += 52;
        g.font = '26px system-ui, "Noto Sans CJK SC", sans-serif';
      }
    }
    const texture = new THREE.CanvasTexture(canvas);
    texture.colorSpace = THREE.SRGBColorSpace;
    this.disposables.push(texture);
    return this.framed(texture, 4, 3, size);
  }

  private setUpXr(): void {
    const tempMatrix = new THREE.Matrix4();
    for (const i of [0, 1]) {
      const controller = this.renderer.xr.getController(i);
      controller.addEventListener('select', () => {
        tempMatrix.identity().extractRotation(controller.matrixWorld);
        this.raycaster.ray.origin.setFromMatrixPosition(controller.matrixWorld);
        this.raycaster.ray.direction.set(0, 0, -1).applyMatrix4(tempMatrix);
        this.pick();
      });
      const line = new THREE.Line(
        new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(0, 0, 0), new THREE.Vector3(0, 0, -4)]),
        new THREE.LineBasicMaterial({ color: 0xb8322a }),
      );
      controller.add(line);
      this.rig.add(controller);
    }
  }

  /** Whether this browser can enter immersive VR. */
  static async vrSupported(): Promise<boolean> {
    try {
      return (await navigator.xr?.isSessionSupported('immersive-vr')) ?? false;
    } catch {
      return false;
    }
  }

  /** Enter VR on the same scene; resolves when the session ends. */
  async enterVr(): Promise<void> {
    const session = await navigator.xr!.requestSession('immersive-vr', {
      optionalFeatures: ['local-floor', 'bounded-floor'],
    });
    this.camera.position.y = 0;
    await this.renderer.xr.setSession(session);
    await new Promise<void>((resolve) => session.addEventListener('end', () => resolve(), { once: true }));
    this.camera.position.y = GEOMETRY_DEFAULTS.eyeHeight;
  }

  private select(clientX: number | undefined, clientY: number | undefined): void {
    const canvas = this.renderer.domElement;
    const box = canvas.getBoundingClientRect();
    const ndc =
      clientX === undefined || clientY === undefined
        ? new THREE.Vector2(0, 0)
        : new THREE.Vector2(
            ((clientX - box.left) / box.width) * 2 - 1,
            -((clientY - box.top) / box.height) * 2 + 1,
          );
    this.raycaster.setFromCamera(ndc, this.camera);
    this.pick();
  }

  /** The work the raycaster's ray meets first, if it meets one before a wall. */
  private pick(): void {
    const hits = this.raycaster.intersectObjects(this.scene.children, true);
    for (const hit of hits) {
      let node: THREE.Object3D | null = hit.object;
      while (node && node.userData.workIndex === undefined) node = node.parent;
      if (node) {
        if (hit.distance < 12) this.options.onSelect(node.userData.workIndex as number);
        return;
      }
      if ((hit.object as THREE.Mesh).isMesh && !(hit.object as THREE.Line).isLine) return;
    }
  }

  private frame(): void {
    if (this.disposed) return;
    const seconds = Math.min(this.clock.getDelta(), 0.25);
    const intent = this.controls.take(seconds);
    const xr = this.renderer.xr;
    if (xr.isPresenting) this.xrIntent(intent, seconds);
    this.heading += intent.turn;
    this.pitch = Math.max(-1.4, Math.min(1.4, this.pitch + intent.tilt));
    this.rig.rotation.y = this.heading;
    this.camera.rotation.x = xr.isPresenting ? 0 : this.pitch;
    if (intent.forward !== 0 || intent.strafe !== 0) {
      // Forward is where the visitor (or the headset) looks, on the plan.
      const look = new THREE.Vector3();
      (xr.isPresenting ? xr.getCamera() : this.camera).getWorldDirection(look);
      const h = Math.atan2(-look.x, -look.z);
      const step = this.speed * seconds;
      const dx = (-Math.sin(h) * intent.forward + Math.cos(h) * intent.strafe) * step;
      const dz = (-Math.cos(h) * intent.forward - Math.sin(h) * intent.strafe) * step;
      const to = move(this.collider, { x: this.rig.position.x, z: this.rig.position.z }, dx, dz);
      this.rig.position.x = to.x;
      this.rig.position.z = to.z;
    }
    this.renderer.render(this.scene, this.camera);
    this.frames++;
    this.fpsWindow.frames++;
    const now = performance.now();
    if (now - this.fpsWindow.start >= 1000) {
      this.fps = (this.fpsWindow.frames * 1000) / (now - this.fpsWindow.start);
      this.fpsWindow = { start: now, frames: 0 };
    }
    if (this.allLoaded && !this.ready) {
      this.ready = true;
      this.readyAt = now;
      this.options.onReady();
    }
  }

  /** A headset's thumbsticks: the first stick that is pushed moves; the other's x turns. */
  private xrIntent(intent: { forward: number; strafe: number; turn: number }, seconds: number): void {
    const session = this.renderer.xr.getSession();
    if (!session) return;
    for (const source of session.inputSources) {
      const axes = source.gamepad?.axes;
      if (!axes || axes.length < 4) continue;
      const [x, y] = [axes[2]!, axes[3]!];
      if (source.handedness === 'right') {
        if (Math.abs(x) > 0.2) intent.turn -= x * 1.5 * seconds;
      } else if (Math.hypot(x, y) > 0.2) {
        intent.forward = -y;
        intent.strafe = x;
      }
    }
  }

  private resize(): void {
    const canvas = this.renderer.domElement;
    const parent = canvas.parentElement;
    if (!parent) return;
    const width = parent.clientWidth || 1;
    const height = Math.max(parent.clientHeight, 1);
    this.renderer.setSize(width, height, false);
    canvas.style.width = '100%';
    canvas.style.height = '100%';
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  private installDebug(): void {
    const scene = this;
    const debug: HallDebug = {
      get position() {
        return { x: scene.rig.position.x, y: scene.camera.position.y, z: scene.rig.position.z };
      },
      get heading() {
        return scene.heading;
      },
      get room() {
        return roomAt(scene.options.rooms, scene.rig.position.x, scene.rig.position.z)?.id;
      },
      get fps() {
        return scene.fps;
      },
      get frames() {
        return scene.frames;
      },
      get loaded() {
        return scene.loaded;
      },
      get total() {
        return scene.options.works.length;
      },
      get ready() {
        return scene.ready;
      },
      get readyAt() {
        return scene.readyAt;
      },
      get rooms() {
        return structuredClone(scene.options.rooms);
      },
    };
    Object.defineProperty(window, '__cinnabarHall', {
      value: Object.freeze(debug),
      configurable: true,
      writable: false,
    });
  }

  dispose(): void {
    this.disposed = true;
    this.renderer.setAnimationLoop(null);
    this.controls.dispose();
    this.resizeObserver.disconnect();
    for (const video of this.videos) {
      video.pause();
      video.removeAttribute('src');
      video.load();
    }
    for (const item of this.disposables) item.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
    if ((window as { __cinnabarHall?: unknown }).__cinnabarHall)
      Reflect.deleteProperty(window, '__cinnabarHall');
  }
}
