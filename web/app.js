// The demo wallet's flow: key -> session -> camera bursts -> verdict -> OpenID4VCI -> credential.
//
// Timing: the baseline is 5 frames 300 ms apart and each challenge 8 frames 200 ms apart, after a
// short countdown. The server keeps the most neutral baseline frame and passes a challenge when
// any frame of its burst shows the action, so the person only has to perform it at some point
// while the progress bar runs.

import { ApiError, createSession, redeemOffer, sendFrames, verifyCredential } from "./api.js";
import { Camera, readIdImage } from "./camera.js";
import { forgetWallet, generateWallet, loadWallet, parseJwk, saveWallet, walletFromJwk } from "./wallet.js";

const BASELINE = { frames: 5, intervalMs: 300 };
const CHALLENGE = { frames: 8, intervalMs: 200 };
const COUNTDOWN = { ticks: 3, tickMs: 700 };

const INSTRUCTIONS = {
  smile: { title: "Smile", text: "Give a big smile, showing your teeth." },
  blink: { title: "Close your eyes", text: "Close your eyes for a moment, then open them." },
  turn_left: { title: "Turn to your left ←", text: "Turn your head towards your own left shoulder, then back." },
  turn_right: { title: "Turn to your right →", text: "Turn your head towards your own right shoulder, then back." },
};
const BASELINE_INSTRUCTION = { title: "Look straight at the camera", text: "Keep a neutral face, eyes open." };

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const state = { wallet: null, session: null, idImage: null, credential: null, busy: false };
const camera = new Camera($("video"));

function describe(challenge) {
  return INSTRUCTIONS[challenge] || { title: challenge, text: `Perform: ${challenge}` };
}

function show(id, visible = true) {
  $(id).hidden = !visible;
}

