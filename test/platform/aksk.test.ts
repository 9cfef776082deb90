import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  parseAuthorization,
  parseSdkDate,
  verifySignature,
} from '../../src/platform/aksk.js';

interface Vector {
  id: string;
  method: string;
  sk: string;
  body: string | null;
  canonical_request: string;
  signature: string;
  wire: { request_target: string; headers: Record<string, string> };
  verifier: { canonical_uri_rule: 'decode' | 'raw' };
}

const file = fileURLToPath(new URL('../fixtures/aksk-vectors.json', import.meta.url));
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;

function request(v: Vector) {
  return {
    method: v.method,
    target: v.wire.request_target,
    headers: v.wire.headers,
    body: v.body === null ? undefined : Buffer.from(v.body, 'utf8'),
  };
}

describe('AK/SK vectors', () => {
  it('has the vectors', () => expect(vectors.length).toBeGreaterThanOrEqual(25));

  for (const v of vectors) {
    describe(v.id, () => {
      const auth = parseAuthorization(v.wire.headers.authorization!)!;

      it('rebuilds the canonical request and verifies', () => {
        expect(auth).not.toBeNull();
        expect(auth.signature).toBe(v.signature);
        expect(canonicalRequest(request(v), auth.signedHeaders, v.verifier.canonical_uri_rule)).toBe(
          v.canonical_request,
        );
        expect(verifySignature(request(v), auth, v.sk)).toBe(true);
      });

      it('rejects the wrong secret key', () => {
        expect(verifySignature(request(v), auth, v.sk + 'x')).toBe(false);
      });

      const tamper: Record<string, (r: ReturnType<typeof request>) => void> = {
        method: (r) => (r.method = r.method === 'GET' ? 'POST' : 'GET'),
        path: (r) => (r.target = r.target.replace(/^\/v(\d)/, '/v9')),
        query: (r) => (r.target += r.target.includes('?') ? '&extra=1' : '?extra=1'),
        host: (r) => (r.headers = { ...r.headers, host: 'evil.example:1' }),
        'x-sdk-date': (r) => (r.headers = { ...r.headers, 'x-sdk-date': '20260806T090001Z' }),
        body: (r) => (r.body = Buffer.from((r.body?.toString() ?? '') + ' ')),
      };
      for (const [what, change] of Object.entries(tamper)) {
        it(`rejects a changed ${what}`, () => {
          const r = request(v);
          change(r);
          if (what === 'body' && r.headers['x-sdk-content-sha256'] === 'UNSIGNED-PAYLOAD') return;
          expect(verifySignature(r, auth, v.sk)).toBe(false);
        });
      }
    });
  }
});

describe('signature header and date parsing', () => {
  it('parses tolerant spacing', () => {
    const a = parseAuthorization(
      `SDK-HMAC-SHA256 Access=AK1,SignedHeaders=host;x-sdk-date ,  Signature=${'a'.repeat(64)}`,
    );
    expect(a).toMatchObject({ accessKey: 'AK1', signedHeaders: ['host', 'x-sdk-date'] });
  });
  it.each([
    'Bearer x',
    'SDK-HMAC-SHA256 Access=AK',
    `SDK-HMAC-SHA256 SignedHeaders=host, Signature=${'a'.repeat(64)}`,
    'SDK-HMAC-SHA256 Access=A, SignedHeaders=host, Signature=zz',
  ])('rejects %s', (h) => expect(parseAuthorization(h)).toBeNull());
  it('parses and rejects dates', () => {
    expect(parseSdkDate('20260806T090000Z')).toBe(Date.UTC(2026, 7, 6, 9, 0, 0));
    expect(parseSdkDate('20260231T090000Z')).toBeNull();
    expect(parseSdkDate('2026-08-06T09:00:00Z')).toBeNull();
    expect(parseSdkDate(undefined)).toBeNull();
  });
  it('sorts query keys by code unit and keeps repeated keys', () => {
    expect(canonicalQuery('b=2&a=2&a=1&B=x&c')).toBe('B=x&a=1&a=2&b=2&c=');
  });
});

describe('Python SDK signatures: the whole path un-escaped before the canonical URI (an encoded slash)', () => {
  const pyFile = fileURLToPath(new URL('../fixtures/python-sdk-vectors.json', import.meta.url));
  const pyVectors = (JSON.parse(readFileSync(pyFile, 'utf8')) as { vectors: Omit<Vector, 'sk' | 'verifier'>[] })
    .vectors;
  const SK = vectors[0]!.sk;
  const req = (v: (typeof pyVectors)[number]) => ({
    method: v.method,
    target: v.wire.request_target,
    headers: v.wire.headers,
    body: v.body === null ? undefined : Buffer.from(v.body, 'utf8'),
  });

  it('has the vectors', () => expect(pyVectors.length).toBeGreaterThanOrEqual(4));

  for (const v of pyVectors) {
    it(`${v.id}: the unescape-path rule rebuilds the canonical request, and the request verifies`, () => {
      const auth = parseAuthorization(v.wire.headers.authorization!)!;
      expect(v.wire.request_target).toMatch(/%2F/);
      expect(canonicalRequest(req(v), auth.signedHeaders, 'unescape-path')).toBe(v.canonical_request);
      // Neither per-segment rule reads the encoded slash as a separator.
      expect(canonicalRequest(req(v), auth.signedHeaders, 'decode')).not.toBe(v.canonical_request);
      expect(canonicalRequest(req(v), auth.signedHeaders, 'raw')).not.toBe(v.canonical_request);
      expect(verifySignature(req(v), auth, SK)).toBe(true);
      expect(verifySignature(req(v), auth, SK + 'x')).toBe(false);
    });

    it(`${v.id}: refused once the path changes`, () => {
      const auth = parseAuthorization(v.wire.headers.authorization!)!;
      for (const target of [
        v.wire.request_target.replace('%2F', '%2Fx'),
        v.wire.request_target.replace('%2F', '%252F'),
        v.wire.request_target.replace('%2F', '%2F%2F'),
      ]) {
        expect(verifySignature({ ...req(v), target }, auth, SK), target).toBe(false);
      }
    });
  }

  it('an encoded slash means the same as a real one to this rule, in either case of hex digits', () => {
    expect(canonicalUri('/v1/x/a%2Fb/c', 'unescape-path')).toBe('/v1/x/a/b/c/');
    expect(canonicalUri('/v1/x/a%2fb', 'unescape-path')).toBe('/v1/x/a/b/');
    expect(canonicalUri('/v1/x/a%2Fb', 'decode')).toBe('/v1/x/a%2Fb/');
    expect(canonicalUri('/v1/x/a%2Fb', 'raw')).toBe('/v1/x/a%252Fb/');
    // Python's unquote: `+` stays, a stray `%` stays, invalid UTF-8 becomes U+FFFD.
    expect(canonicalUri('/v1/a+b%2F%zz%E5%8D%8E', 'unescape-path')).toBe('/v1/a%2Bb/%25zz%E5%8D%8E/');
    expect(canonicalUri('/v1/%FF%2Fx', 'unescape-path')).toBe('/v1/%EF%BF%BD/x/');
  });
});
