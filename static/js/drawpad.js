/* The drawing pad: black strokes on white with mouse, pen or finger (Pointer Events), undo, clear.
 *
 * The pad keeps its strokes as point lists so undo can repaint the rest. When the pen is lifted and
 * stays up for ENCODE_DEBOUNCE_MS, the canvas goes to `onDrawing(blob)` as a PNG: the pad knows nothing
 * of models or requests.
 */

import { ENCODE_DEBOUNCE_MS } from "./constants.js";
import { debounce } from "./scheduler.js";

const INK = "#000000";
const PAPER = "#ffffff";
const PEN_WIDTH_SHARE = 1 / 12; // of the canvas width: ≈ 2.3 px at 28×28, like an MNIST pen stroke

export function createDrawPad(canvas, { onDrawing }) {
  const ctx = canvas.getContext("2d");
  const strokes = [];
  let current = null; // {id: pointerId, points} of the stroke being drawn
  const lineWidth = () => canvas.width * PEN_WIDTH_SHARE;

  function usePen() {
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = lineWidth();
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  function paintBackground() {
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  function drawStroke(points) {
    usePen();
    ctx.beginPath();
    if (points.length === 1) {
      ctx.arc(points[0][0], points[0][1], lineWidth() / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.moveTo(points[0][0], points[0][1]);
    for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
    ctx.stroke();
  }

  function redraw() {
    paintBackground();
    strokes.forEach(drawStroke);
  }

  /** The event's position in canvas pixels (the canvas is scaled by CSS). */
  function point(event) {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * canvas.width) / rect.width, ((event.clientY - rect.top) * canvas.height) / rect.height];
  }

  const scheduleEncode = debounce(() => {
    if (strokes.length === 0) return;
    canvas.toBlob((blob) => blob && onDrawing(blob), "image/png");
  }, ENCODE_DEBOUNCE_MS);

  function startStroke(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    try {
      canvas.setPointerCapture(event.pointerId); // keep the stroke when the pointer leaves the pad
    } catch (_) {
      /* a synthetic pointer cannot be captured; drawing works without */
    }
    scheduleEncode.cancel();
    current = { id: event.pointerId, points: [point(event)] };
    strokes.push(current.points);
    drawStroke(current.points);
  }

  // Only the new segment is drawn; coalesced events keep fast strokes smooth.
  function extendStroke(event) {
    if (!current || event.pointerId !== current.id) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    const points = current.points;
    for (const e of events.length ? events : [event]) {
      const p = point(e);
      const last = points[points.length - 1];
      points.push(p);
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.lineWidth = lineWidth();
      ctx.lineCap = "round";
      ctx.strokeStyle = INK;
      ctx.stroke();
    }
  }

  function finishStroke(event) {
    if (!current || event.pointerId !== current.id) return;
    current = null;
    scheduleEncode();
  }

  canvas.addEventListener("pointerdown", startStroke);
  canvas.addEventListener("pointermove", extendStroke);
  canvas.addEventListener("pointerup", finishStroke);
  canvas.addEventListener("pointercancel", finishStroke);
  paintBackground();

  return {
    /** Empties the pad, and drops an encode still waiting: an empty pad is no input. */
    clear() {
      strokes.length = 0;
      current = null;
      scheduleEncode.cancel();
      redraw();
    },
    undo() {
      strokes.pop();
      redraw();
      scheduleEncode();
    },
    isEmpty: () => strokes.length === 0,
  };
}
