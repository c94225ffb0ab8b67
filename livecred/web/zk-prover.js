// The wallet's prover: a dedicated Web Worker that proves a presentation with snarkjs, so the
// page stays responsive while it works (a classic worker: snarkjs's browser bundle is a script
// that defines the global `snarkjs`).
//
// It downloads the snarkjs bundle, the circuit's wasm and its proving key once, each with
// Subresource Integrity (fetch's `integrity`) and then checked again with crypto.subtle against
// the sha256 pin the page passes in (from the service's manifest); a file that does not match is
// refused with code "artifact_hash_mismatch" and never run. The bundle runs from the verified
// bytes themselves (a blob: URL), not from a second download. This script is served with its
// own Content-Security-Policy: it may compile WebAssembly ('wasm-unsafe-eval') and run the
// blob it made; the page itself may do neither.
//
// Messages in: {type: "prove", id, files: {snarkjs, wasm, zkey} (absolute url, sha256, integrity,
// bytes), input}. Out: {type: "progress", id, step, detail}, {type: "proof", id, proof,
// publicSignals, timings}, {type: "error", id, code, message}.

"use strict";

const verified = new Map(); // url -> verified bytes, kept for the next proof

class ProverError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function download(file, label, id) {
  if (verified.has(file.url)) return verified.get(file.url);
  const megabytes = (file.bytes / 1e6).toFixed(1);
  postMessage({ type: "progress", id, step: "download", detail: `${label} (${megabytes} MB)` });
  let response;
  try {
    response = await fetch(file.url, { integrity: file.integrity, credentials: "same-origin" });
  } catch (err) {
    // SRI refusals and network failures look alike to fetch: look at the bytes to tell which.
    let bytes;
    try {
      bytes = await (await fetch(file.url, { cache: "no-store", credentials: "same-origin" })).arrayBuffer();
    } catch {
      throw new ProverError("network_error", `cannot download ${label}: ${err.message || err}`);
    }
    if ((await sha256(bytes)) !== file.sha256) {
      throw new ProverError("artifact_hash_mismatch", `${label} does not match its pinned sha256: refused`);
    }
    throw new ProverError("network_error", `cannot download ${label}: ${err.message || err}`);
  }
  if (!response.ok) throw new ProverError(`http_${response.status}`, `cannot download ${label} (HTTP ${response.status})`);
  const bytes = await response.arrayBuffer();
  if ((await sha256(bytes)) !== file.sha256) {
    throw new ProverError("artifact_hash_mismatch", `${label} does not match its pinned sha256: refused`);
  }
  verified.set(file.url, bytes);
  return bytes;
}

async function loadSnarkjs(file, id) {
  if (self.snarkjs) return self.snarkjs;
  const bytes = await download(file, "the snarkjs prover (GPL-3.0)", id);
  const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
  try {
    importScripts(url);
  } finally {
    URL.revokeObjectURL(url);
  }
  if (!self.snarkjs || !self.snarkjs.groth16) throw new ProverError("prover_unavailable", "the snarkjs bundle did not load");
  return self.snarkjs;
}

async function prove({ id, files, input }) {
  const started = performance.now();
  const snarkjs = await loadSnarkjs(files.snarkjs, id);
  const wasm = await download(files.wasm, "the circuit", id);
  const zkey = await download(files.zkey, "the proving key", id);
  const downloaded = performance.now();
  postMessage({ type: "progress", id, step: "prove", detail: "Computing the proof" });
  let result;
  try {
    // One thread: snarkjs's own thread pool would start workers from blob: URLs, which this
    // worker's policy does not allow; this worker is already off the page's thread.
    result = await snarkjs.groth16.fullProve(input, new Uint8Array(wasm), new Uint8Array(zkey), undefined, undefined, {
      singleThread: true,
    });
  } catch (err) {
    const text = String((err && err.message) || err);
    // The witness generator refuses inputs for which the statement is false (an Assert).
    const code = /assert|constraint|not satisf/i.test(text) ? "statement_false" : "prover_error";
    throw new ProverError(code, code === "statement_false" ? "your credential does not satisfy this request" : text.slice(0, 200));
  }
  const done = performance.now();
  return {
    proof: result.proof,
    publicSignals: result.publicSignals,
    timings: { downloadMs: downloaded - started, proveMs: done - downloaded },
  };
}

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type !== "prove") return;
  try {
    const result = await prove(message);
    postMessage({ type: "proof", id: message.id, ...result });
  } catch (err) {
    postMessage({ type: "error", id: message.id, code: err.code || "prover_error", message: String(err.message || err) });
  }
};
