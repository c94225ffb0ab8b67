// The result of a take, as the page shows it. The service sends pass/fail per check and reason
// codes, never a score; the codes stay visible next to their plain words.

import { $, element, show } from "./dom.js";
import { describe, reasonText } from "./words.js";

// passed: true, false, or null when the take ended before that check was made.
function checkLine(label, passed) {
  const known = passed === true || passed === false;
  return element(
    "li",
    {
      "data-check": label,
      "data-passed": known ? String(passed) : "unchecked",
      className: !known ? "unchecked" : passed ? "pass" : "fail",
    },
    element("strong", { text: !known ? "– not checked: " : passed ? "✓ passed: " : "✗ failed: " }),
    label,
  );
}

// reached: how many challenges were announced in this take; later ones were never asked for.
function renderChecks(checks, reached) {
  if (!checks) return element("ul", { className: "checks" });
  const judged = checks.live !== null && checks.live !== undefined;
  const items = [checkLine("live person (anti-spoofing)", judged ? Boolean(checks.live) : null)];
  (checks.challenges || []).forEach((c, i) => {
    if (i < reached || c.passed) items.push(checkLine(`challenge: ${describe(c.type).title}`, Boolean(c.passed)));
    else items.push(checkLine(`challenge ${i + 1}: not reached`, null));
  });
  items.push(checkLine("same person in every frame", judged ? Boolean(checks.samePerson) : null));
  if (checks["3dTurn"] !== null && checks["3dTurn"] !== undefined) {
    items.push(checkLine("a real 3-D head turn", Boolean(checks["3dTurn"])));
  }
  if (checks.faceMatch !== null && checks.faceMatch !== undefined) {
    items.push(checkLine("matches the ID photo", Boolean(checks.faceMatch)));
  }
  return element("ul", { className: "checks" }, ...items);
}

// The take's verdict in #result: each check passed or failed, and the reasons in plain words.
export function renderResult(result, reached = Infinity) {
  const box = $("result");
  box.dataset.status = result.passed ? "passed" : "failed";
  const children = [
    element("p", {
      className: result.passed ? "verdict pass" : "verdict fail",
      text: result.passed ? "All checks passed." : "Not passed. What went wrong:",
    }),
  ];
  if (!result.passed && result.reasons && result.reasons.length) {
    children.push(
      element(
        "ul",
        { className: "reasons" },
        ...result.reasons.map((code) =>
          element("li", { "data-reason": code }, `${reasonText(code)} `, element("code", { text: `(${code})` })),
        ),
      ),
    );
  }
  children.push(renderChecks(result.checks, reached));
  if (!result.passed && typeof result.attemptsLeft === "number") {
    children.push(element("p", { className: "muted", text: `Attempts left in this session: ${result.attemptsLeft}` }));
  }
  box.replaceChildren(...children);
  show("result-panel");
}
