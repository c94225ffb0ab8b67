// The demo verifier's zero-knowledge mode: the verifier chooses a statement (face match of at
// least a threshold, the checks the take must have passed, how old the check may be, a pseudonym
// scope), the service makes a request with a fresh nonce (POST zk/presentations/requests), the
// page shows it for the wallet, receives the wallet's answer (the request's id, the proof and its
// public signals: over a BroadcastChannel from the demo wallet on this origin, or pasted), has the
// service verify it once (POST zk/presentations/verify) and shows the verdict.
// Everything it shows comes from this service's own answers; nothing is rendered as HTML.

function $(id) {
  return document.getElementById(id);
}

function url(path) {
  return new URL(path, document.baseURI).toString();
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function call(path, { method = "GET", json } = {}) {
  const headers = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url(path), {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${body.message || `HTTP ${response.status}`} (${body.code || response.status})`);
  return body;
}

function setMode() {
  const zk = $("mode-zk").checked;
  $("zk-mode").hidden = !zk;
  $("oid4vp-request").hidden = zk;
  $("oid4vp-result").hidden = zk;
  showError("");
}

function setStatus(status, verdict) {
  $("zk-status").textContent = status;
  $("zk-status").dataset.status = status;
  $("zk-verdict").hidden = !verdict;
  $("zk-verdict").textContent = verdict || "";
}

// The statement as the service takes it: the threshold x 10000 (left out: the service's floor),
// the checks by name, the maximum age in seconds, this page's origin as the domain the proof is
// bound to, and a pseudonym scope when one is asked for.
export function statement() {
  const body = {
    requiredChecks: [...$("zk-checks").querySelectorAll("input:checked")].map((box) => box.value),
    domain: location.origin,
  };
  const threshold = $("zk-threshold").value.trim();
  if (threshold !== "") {
    const value = Number(threshold);
    if (!(value >= 0 && value <= 1)) throw new Error("the threshold is a number from 0 to 1");
    body.threshold = Math.round(value * 10000);
  }
  const hours = Number($("zk-max-age").value);
  if (!(hours >= 1)) throw new Error("the maximum age is at least one hour");
  body.maxAgeSeconds = Math.round(hours * 3600);
  const scope = $("zk-scope").value.trim();
  if (scope) body.scope = scope;
  return body;
}

let current = null; // the request this page made last
const channel = new BroadcastChannel("livecred-zk-presentations");

// Verifies a wallet's answer with this service (once per request) and shows the verdict.
async function verifyAnswer(answer) {
  if (!answer || typeof answer !== "object") throw new Error("the answer is not a JSON object");
  const body = { requestId: answer.requestId, proof: answer.proof, publicSignals: answer.publicSignals };
  const response = await fetch(url("zk/presentations/verify"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const verdict = await response.json().catch(() => ({}));
  if (response.status === 200 && verdict.verified === true) {
    const pseudonym = verdict.pseudonym && verdict.pseudonym !== "0" ? `; pseudonym for your scope: ${verdict.pseudonym}` : "";
    setStatus("verified", `The holder proved exactly what you asked, with a credential from ${verdict.issuer}${pseudonym}. You learned nothing else.`);
    return { verified: true, reasons: [] };
  }
  const reasons = Array.isArray(verdict.reasons) && verdict.reasons.length ? verdict.reasons : [verdict.code || `http_${response.status}`];
  setStatus("refused", `Not verified: ${reasons.join(", ")}`);
  return { verified: false, reasons };
}

channel.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type !== "answer" || !current || !message.answer || message.answer.requestId !== current.id) return;
  $("zk-answer-input").value = JSON.stringify(message.answer);
  const verdict = await verifyAnswer(message.answer).catch((err) => {
    showError(`Cannot verify: ${err.message}`);
    return { verified: false, reasons: ["verifier_error"] };
  });
  channel.postMessage({ type: "verdict", requestId: message.answer.requestId, ...verdict });
};

async function verifyPasted() {
  showError("");
  let answer;
  try {
    answer = JSON.parse($("zk-answer-input").value);
  } catch {
    showError("The wallet's answer is not JSON");
    return;
  }
  try {
    await verifyAnswer(answer);
  } catch (err) {
    showError(`Cannot verify: ${err.message}`);
  }
}

async function createRequest() {
  showError("");
  try {
    current = await call("zk/presentations/requests", { method: "POST", json: statement() });
    $("zk-request-json").value = JSON.stringify(current, null, 2);
    $("zk-expires").textContent = current.expiresAt || "";
    $("zk-request-box").hidden = false;
    $("zk-answer-input").value = "";
    setStatus("pending");
  } catch (err) {
    showError(`Cannot create a request: ${err.message}`);
  }
}

$("mode-oid4vp").addEventListener("change", setMode);
$("mode-zk").addEventListener("change", setMode);
$("zk-create").addEventListener("click", createRequest);
$("zk-verify").addEventListener("click", verifyPasted);
setMode();
