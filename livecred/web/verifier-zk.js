// The demo verifier's zero-knowledge mode: the verifier chooses a statement (face match of at
// least a threshold, the checks the take must have passed, how old the check may be), the service
// makes a request with a fresh nonce (POST zk/presentations/requests), the page shows it for the
// wallet, and polls for the verdict of the holder's proof (POST zk/presentations/verify, which the
// wallet calls with nothing but the proof, its public signals and the request's id).
// Everything it shows comes from this service's own answers; nothing is rendered as HTML.

const POLL_MS = 1000;
let timer = null;

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

// The statement as the service takes it: the threshold x 10000, the checks by name, times in
// unix seconds.
export function statement(now = Date.now()) {
  const threshold = Number($("zk-threshold").value);
  const hours = Number($("zk-max-age").value);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error("the threshold is a number from 0 to 1");
  if (!(hours >= 1)) throw new Error("the maximum age is at least one hour");
  const checks = [...$("zk-checks").querySelectorAll("input:checked")].map((box) => box.value);
  const seconds = Math.floor(now / 1000);
  return {
    threshold: Math.round(threshold * 10000),
    requiredChecks: checks,
    notBefore: seconds - Math.round(hours * 3600),
    atTime: seconds,
  };
}

async function poll(id) {
  try {
    const answer = await call(`zk/presentations/requests/${encodeURIComponent(id)}`);
    const status = answer.status || "pending";
    const result = answer.result || null;
    if (status === "pending") {
      setStatus("pending");
      timer = setTimeout(() => poll(id), POLL_MS);
    } else if (result && result.verified) {
      setStatus("verified", "The holder proved exactly what you asked. You learned nothing else.");
    } else {
      setStatus(status, result ? `Not verified: ${(result.reasons || []).join(", ")}` : "");
    }
  } catch (err) {
    showError(`Cannot get the result: ${err.message}`);
  }
}

async function createRequest() {
  clearTimeout(timer);
  showError("");
  try {
    const created = await call("zk/presentations/requests", { method: "POST", json: statement() });
    $("zk-request-json").value = JSON.stringify(created, null, 2);
    $("zk-expires").textContent = created.expiresAt || "";
    $("zk-request-box").hidden = false;
    setStatus("pending");
    timer = setTimeout(() => poll(created.id), POLL_MS);
  } catch (err) {
    showError(`Cannot create a request: ${err.message}`);
  }
}

$("mode-oid4vp").addEventListener("change", setMode);
$("mode-zk").addEventListener("change", setMode);
$("zk-create").addEventListener("click", createRequest);
setMode();
