/**
 * How a visitor walks a hall, without three.js: the keyboard (W A S D or the arrows; left and right
 * arrows turn, so the keyboard alone can look around), the mouse (pointer lock once started, or a
 * drag), and touch (a virtual stick to move, a drag elsewhere to look). A click or tap that is not a
 * drag selects what is under it. The scene reads the intent once a frame with `take()`.
 */

export interface WalkIntent {
  /** -1 (back) to 1 (forward). */
  forward: number;
  /** -1 (left) to 1 (right). */
  strafe: number;
  /** Radians to turn (positive: to the left) and to tilt (positive: up) since the last frame. */
  turn: number;
  tilt: number;
}

export interface WalkControlsOptions {
  /** Radians of turn per pixel of mouse or finger movement. */
  lookSpeed: number;
  /** Radians per second the left and right arrows turn. */
  turnSpeed: number;
  /** Pixels a press may move and still be a click. */
  clickSlop: number;
}

export const WALK_CONTROLS_DEFAULTS: Readonly<WalkControlsOptions> = Object.freeze({
  lookSpeed: 0.0035,
  turnSpeed: 1.8,
  clickSlop: 6,
});

const MOVE_KEYS: Record<string, [forward: number, strafe: number]> = {
  KeyW: [1, 0],
  KeyS: [-1, 0],
  KeyA: [0, -1],
  KeyD: [0, 1],
  ArrowUp: [1, 0],
  ArrowDown: [-1, 0],
};
const TURN_KEYS: Record<string, number> = { ArrowLeft: 1, ArrowRight: -1, KeyQ: 1, KeyE: -1 };

export class WalkControls {
  private readonly options: WalkControlsOptions;
  private readonly keys = new Set<string>();
  private turn = 0;
  private tilt = 0;
  private stick = { x: 0, y: 0 };
  private drag:
    | { id: number; x: number; y: number; startX: number; startY: number; moved: boolean }
    | undefined;
  private stickPointer: number | undefined;
  private readonly cleanup: (() => void)[] = [];
  active = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    joystick: HTMLElement | undefined,
    /** A click or tap at client (x, y), or at the centre of the view when the pointer is locked. */
    onSelect: (x: number | undefined, y: number | undefined) => void,
    options: Partial<WalkControlsOptions> = {},
  ) {
    this.options = { ...WALK_CONTROLS_DEFAULTS, ...options };
    const on = <K extends keyof HTMLElementEventMap>(
      target: HTMLElement | Document | Window,
      type: K,
      listener: (event: HTMLElementEventMap[K]) => void,
      opts?: AddEventListenerOptions,
    ) => {
      target.addEventListener(type, listener as EventListener, opts);
      this.cleanup.push(() => target.removeEventListener(type, listener as EventListener, opts));
    };
    on(window, 'keydown', (e) => this.key(e, true));
    on(window, 'keyup', (e) => this.key(e, false));
    on(window, 'blur', () => this.keys.clear());
    on(document, 'mousemove', (e) => {
      if (document.pointerLockElement !== canvas) return;
      this.turn -= e.movementX * this.options.lookSpeed;
      this.tilt -= e.movementY * this.options.lookSpeed;
    });
    on(canvas, 'pointerdown', (e) => {
      if (!this.active) return;
      if (document.pointerLockElement === canvas) {
        if (e.button === 0) onSelect(undefined, undefined);
        return;
      }
      if (this.drag) return;
      canvas.setPointerCapture?.(e.pointerId);
      this.drag = {
        id: e.pointerId,
        x: e.clientX,
        y: e.clientY,
        startX: e.clientX,
        startY: e.clientY,
        moved: false,
      };
    });
    on(canvas, 'pointermove', (e) => {
      const drag = this.drag;
      if (!drag || drag.id !== e.pointerId) return;
      this.turn += (e.clientX - drag.x) * this.options.lookSpeed;
      this.tilt += (e.clientY - drag.y) * this.options.lookSpeed;
      drag.x = e.clientX;
      drag.y = e.clientY;
      if (Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) > this.options.clickSlop)
        drag.moved = true;
    });
    const release = (e: PointerEvent) => {
      const drag = this.drag;
      if (!drag || drag.id !== e.pointerId) return;
      this.drag = undefined;
      if (!drag.moved && e.type === 'pointerup') onSelect(e.clientX, e.clientY);
    };
    on(canvas, 'pointerup', release);
    on(canvas, 'pointercancel', release);
    if (joystick) {
      const stickMove = (e: PointerEvent) => {
        if (this.stickPointer !== e.pointerId) return;
        const box = joystick.getBoundingClientRect();
        const r = box.width / 2;
        let x = (e.clientX - (box.left + r)) / r;
        let y = (e.clientY - (box.top + r)) / r;
        const length = Math.hypot(x, y);
        if (length > 1) {
          x /= length;
          y /= length;
        }
        this.stick = { x, y };
        joystick.style.setProperty('--knob-x', `${x * r * 0.6}px`);
        joystick.style.setProperty('--knob-y', `${y * r * 0.6}px`);
      };
      on(joystick, 'pointerdown', (e) => {
        this.stickPointer = e.pointerId;
        joystick.setPointerCapture?.(e.pointerId);
        stickMove(e);
      });
      on(joystick, 'pointermove', stickMove);
      const stickEnd = (e: PointerEvent) => {
        if (this.stickPointer !== e.pointerId) return;
        this.stickPointer = undefined;
        this.stick = { x: 0, y: 0 };
        joystick.style.setProperty('--knob-x', '0px');
        joystick.style.setProperty('--knob-y', '0px');
      };
      on(joystick, 'pointerup', stickEnd);
      on(joystick, 'pointercancel', stickEnd);
    }
  }

  /** Start walking: focus the view and, with a mouse, lock the pointer (where the browser allows it). */
  start(lockPointer: boolean): void {
    this.active = true;
    this.canvas.focus({ preventScroll: true });
    if (!lockPointer) return;
    try {
      const result = this.canvas.requestPointerLock() as unknown;
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // No pointer lock here (an iframe, a headless browser): dragging looks around instead.
    }
  }

  private key(event: KeyboardEvent, down: boolean): void {
    if (!down) {
      this.keys.delete(event.code);
      return;
    }
    if (!this.active || event.altKey || event.ctrlKey || event.metaKey) return;
    const focused = document.activeElement === this.canvas || document.pointerLockElement === this.canvas;
    if (!focused) return;
    if (event.code in MOVE_KEYS || event.code in TURN_KEYS) {
      event.preventDefault();
      this.keys.add(event.code);
    }
  }

  /** What the visitor asked for since the last frame, `seconds` long. */
  take(seconds: number): WalkIntent {
    let forward = 0;
    let strafe = 0;
    let turn = this.turn;
    for (const code of this.keys) {
      const move = MOVE_KEYS[code];
      if (move) {
        forward += move[0];
        strafe += move[1];
      }
      const t = TURN_KEYS[code];
      if (t) turn += t * this.options.turnSpeed * seconds;
    }
    forward += -this.stick.y;
    strafe += this.stick.x;
    const length = Math.hypot(forward, strafe);
    if (length > 1) {
      forward /= length;
      strafe /= length;
    }
    const intent = { forward, strafe, turn, tilt: this.tilt };
    this.turn = 0;
    this.tilt = 0;
    return intent;
  }

  dispose(): void {
    for (const undo of this.cleanup.splice(0)) undo();
    if (document.pointerLockElement === this.canvas) document.exitPointerLock();
  }
}
