import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVersionary, type Versionary } from 'versionary';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import log4js from 'log4js';

// The SDK core logs every error response through log4js; this test asserts them itself.
log4js.configure({
  appenders: { out: { type: 'stdout' } },
  categories: { default: { appenders: ['out'], level: 'off' } },
});

const APP = { edge_app_id: 'opcua-driver', edge_app_name: 'OPCUA-driver', function_type: 'PROTOCOL_PARSING' };
const VERSION = {
  version: '1.0.0',
  arch: ['x86_64'],
  container_settings: {
    image_url: 'swr.cn-north-4.myhuaweicloud.com/edge/opcua-driver:1.0.0',
    configs: { restart_policy: 'Always' },
  },
};

describe('releasing an edge app', () => {
  let vx: Versionary;
  let client: HcClient;

  beforeAll(async () => {
    vx = await startVersionary(); // in memory, on a free port, with a known identity
    const credentials = new BasicCredentials().withAk(vx.accessKey).withSk(vx.secretKey).withProjectId(vx.projectId);
    client = new ClientBuilder<HcClient>((hc) => hc).withCredential(credentials).withEndpoint(vx.url).build();
  });
  afterEach(() => vx.reset()); // no apps, no fault rules
  afterAll(() => vx.stop());

  // What the generated IoTEdgeClient sends, signed with AK/SK by the SDK core.
  const post = (url: string, data: object, pathParams: Record<string, string> = {}) =>
    client.sendRequest<Record<string, unknown>>({
      method: 'POST',
      url,
      pathParams,
      queryParams: {},
      headers: { 'Content-Type': 'application/json' },
      contentType: 'application/json',
      data,
    });
  const createApp = () => post('/v2/{project_id}/edge-apps', APP);
  const createVersion = () =>
    post('/v2/{project_id}/edge-apps/{edge_app_id}/versions', VERSION, { edge_app_id: APP.edge_app_id });

  it('creates an app and a version', async () => {
    expect(await createApp()).toMatchObject({ httpStatusCode: 201, edge_app_id: 'opcua-driver' });
    expect(await createVersion()).toMatchObject({ httpStatusCode: 201, version: '1.0.0', state: 'DRAFT' });
  });

  it('sees the SDK fail when the service answers 503, and writes nothing', async () => {
    await vx.faults.add({ operation: 'CreateEdgeApp', status: 503, times: 1 });
    await expect(createApp()).rejects.toMatchObject({
      name: 'ServerResponseException',
      httpStatusCode: 503,
      errorCode: 'IoTEdge.00000001',
      errorMsg: 'The service is temporarily unavailable.',
    });
    expect((await vx.export()).edge_apps).toEqual([]);
    expect(await createApp()).toMatchObject({ httpStatusCode: 201 }); // times: 1 is used up
  });
});
