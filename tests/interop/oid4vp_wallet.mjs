// The OpenWallet Foundation's OpenID4VP library (@openid4vc/openid4vp) as the wallet against
// livecred's verifier: it parses and resolves the openid4vp:// request (client identifier prefix,
// response mode, DCQL), builds the Authorization Response and submits it by direct_post.
//
// stdin: {"requestUri": "openid4vp://?...", "presentation": <signed VP>}
// stdout: {"client": {...}, "dcqlIds": [...], "nonce", "clientId", "status", "body"}
//
// The library does not sign presentations (a wallet brings its own credential format code): the
// VP is signed by the test, in Python, over the nonce and client_id the library resolved.
import {readFileSync} from 'node:fs';
import {createHash, randomBytes} from 'node:crypto';

import {Openid4vpClient} from '@openid4vc/openid4vp';

const input = JSON.parse(readFileSync(0, 'utf8'));
const callbacks = {
  fetch: (...args) => fetch(...args),
  hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
  generateRandom: n => new Uint8Array(randomBytes(n)),
};
const client = new Openid4vpClient({callbacks});
const parsed = client.parseOpenid4vpAuthorizationRequest({authorizationRequest: input.requestUri});
const resolved = await client.resolveOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: parsed.params,
});
const request = resolved.authorizationRequestPayload;
const out = {
  type: parsed.type,
  client: {prefix: resolved.client.prefix, identifier: resolved.client.identifier},
  dcqlIds: (resolved.dcql?.query?.credentials ?? []).map(q => q.id),
  nonce: request.nonce,
  clientId: request.client_id,
};
if(input.presentation) {
  const queryId = out.dcqlIds[0];
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: {vp_token: {[queryId]: [input.presentation]}},
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
  });
  out.status = submitted.response.status;
  out.body = await submitted.response.json();
}
process.stdout.write(JSON.stringify(out));