function showError(err) {
  const box = $("error");
  if (!err) {
    box.hidden = true;
    box.textContent = "";
    delete box.dataset.code;
    return;
  }
  const code = err.code || "error";
  box.dataset.code = code;
  box.textContent = `${err.message || err} (${code})`;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

// --- 1. the key -----------------------------------------------------------------------------

function renderWallet() {
  const signedIn = state.wallet !== null;
  show("logged-out", !signedIn);
  show("logged-in", signedIn);
  show("session-panel", signedIn);
  $("did").textContent = signedIn ? state.wallet.did : "";
  $("key-export").hidden = true;
  $("key-export").textContent = "";
}

async function useWallet(makeWallet) {
  showError(null);
  try {
    state.wallet = await makeWallet();
    saveWallet(state.wallet);
    renderWallet();
  } catch (err) {
    showError(err);
  }
}

function logout() {
  forgetWallet();
  state.wallet = null;
  resetSession();
  renderWallet();
}

// --- 2. the session -------------------------------------------------------------------------

function guessDeviceType() {
  const mobile = navigator.userAgentData ? navigator.userAgentData.mobile : /Mobi|Android|iPhone/i.test(navigator.userAgent);
  if (mobile) return "mobile";
  return /iPad|Tablet/i.test(navigator.userAgent) ? "tablet" : "desktop";
}

function resetSession() {
  camera.stop();
  state.session = null;
  state.credential = null;
  for (const id of ["camera-panel", "result-panel", "credential-panel"]) show(id, false);
  $("start").disabled = false;
}

function setStep(title, text, progress = 0) {
  $("step").textContent = title;
  $("instruction").textContent = text;
  $("progress").value = progress;
}

function markChallenge(index, status) {
  const items = $("challenge-list").children;
  for (let i = 0; i < items.length; i++) {
    if (i === index) items[i].dataset.status = status;
    else if (items[i].dataset.status === "current") items[i].dataset.status = "done";
  }
}

function renderChallengeList(challenges) {
  const list = $("challenge-list");
  list.replaceChildren(
    element("li", { "data-status": "todo", text: BASELINE_INSTRUCTION.title }),
    ...challenges.map((c) => element("li", { "data-status": "todo", text: describe(c).title })),
  );
}

async function countdown() {
  const box = $("countdown");
  for (let n = COUNTDOWN.ticks; n > 0; n--) {
    box.textContent = String(n);
    await sleep(COUNTDOWN.tickMs);
  }
  box.textContent = "";
}

function burstSize(limits, wanted) {
  return Math.max(limits.min, Math.min(limits.max, wanted));
}

async function captureAll(session) {
  const limits = session.frames || { baseline: { min: 1, max: 5 }, perChallenge: { min: 1, max: 8 } };
  const challenges = session.challenges;
  const total = challenges.length + 1;
  renderChallengeList(challenges);

  markChallenge(0, "current");
  setStep(`Step 1 of ${total}: ${BASELINE_INSTRUCTION.title}`, BASELINE_INSTRUCTION.text);
  await countdown();
  const baseline = await camera.burst(burstSize(limits.baseline, BASELINE.frames), BASELINE.intervalMs, (i, n) => {
    $("progress").value = i / n;
  });

  const bursts = [];
  for (const [index, challenge] of challenges.entries()) {
    const { title, text } = describe(challenge);
    markChallenge(index + 1, "current");
    setStep(`Step ${index + 2} of ${total}: ${title}`, text);
    await countdown();
    bursts.push(
      await camera.burst(burstSize(limits.perChallenge, CHALLENGE.frames), CHALLENGE.intervalMs, (i, n) => {
        $("progress").value = i / n;
      }),
    );
  }
  markChallenge(-1, "done");
  return { baseline, challenges: bursts };
}

function checkLine(label, check, detail) {
  const passed = Boolean(check && check.passed);
  return element(
    "li",
    { "data-check": label, "data-passed": String(passed), className: passed ? "pass" : "fail" },
    element("strong", { text: `${passed ? "✓ passed" : "✗ failed"}: ` }),
    `${label}${detail ? ` — ${detail}` : ""}`,
  );
}

const fixed = (value, digits = 2) => (typeof value === "number" ? value.toFixed(digits) : "?");

function renderChecks(checks) {
  const items = [];
  if (!checks) return element("ul", { className: "checks" });
  if (checks.antispoof) {
    const a = checks.antispoof;
    items.push(checkLine("live person (anti-spoofing)", a, `lowest score ${fixed(a.minScore)} over ${a.frames ?? "?"} frames`));
  }
  for (const c of checks.challenges || []) {
    const detail = `change ${fixed(c.change, 1)}, needs ${fixed(c.threshold, 1)}${c.frame != null ? `, frame ${c.frame}` : ""}`;
    items.push(checkLine(`challenge: ${describe(c.type).title}`, c, detail));
  }
  if (checks.samePerson) {
    items.push(checkLine("same person in every frame", checks.samePerson, `lowest confidence ${fixed(checks.samePerson.minConfidence)}`));
  }
  if (checks.faceMatch) {
    items.push(checkLine("matches the ID photo", checks.faceMatch, `confidence ${fixed(checks.faceMatch.confidence)}`));
  }
  return element("ul", { className: "checks" }, ...items);
}

function renderVerdict(passed, body) {
  const result = $("result");
  result.dataset.status = passed ? "passed" : "failed";
  const heading = passed
    ? "All checks passed."
    : `Not passed: ${body.message || body.code}${body.code ? ` (${body.code})` : ""}`;
  const children = [element("p", { className: passed ? "verdict pass" : "verdict fail", text: heading })];
  if (!passed && Array.isArray(body.reasons) && body.reasons.length) {
    children.push(element("p", { text: `Reasons: ${body.reasons.join(", ")}` }));
  }
  children.push(renderChecks(body.checks));
  if (!passed && typeof body.attemptsLeft === "number") {
    children.push(element("p", { className: "muted", text: `Attempts left in this session: ${body.attemptsLeft}` }));
  }
  result.replaceChildren(...children);
  show("result-panel");
}

const RETRYABLE = new Set(["spoof_detected", "challenge_not_met", "face_mismatch", "id_mismatch"]);
// Errors after which this session can take no more frames: only a new session helps.
const SESSION_OVER = new Set([
  "session_not_found", "session_expired", "session_completed", "attempts_exhausted", "locked_out",
]);

function failed(err) {
  camera.stop();
  showError(err);
  show("restart");
  show("retry", state.session !== null && err instanceof ApiError && !SESSION_OVER.has(err.code) && !state.session.passed);
  show("result-panel", true);
}

async function attempt() {
  const session = state.session;
  show("result-panel", false);
  show("camera-panel");
  $("camera-panel").scrollIntoView({ block: "start", behavior: "smooth" });
  await camera.start();
  const frames = await captureAll(session);
  camera.stop();
  setStep("Checking…", "The service is checking your frames.", 1);
  let verdict;
  try {
    verdict = await sendFrames(session.sessionId, { ...frames, idImage: session.faceMatch ? state.idImage : undefined });
  } catch (err) {
    if (!(err instanceof ApiError) || !err.body.checks) throw err;
    // A failed check: show what failed, and offer another attempt while the session allows one.
    const body = { code: err.code, message: err.message, ...err.body };
    renderVerdict(false, body);
    show("camera-panel", false);
    show("retry", RETRYABLE.has(err.code) && typeof body.attemptsLeft === "number" && body.attemptsLeft > 0);
    show("restart");
    return;
  }
  session.passed = true;
  renderVerdict(true, verdict);
  show("camera-panel", false);
  await issue(verdict.credentialOffer);
  show("restart");
}

async function start(event) {
  event.preventDefault();
  if (state.busy) return;
  showError(null);
  const faceMatch = $("face-match").checked;
  if (faceMatch && !state.idImage) {
    showError({ code: "id_image_missing", message: "choose a photo of your ID document, or untick face match" });
    return;
  }
  state.busy = true;
  $("start").disabled = true;
  try {
    // The camera first: a refused camera should not spend a session.
    show("camera-panel");
    setStep("Starting the camera…", "Allow the camera when your browser asks.");
    await camera.start();
    state.session = await createSession({ holderDid: state.wallet.did, deviceType: $("device-type").value, faceMatch });
    state.session.faceMatch = Boolean(state.session.faceMatch ?? faceMatch);
    show("retry", false);
    show("restart", false);
    await attempt();
  } catch (err) {
    failed(err);
  } finally {
    state.busy = false;
  }
}

async function retry() {
  if (state.busy || !state.session) return;
  state.busy = true;
  showError(null);
  show("retry", false);
  try {
    await attempt();
  } catch (err) {
    failed(err);
  } finally {
    state.busy = false;
  }
}

// --- 3. the credential ----------------------------------------------------------------------

async function issue(offer) {
  show("credential-panel");
  const status = $("issue-status");
  $("credential").textContent = "";
  $("verify-result").replaceChildren();
  try {
    state.credential = await redeemOffer(offer, state.wallet, (step) => {
      status.textContent = `${step}…`;
    });
  } catch (err) {
    status.textContent = "No credential was issued.";
    throw err;
  }
  status.textContent = "Issued to your DID through OpenID4VCI (pre-authorized code flow).";
  $("credential").textContent = JSON.stringify(state.credential, null, 2);
  $("download").disabled = false;
  $("verify").disabled = false;
  $("credential-panel").scrollIntoView({ block: "start", behavior: "smooth" });
}

function download() {
  const blob = new Blob([JSON.stringify(state.credential, null, 2)], { type: "application/json" });
  const link = element("a", { href: URL.createObjectURL(blob), download: "livecred-credential.json" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function verify() {
  showError(null);
  const box = $("verify-result");
  box.replaceChildren(element("p", { className: "muted", text: "Verifying…" }));
  try {
    const result = await verifyCredential(state.credential);
    box.dataset.verified = String(result.verified);
    const details = (result.details || []).map((d) =>
      element(
        "li",
        { className: d.status === "passed" ? "pass" : d.status === "failed" ? "fail" : "unchecked", "data-check": d.check },
        element("strong", { text: `${d.check}: ${d.status}` }),
        d.message ? ` — ${d.message}` : "",
      ),
    );
    box.replaceChildren(
      element("p", {
        className: result.verified ? "verdict pass" : "verdict fail",
        text: result.verified ? "✓ Credential verified by the issuer's service." : "✗ Credential NOT verified.",
      }),
      element("ul", { className: "checks" }, ...details),
    );
  } catch (err) {
    box.replaceChildren();
    delete box.dataset.verified;
    showError(err);
  }
}

// --- wiring ---------------------------------------------------------------------------------

async function chooseIdImage() {
  const file = $("id-image").files[0];
  state.idImage = null;
  $("id-preview").hidden = true;
  if (!file) return;
  try {
    state.idImage = await readIdImage(file);
    $("id-preview").src = state.idImage;
    $("id-preview").hidden = false;
    showError(null);
  } catch (err) {
    showError(err);
  }
}

async function main() {
  $("device-type").value = guessDeviceType();
  $("generate").addEventListener("click", () => useWallet(generateWallet));
  $("import").addEventListener("click", () => useWallet(() => walletFromJwk(parseJwk($("key-input").value.trim()))));
  $("logout").addEventListener("click", logout);
  $("copy-did").addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(state.wallet.did));
  $("export-key").addEventListener("click", () => {
    const box = $("key-export");
    box.textContent = JSON.stringify(state.wallet.jwk, null, 2);
    box.hidden = !box.hidden;
  });
  $("face-match").addEventListener("change", () => show("id-image-field", $("face-match").checked));
  $("id-image").addEventListener("change", chooseIdImage);
  $("session-form").addEventListener("submit", start);
  $("retry").addEventListener("click", retry);
  $("restart").addEventListener("click", () => {
    showError(null);
    resetSession();
    $("session-panel").scrollIntoView({ block: "start" });
  });
  $("download").addEventListener("click", download);
  $("verify").addEventListener("click", verify);
  try {
    state.wallet = await loadWallet();
  } catch (err) {
    showError({ code: err.code || "invalid_key", message: `the stored key is unusable and was ignored: ${err.message}` });
  }
  renderWallet();
  document.body.dataset.ready = "true";
}

main();
