import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, registerErrors, type App } from '../../src/platform/http.js';
import { IOTEDGE_ERRORS } from '../../src/iotedge/errors.js';
import { RFS_ERRORS } from '../../src/rfs/errors.js';
import { Rendering } from '../../src/platform/rendering.js';
import { MAX_RESPONSE_BYTES } from '../../src/platform/response-budget.js';
import { BriefVersion } from '../../src/iotedge/schemas.js';
import { request, Wire } from '../helpers/wire.js';

const MiB = 1024 * 1024;

/**
 * Large responses on their way to clients hold memory until the client has read them: their bytes
 * are counted until the socket has taken all of them, and over the budget a large response is
 * answered 503 with Retry-After in the family's envelope instead.
 */
describe('response budget', () => {
  let app: App;
  let port: number;
  // Larger than what the loopback socket buffers take, so that a client that does not read holds it.
  const SIZE = 12 * MiB;
  beforeAll(async () => {
    app = createHttp({ logger: pino({ level: 'silent' }), bodyLimit: 1 * MiB, responseBudget: 20 * MiB });
    registerErrors(app, '/v2/', IOTEDGE_ERRORS);
    registerErrors(app, '/v1/private-providers', RFS_ERRORS);
    const big = JSON.stringify({ pad: 'x'.repeat(SIZE) });
    app.get('/v2/big', async (_req, reply) => reply.send(big));
    app.get('/v1/private-providers/big', async (_req, reply) => reply.send(big));
    app.get('/v2/huge', async (_req, reply) => reply.send('x'.repeat(MAX_RESPONSE_BYTES + 1)));
    app.get('/v2/small', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => app.close());

  /** A client that asks and then does not read. */
  async function stalled(path: string): Promise<Wire> {
    const w = await Wire.connect(port);
    w.socket.pause();
    await w.write(request('GET', path));
    await new Promise((r) => setTimeout(r, 100));
    return w;
  }

  async function get(path: string) {
    const w = await Wire.connect(port);
    await w.write(request('GET', path));
    const res = await w.read(10_000);
    w.destroy();
    return res!;
  }

  it('sends one large response to a reader that stalls, refuses the next one over the budget with 503, and sends it again once the reader has gone', async () => {
    const slow = await stalled('/v2/big');
    const refused = await get('/v2/big');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({
      error_code: 'IoTEdge.00000001',
      error_msg:
        'The service is temporarily unavailable. The server is sending too many large responses at once; retry shortly.',
    });
    const rfs = await get('/v1/private-providers/big');
    expect(rfs.status).toBe(503);
    expect(JSON.parse(rfs.body).error_code).toBe('RF.10010001');
    // Small responses are never refused.
    expect((await get('/v2/small')).status).toBe(200);
    // The stalled reader finally reads: all of it arrives.
    slow.socket.resume();
    const first = await slow.read(10_000);
    expect(first?.status).toBe(200);
    expect(first?.body.length).toBe(SIZE + '{"pad":""}'.length);
    slow.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await get('/v2/big')).status).toBe(200);
  });

  it('releases the bytes of a response whose client goes away before reading it', async () => {
    for (let i = 0; i < 3; i++) {
      const slow = await stalled('/v2/big');
      slow.destroy();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await get('/v2/big')).status).toBe(200);
  });

  it('never sends a single response larger than 32 MiB: 500 in the envelope, saying why', async () => {
    const res = await get('/v2/huge');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      error_code: 'IoTEdge.00000001',
      error_msg: expect.stringMatching(
        /^Internal server error\. The response would be 32\.0 MiB, more than one response may carry \(32\.0 MiB\)\.$/,
      ),
    });
  });

  it('refuses a list page larger than one response before assembling it, saying how many items fit', () => {
    const brief = new Rendering(BriefVersion, ['edge_app_id', 'name']);
    const item = `{"version":"1","arch":[${'"x86_64",'.repeat(110_000)}"arm64"]}`;
    const head = brief.headJson('app', 'app');
    expect(() =>
      brief.spliceAll(
        head,
        Array.from({ length: 100 }, () => item),
      ),
    ).toThrow(
      /^limit: the 100 items of this page hold 94\.4 MiB, more than one response may carry \(32\.0 MiB\); ask for at most 33 at a time\.$/,
    );
    expect(brief.spliceAll(head, [item]).length).toBeGreaterThan(item.length);
  });
});
