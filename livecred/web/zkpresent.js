// "Prove to a verifier": the wallet page's zero-knowledge presentation (docs/zk-presentations.md).
//
// The holder pastes a verifier's request (the JSON the demo verifier's zero-knowledge mode shows),
// the page checks that its credential can satisfy it, proves in a Web Worker (zkholder.js,
// zk-prover.js) while showing progress, and posts the proof to the verifier. What leaves the
// browser is the proof and its public signals (the verifier's own request values, the issuer's
// key and the pseudonym, if it asked for one) and the request's id: no credential, no DID, no
// score.

import { ZkError, buildInputs, holderSecretFor, parseRequest, prove } from "./zkholder.js";
import { $ } from "./dom.js";

const UNMET = {
  threshold: "your face-match score is below the verifier's threshold",
  requiredChecks: "your credential lacks a check the verifier requires",
  notBefore: "your liveness check is older than the verifier accepts",
  atTime: "your credential expires before the time the verifier asks about",
};

function setStatus(status, text) {
  const box = $("zk-result");
  if (status) box.dataset.status = status;
  else delete box.dataset.status;
  box.textContent = text;
}

function setProgress(text) {
  const box = $("zk-progress");
  box.textContent = text || "";
  box.hidden = !text;
}

async function postProof(request, result) {
  const target = typeof request.raw.responseUri === "string" ? request.raw.responseUri : "zk/presentations/verify";
  const address = new URL(target, document.baseURI);
  if (address.origin !== location.origin) {
    throw new ZkError("invalid_request", "this demo wallet answers verifiers on its own service only");
  }
  const body = { proof: result.proof, publicSignals: result.publicSignals };
  for (const name of ["requestId", "id", "transactionId"]) {
    if (typeof request.raw[name] === "string") body[name] = request.raw[name];
  }
  const response = await fetch(address, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, answer };
}

// wallet() -> {did}; holding() -> {credential, opening} or null.
export function setupZkPresent({ wallet, holding, showError }) {
  let busy = false;

  async function run() {
    if (busy) return;
    const held = holding();
    showError(null);
    setStatus(null, "");
    if (!held || !held.credential) return;
    busy = true;
    $("zk-prove").disabled = true;
    try {
      if (!held.opening) {
        throw new ZkError("no_opening", "this credential came without its private opening: start a new session to prove");
      }
      const request = parseRequest($("zk-request").value.trim());
      const input = buildInputs({
        credential: held.credential,
        opening: held.opening,
        secret: holderSecretFor(wallet().did),
        request,
      });
      const started = performance.now();
      const result = await prove(input, (step, detail) => setProgress(step === "download" ? `Downloading ${detail}…` : `${detail}…`));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      $("zk-result").dataset.proveMs = String(Math.round(result.timings.proveMs));
      setProgress(`Proved in ${seconds} s. Sending the proof…`);
      const { status, answer } = await postProof(request, result);
      setProgress("");
      if (status === 200 && answer.verified === true) {
        setStatus("verified", "The verifier accepted your proof. It learned nothing but what it asked.");
      } else {
        const why = (answer.reasons || []).join(", ") || answer.message || answer.code || `HTTP ${status}`;
        setStatus("refused", `The verifier refused the proof: ${why}`);
      }
    } catch (err) {
      setProgress("");
      if (err.code === "cannot_satisfy") {
        const words = (err.unmet || []).map((name) => UNMET[name] || name).join("; ");
        setStatus("unsatisfiable", `This request cannot be proven with your credential: ${words}.`);
      } else {
        setStatus("failed", "");
        showError(err);
      }
    } finally {
      busy = false;
      $("zk-prove").disabled = false;
    }
  }

  $("zk-prove").addEventListener("click", run);
  return {
    // The credential changed (issued, or the session reset).
    refresh() {
      const held = holding();
      $("zk-prove").disabled = !(held && held.credential);
      setStatus(null, "");
      setProgress("");
    },
  };
}
