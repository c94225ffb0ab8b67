// Verify livecred credentials with Digital Bazaar's libraries, as an independent implementation.
//
// stdin: {"credentials": [vc, ...], "statusLists": {url: statusListCredential}, "contextsDir": "...",
//         "livenessContexts": {url: context}}
// stdout: {"results": [{verified, statusTypeMatches, status, error}]}
//
// Contexts come from Digital Bazaar's own context packages where they exist (credentials v1/v2,
// data integrity, bitstring status list); the DID and multikey contexts, which no installed
// package carries, from livecred's vendored copies (byte-for-byte the npm packages, see
// issuer/contexts/SOURCES.md); livecred's own context from the request. did:key is resolved by
// @digitalbazaar/did-method-key. Nothing is fetched from the network.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {checkStatus, statusTypeMatches} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import {contexts as statusContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';

const input = JSON.parse(readFileSync(0, 'utf8'));

const documents = new Map();
for(const [url, ctx] of credentialsContexts) documents.set(url, ctx);
for(const [url, ctx] of dataIntegrityContext.contexts) documents.set(url, ctx);
for(const [url, ctx] of statusContexts) documents.set(url, ctx);
for(const [url, file] of [
  ['https://www.w3.org/ns/did/v1', 'did-v1.jsonld'],
  ['https://w3id.org/security/multikey/v1', 'multikey-v1.jsonld'],
]) {
  documents.set(url, JSON.parse(readFileSync(join(input.contextsDir, file), 'utf8')));
}
for(const [url, ctx] of Object.entries(input.livenessContexts || {})) documents.set(url, ctx);
for(const [url, list] of Object.entries(input.statusLists || {})) documents.set(url, list);

const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
  }
  throw new Error(`document not available offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

const results = [];
for(const credential of input.credentials) {
  const entry = {verified: false, statusTypeMatches: null, status: null, error: null};
  try {
    entry.statusTypeMatches = statusTypeMatches({credential});
    const result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      checkStatus: options => checkStatus({...options, suite}),
    });
    entry.verified = result.verified;
    if(result.statusResult) {
      const first = (result.statusResult.results || [])[0];
      entry.status = first ? first.status : null;
      if(result.statusResult.error) entry.error = String(result.statusResult.error.message);
    }
    if(!result.verified && !entry.error) {
      const errors = [result.error, ...(result.results || []).map(r => r.error)].filter(Boolean);
      entry.error = errors.map(e => String(e.message || e)).join('; ').slice(0, 2000);
    }
  } catch(e) {
    entry.error = String(e && e.message || e);
  }
  results.push(entry);
}
process.stdout.write(JSON.stringify({results}));
