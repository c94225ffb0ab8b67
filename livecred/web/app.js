// The demo wallet's flow: key -> session -> live take over a WebSocket -> verdict -> OpenID4VCI
// -> credential.
//
// The take is live: the camera streams about 12 frames a second to the service, which decides on
// its own clock when to ask for each action and answers every frame with what it wants now. The
// page shows that instruction, how many actions are done, and what is in the way (no face, two
// faces, not neutral); at the end, each check's pass or fail and the reasons in plain words.

import { captureUrl, createSession, redeemOffer, verifyCredential } from "./api.js";
import { Camera, readIdImage } from "./camera.js";
import { presentToVerifier } from "./present.js";
import { forgetHolderSecret, forgetHolding, heldBy, holderCommitment, holderSecretFor, keepHolding } from "./zkholder.js";
import { setupZkPresent } from "./zkpresent.js";
import { runCapture } from "./capture.js";
import { forgetWallet, generateWallet, loadWallet, parseJwk, saveWallet, walletFromJwk } from "./wallet.js";
import { $, element, show } from "./dom.js";
import { renderResult } from "./result.js";
import { GUIDANCE, PHASES, describe } from "./words.js";

const state = {
  wallet: null,
  session: null,
  idImage: null,
  credential: null,
  zkOpening: null, // the opening {score, salt} of the credential's signed claim (zkholder.js)
  busy: false,
  capture: null,
  total: 0,
  reached: 0, // challenges announced in this take
};
const camera = new Camera($("video"));
const zk = setupZkPresent({
  wallet: () => state.wallet,
  holding: () => (state.credential ? { credential: state.credential, opening: state.zkOpening } : null),
  showError: (err) => showError(err),
});

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
  resetSession();
  if (state.wallet) forgetHolderSecret(state.wallet.did);
  forgetWallet();
  state.wallet = null;
  renderWallet();
}

// --- 2. the session and the live take -------------------------------------------------------

function guessDeviceType() {
  const mobile = navigator.userAgentData ? navigator.userAgentData.mobile : /Mobi|Android|iPhone/i.test(navigator.userAgent);
  if (mobile) return "mobile";
  return /iPad|Tablet/i.test(navigator.userAgent) ? "tablet" : "desktop";
}

function resetSession() {
  if (state.capture) state.capture.abort();
  state.capture = null;
  camera.stop();
  state.session = null;
  state.credential = null;
  state.zkOpening = null;
  if (state.wallet) forgetHolding(state.wallet.did);
  zk.refresh();
  for (const id of ["camera-panel", "result-panel", "credential-panel"]) show(id, false);
  $("start").disabled = false;
}

// The guide carries the server's current state as data attributes too (phase, challenge type
// and index), so assistive tools and tests can read what the page is asking for.
function setGuide({ title, text }, data = {}) {
  const guide = $("guide");
  $("step").textContent = title;
  $("instruction").textContent = text;
  for (const name of ["phase", "challenge", "challengeIndex"]) {
    if (data[name] === undefined || data[name] === null) delete guide.dataset[name];
    else guide.dataset[name] = String(data[name]);
  }
}

function setGuidance(code) {
  const box = $("guidance");
  box.textContent = code ? GUIDANCE[code] || code : "";
  box.hidden = !code;
  if (code) box.dataset.code = code;
  else delete box.dataset.code;
}

function setProgress(completed, total) {
  $("progress").max = Math.max(1, total);
  $("progress").value = completed;
  $("progress-text").textContent = total ? `${completed} of ${total} done` : "";
}

function renderChallengeList(total) {
  $("challenge-list").replaceChildren(
    ...Array.from({ length: total }, (_, i) => element("li", { "data-status": "todo", text: `Action ${i + 1}` })),
  );
}

function markChallenges(reply) {
  const items = $("challenge-list").children;
  const current = reply.challenge;
  for (let i = 0; i < items.length; i++) {
    if (current && i === current.index) {
      items[i].dataset.status = reply.phase === "challenge" ? "current" : items[i].dataset.status;
      items[i].textContent = describe(current.type).title;
    }
    if (i < reply.completed) items[i].dataset.status = "done";
  }
}

function onReady(ready) {
  state.total = ready.challenges;
  state.reached = 0;
  renderChallengeList(ready.challenges);
  setProgress(0, ready.challenges);
  setGuide(PHASES.baseline, { phase: "baseline" });
}

