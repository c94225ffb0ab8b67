// The camera: ask for it, show it, and stream its frames as JPEG blobs while it runs.
//
// Frames are taken on a steady timer (about 12 fps) and handed on as soon as each is encoded;
// nothing waits for the server, as a live camera would not. A frame is skipped, never queued,
// when the previous one is still being encoded or the connection has too much unsent data
// (the server sees a gap then, and says so, rather than a burst of stale frames).

const JPEG_QUALITY = 0.85;

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
    this.timer = null;
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
        video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 }, facingMode: "user" },
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
    this.stopFrames();
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  // Calls send(blob) with a JPEG of the current picture `fps` times a second, each at most
  // maxWidth x maxHeight, until stopFrames(); canSend() false skips a frame.
  startFrames({ fps, maxWidth, maxHeight, send, canSend = () => true }) {
    this.stopFrames();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { alpha: false });
    let encoding = false;
    const tick = () => {
      const { videoWidth: width, videoHeight: height } = this.video;
      if (!this.stream || encoding || width === 0 || !canSend()) return;
      const scale = Math.min(1, maxWidth / width, maxHeight / height);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(this.video, 0, 0, canvas.width, canvas.height);
      encoding = true;
      canvas.toBlob(
        (blob) => {
          encoding = false;
          if (blob && this.timer !== null) send(blob);
        },
        "image/jpeg",
        JPEG_QUALITY,
      );
    };
    this.timer = setInterval(tick, Math.round(1000 / fps));
    tick();
  }

  stopFrames() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
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
