// One live take over the capture WebSocket (GET sessions/{id}/capture), as the protocol says:
// a "start" message (with the ID photo when the session matches one), the server's "ready" with
// the frame rate and size it wants, then camera frames as binary messages while the server
// answers each with a "frame" reply (the current instruction), until its "result". The page never
// waits for a reply before sending the next frame. An "error" message, or the socket closing
// before a result, ends the take with a CaptureError carrying the server's code.

const TARGET_FPS = 12;
// Unsent data above this means the network is not keeping up: skip frames instead of queueing.
const MAX_BUFFERED = 2 * 1024 * 1024;

export class CaptureError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "CaptureError";
    this.code = code;
  }
}

function closeCode(event) {
  // 4000 + the HTTP status the same error has elsewhere (4409 busy, 4429 locked out, ...).
  if (event.code >= 4000 && event.code < 5000) return `http_${event.code - 4000}`;
  return "connection_closed";
}

// Resolves with the result message; onReady(ready) and onReply(frameReply) as they come.
// The returned promise carries abort(), which closes the socket (the take then fails).
export function runCapture({ url, idImage, camera, onReady = () => {}, onReply = () => {} }) {
  let socket;
  let settled = false;
  const promise = new Promise((resolve, reject) => {
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      camera.stopFrames();
      fn(value);
    };
    try {
      socket = new WebSocket(url);
    } catch (err) {
      reject(new CaptureError("connection_failed", `cannot open the capture connection: ${err.message || err}`));
      return;
    }
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      const start = { type: "start" };
      if (idImage) start.idImage = idImage;
      socket.send(JSON.stringify(start));
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        finish(reject, new CaptureError("bad_reply", "the service sent something that is not JSON"));
        return;
      }
      if (message.type === "ready") {
        onReady(message);
        const limits = message.fps || { min: TARGET_FPS, max: TARGET_FPS };
        camera.startFrames({
          fps: Math.max(limits.min, Math.min(limits.max, TARGET_FPS)),
          maxWidth: message.maxWidth || 640,
          maxHeight: message.maxHeight || 480,
          send: (blob) => {
            if (!settled && socket.readyState === WebSocket.OPEN) socket.send(blob);
          },
          canSend: () => socket.bufferedAmount < MAX_BUFFERED,
        });
      } else if (message.type === "frame") {
        onReply(message);
      } else if (message.type === "result") {
        finish(resolve, message);
      } else if (message.type === "error") {
        finish(reject, new CaptureError(message.code || "capture_error", message.message || "the capture failed"));
      }
    };
    socket.onclose = (event) => {
      finish(
        reject,
        new CaptureError(closeCode(event), event.reason || "the connection to the service closed before the result"),
      );
    };
  });
  promise.abort = () => {
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "cancelled");
  };
  return promise;
}