function onReply(reply) {
  const total = reply.challenge ? reply.challenge.of : state.total;
  setProgress(reply.completed, total);
  markChallenges(reply);
  setGuidance(reply.guidance);
  if (reply.phase === "challenge" && reply.challenge) {
    state.reached = Math.max(state.reached, reply.challenge.index + 1);
    const { title, text } = describe(reply.challenge.type);
    setGuide(
      { title: `${reply.challenge.index + 1} of ${reply.challenge.of}: ${title}`, text },
      { phase: "challenge", challenge: reply.challenge.type, challengeIndex: reply.challenge.index },
    );
  } else {
    setGuide(PHASES[reply.phase] || PHASES.waiting, { phase: reply.phase });
  }
}

// Errors after which this session can take no more attempts: only a new session helps.
const SESSION_OVER = new Set([
  "session_not_found", "session_expired", "session_completed", "attempts_exhausted", "locked_out",
  "http_404", "http_410", "http_429",
]);

function failed(err) {
  if (state.capture) state.capture.abort();
  state.capture = null;
  camera.stop();
  showError(err);
  show("camera-panel", false);
  show("restart");
  show("retry", state.session !== null && !state.session.passed && !SESSION_OVER.has(err.code));
}

async function attempt() {
  const session = state.session;
  show("result-panel", false);
  show("camera-panel");
  setGuidance(null);
  setProgress(0, 0);
  $("challenge-list").replaceChildren();
  setGuide(PHASES.connecting, { phase: "connecting" });
  $("camera-panel").scrollIntoView({ block: "start", behavior: "smooth" });
  await camera.start();
  state.capture = runCapture({
    url: captureUrl(session.sessionId),
    idImage: session.faceMatch ? state.idImage : undefined,
    camera,
    onReady,
    onReply,
  });
  const result = await state.capture;
  state.capture = null;
  camera.stop();
  setGuide(PHASES.done, { phase: "done" });
  renderResult(result, state.reached);
  show("camera-panel", false);
  if (!result.passed) {
    show("retry", typeof result.attemptsLeft === "number" && result.attemptsLeft > 0);
    show("restart");
    return;
  }
  session.passed = true;
  await issue(result.credentialOffer);
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
    // Poseidon's constants are derived on first use (a fraction of a second): before the camera.
    const zkHolderCommitment = holderCommitment(holderSecretFor(state.wallet.did)).toString();
    // The camera first: a refused camera should not spend a session.
    show("camera-panel");
    setGuide({ title: "Starting the camera…", text: "Allow the camera when your browser asks." });
    await camera.start();
    state.session = await createSession({
      wallet: state.wallet,
      deviceType: $("device-type").value,
      faceMatch,
      zkHolderCommitment,
    });
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
    ({ credential: state.credential, zkClaimOpening: state.zkOpening } = await redeemOffer(offer, state.wallet, (step) => {
      status.textContent = `${step}…`;
    }));
  } catch (err) {
    status.textContent = "No credential was issued.";
    throw err;
  }
  status.textContent = "Issued to your DID through OpenID4VCI (pre-authorized code flow).";
  keepHolding(state.wallet.did, { credential: state.credential, opening: state.zkOpening });
  showCredential();
}

// The credential this tab holds (just issued, or kept across a reload: zkholder.js).
function showCredential() {
  show("credential-panel");
  $("credential").textContent = JSON.stringify(state.credential, null, 2);
  $("download").disabled = false;
  $("verify").disabled = false;
  $("present").disabled = false;
  zk.refresh();
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

// The credential goes to a verifier of the holder's choosing, in a presentation signed with the
// wallet key over the verifier's nonce (present.js): a copied credential cannot be presented.
async function present() {
  showError(null);
  const box = $("present-result");
  box.textContent = "Presenting…";
  delete box.dataset.status;
  try {
    const { status, body } = await presentToVerifier(state.credential, state.wallet, $("present-request").value.trim());
    box.dataset.status = status === 200 ? "sent" : "refused";
    box.textContent =
      status === 200
        ? "Presented. The verifier now has your credential and its verdict."
        : `The verifier refused the presentation: ${(body && (body.error_description || body.message)) || status}`;
  } catch (err) {
    box.dataset.status = "refused";
    box.textContent = "";
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
  $("present").addEventListener("click", present);
  try {
    state.wallet = await loadWallet();
  } catch (err) {
    showError({ code: err.code || "invalid_key", message: `the stored key is unusable and was ignored: ${err.message}` });
  }
  renderWallet();
  const held = state.wallet ? heldBy(state.wallet.did) : null;
  if (held) {
    ({ credential: state.credential, opening: state.zkOpening } = held);
    $("issue-status").textContent = "Kept in this tab since it was issued.";
    showCredential();
  }
  document.body.dataset.ready = "true";
}

main();
