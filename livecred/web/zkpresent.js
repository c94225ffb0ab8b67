// "Prove to a verifier": the wallet page's zero-knowledge presentation (docs/zk-presentations.md).
//
// The holder pastes a verifier's request (the JSON the demo verifier's zero-knowledge mode shows),
// the page checks that its credential can satisfy it, proves in a Web Worker (zkholder.js,
// zk-prover.js) while showing progress, and sends the proof to the verifier. What leaves the
// page is the request's id, the proof and its public signals (the verifier's own request values,
// the issuer's key and the pseudonym, if it asked for one): no credential, no DID, no score.

import { ZkError, buildInputs, holderSecretFor, parseRequest, prove } from "./zkholder.js";
import { $ } from "./dom.js";

const UNMET = {
  issuer: "the verifier does not trust the issuer of your credential",
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

// The proof goes to the verifier that asked: here the demo verifier page on this origin, over a
// BroadcastChannel (it posts it to POST zk/presentations/verify and answers with its verdict).
// The answer is also shown, to hand to a verifier elsewhere. It holds the request's id, the proof
// and its public signals: nothing else.
const CHANNEL = "livecred-zk-presentations";
const VERDICT_WAIT_MS = 30_000;

function sendToVerifier(answer) {
  const channel = new BroadcastChannel(CHANNEL);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      channel.close();
      resolve(null);
    }, VERDICT_WAIT_MS);
    channel.onmessage = (event) => {
      const message = event.data || {};
      if (message.type !== "verdict" || message.requestId !== answer.requestId) return;
      clearTimeout(timer);
      channel.close();
      resolve(message);
    };
    channel.postMessage({ type: "answer", answer });
  });
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
    $("zk-answer-box").hidden = true;
    $("zk-answer").value = "";
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
      setProgress(`Proved in ${seconds} s. Sending the proof to the verifier…`);
      const answer = { requestId: request.id, proof: result.proof, publicSignals: result.publicSignals };
      $("zk-answer").value = JSON.stringify(answer);
      $("zk-answer-box").hidden = false;
      const verdict = await sendToVerifier(answer);
      setProgress("");
      if (verdict === null) {
        setStatus("ready", "Proof ready. No verifier page answered: give it the answer below.");
      } else if (verdict.verified) {
        setStatus("verified", "The verifier accepted your proof. It learned nothing but what it asked.");
      } else {
        setStatus("refused", `The verifier refused the proof: ${(verdict.reasons || []).join(", ") || "no reason given"}`);
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
