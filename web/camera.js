// The camera: ask for it, show it, and take bursts of frames as JPEG data URLs.
//
// A burst keeps to a fixed schedule (frame i at start + i x interval) and only copies the video
// into a canvas while it runs; JPEG encoding happens afterwards, so encoding time cannot stretch
// the burst past the moment the person performs the action.

const MAX_WIDTH = 640;
const JPEG_QUALITY = 0.92;

export class CameraError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "CameraError";
    this.code = code;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Camera {
  constructor(video) {
    this.video = video;
    this.stream = null;
  }

  get active() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new CameraError("camera_unavailable", "this browser gives no camera access (the page needs HTTPS or localhost)");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
      });
    } catch (err) {
      const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      throw new CameraError(
        denied ? "camera_denied" : "camera_unavailable",
        denied
          ? "camera permission was refused: allow the camera for this page and try again"
          : `the camera could not be opened (${(err && err.name) || err})`,
      );
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    for (let waited = 0; this.video.videoWidth === 0; waited += 50) {
      if (waited > 5000) throw new CameraError("camera_unavailable", "the camera sends no picture");
      await sleep(50);
    }
  }

  stop() {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  grab() {
    const { videoWidth: width, videoHeight: height } = this.video;
    const scale = Math.min(1, MAX_WIDTH / width);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(this.video, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  // `count` frames, `intervalMs` apart; onFrame(taken, count) after each.
  async burst(count, intervalMs, onFrame = () => {}) {
    if (!this.stream) throw new CameraError("camera_unavailable", "the camera is not on");
    const canvases = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      canvases.push(this.grab());
      onFrame(i + 1, count);
    }
    return canvases.map((canvas) => canvas.toDataURL("image/jpeg", JPEG_QUALITY));
  }
}

// An ID photo from a file input, as a data URL the service accepts (at most 1 MiB): small JPEG
// and PNG files are sent as they are, anything else is redrawn as a JPEG of at most 1600 px.
export async function readIdImage(file) {
  const limit = 1024 * 1024;
  if (!file.type.startsWith("image/")) throw new CameraError("invalid_image", "the ID photo must be an image file");
  if (file.size <= 700 * 1024 && (file.type === "image/jpeg" || file.type === "image/png")) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(new CameraError("invalid_image", "the ID photo could not be read"));
      reader.readAsDataURL(file);
    });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new CameraError("invalid_image", "the ID photo could not be decoded");
  }
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  for (const quality of [0.92, 0.85, 0.75, 0.6]) {
    const url = canvas.toDataURL("image/jpeg", quality);
    if ((url.length - url.indexOf(",") - 1) * 0.75 <= limit) return url;
  }
  throw new CameraError("invalid_image", "the ID photo is too large even after shrinking it");
}
