// The demo verifier page: create an OpenID4VP request, show it as a link for the wallet, and poll
// the service for the verdict (about once a second, until the request is answered or expires).
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

async function call(path, method = "GET") {
  const response = await fetch(url(path), { method, headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.message || body.error_description || `HTTP ${response.status}`);
  }
  return body;
}

function showResult(answer) {
  $("result-status").textContent = answer.status;
  $("result-status").dataset.status = answer.status;
  const verdict = answer.result;
  if (!verdict) return;
  if (verdict.verified) {
    $("result-holder").textContent = verdict.holder || "";
    $("result-device").textContent = verdict.claims?.deviceType || "";
    $("result-timestamp").textContent = verdict.claims?.timestamp || "";
    $("result-issuer").textContent = verdict.issuer || "";
    $("result-details").hidden = false;
  } else {
    const why = [...(verdict.reasons || []), verdict.walletError].filter(Boolean).join(", ");
    $("result-reasons").textContent = `Not verified: ${why}`;
    $("result-reasons").hidden = false;
  }
}

async function poll(resultPath) {
  try {
    const answer = await call(resultPath);
    showResult(answer);
    if (answer.status === "pending") {
      timer = setTimeout(() => poll(resultPath), POLL_MS);
    }
  } catch (err) {
    showError(`Cannot get the result: ${err.message}`);
  }
}

async function createRequest() {
  clearTimeout(timer);
  showError("");
  $("result-details").hidden = true;
  $("result-reasons").hidden = true;
  try {
    const created = await call("oid4vp/requests", "POST");
    $("request-uri").value = created.requestUri;
    $("request-link").href = created.requestUri;
    $("expires").textContent = created.expires;
    $("request-box").hidden = false;
    showResult({ status: "pending" });
    // The result by path on this page's origin (the page's CSP allows no other).
    timer = setTimeout(() => poll(`oid4vp/requests/${encodeURIComponent(created.transactionId)}`), POLL_MS);
  } catch (err) {
    showError(`Cannot create a request: ${err.message}`);
  }
}

$("create").addEventListener("click", createRequest);
