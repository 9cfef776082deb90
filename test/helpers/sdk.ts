import { stringify } from 'node:querystring';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import log4js from 'log4js';

// The SDK logs every 4xx it receives; the tests assert those answers themselves.
log4js.configure({
  appenders: { out: { type: 'stdout' } },
  categories: { default: { appenders: ['out'], level: 'off' } },
});

/** The official SDK's HTTP client, signing with AK/SK exactly as the generated service clients do. */
export function sdkClient(
  endpoint: string,
  cred: { ak: string; sk: string; projectId?: string; domainId?: string },
): HcClient {
  const credential = cred.domainId
    ? new GlobalCredentials().withAk(cred.ak).withSk(cred.sk).withDomainId(cred.domainId)
    : new BasicCredentials().withAk(cred.ak).withSk(cred.sk).withProjectId(cred.projectId);
  return new ClientBuilder<HcClient>((hc) => hc).withCredential(credential).withEndpoint(endpoint).build();
}

export function request(method: string, url: string, extra: Partial<HttpRequestOptions> = {}): HttpRequestOptions {
  return { method, url, contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, ...extra };
}

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** What the SDK would put on the wire for these options (signed for "now"), without sending it. */
export async function signedWire(client: HcClient, options: HttpRequestOptions): Promise<WireRequest> {
  const req = await (client as unknown as { buildRequest(o: HttpRequestOptions): Promise<any> }).buildRequest(options);
  const query = stringify(req.queryParams ?? {});
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers as Record<string, string>)) headers[k.toLowerCase()] = String(v);
  return {
    method: req.method,
    url: `${new URL(req.endpoint).pathname}${query ? `?${query}` : ''}`,
    headers,
    payload: req.data === undefined ? undefined : JSON.stringify(req.data),
  };
}

/** Sends through the SDK; resolves with the response or with the SDK's exception. */
export async function sdkSend(client: HcClient, options: HttpRequestOptions): Promise<Record<string, any>> {
  try {
    return await client.sendRequest(options);
  } catch (err) {
    return err as Record<string, any>;
  }
}

/** The request options the official IoTEdgeClient builds for the ten edge-app operations. */
export function iotedgeClient(client: HcClient) {
  const send = (
    method: string,
    url: string,
    pathParams: Record<string, string>,
    extra: Partial<HttpRequestOptions> = {},
  ) => sdkSend(client, request(method, url, { pathParams, ...extra }));
  const apps = '/v2/{project_id}/edge-apps';
  const versions = `${apps}/{edge_app_id}/versions`;
  return {
    batchListEdgeApps: (query: Record<string, unknown> = {}) => send('GET', apps, {}, { queryParams: query }),
    createEdgeApp: (body: object) =>
      send('POST', apps, {}, { data: body, headers: { 'Content-Type': 'application/json' } }),
    showEdgeApp: (id: string) => send('GET', `${apps}/{edge_app_id}`, { edge_app_id: id }),
    deleteEdgeApp: (id: string) => send('DELETE', `${apps}/{edge_app_id}`, { edge_app_id: id }),
    batchListEdgeAppVersions: (id: string, query: Record<string, unknown> = {}) =>
      send('GET', versions, { edge_app_id: id }, { queryParams: query }),
    createEdgeApplicationVersion: (id: string, body: object) =>
      send('POST', versions, { edge_app_id: id }, { data: body, headers: { 'Content-Type': 'application/json' } }),
    showEdgeApplicationVersion: (id: string, v: string) =>
      send('GET', `${versions}/{version}`, { edge_app_id: id, version: v }),
    updateEdgeApplicationVersion: (id: string, v: string, body: object) =>
      send(
        'PUT',
        `${versions}/{version}`,
        { edge_app_id: id, version: v },
        {
          contentType: 'application/json;charset=UTF-8',
          data: body,
          headers: { 'Content-Type': 'application/json;charset=UTF-8' },
        },
      ),
    deleteEdgeApplicationVersion: (id: string, v: string) =>
      send('DELETE', `${versions}/{version}`, { edge_app_id: id, version: v }),
    updateEdgeApplicationVersionState: (id: string, v: string, body: object) =>
      send(
        'PUT',
        `${versions}/{version}/state`,
        { edge_app_id: id, version: v },
        { data: body, headers: { 'Content-Type': 'application/json' } },
      ),
  };
}

/** The request options the official RfsClient builds for the nine private-provider operations. */
export function rfsClient(client: HcClient, clientRequestId: () => string) {
  const send = (
    method: string,
    url: string,
    pathParams: Record<string, string>,
    extra: Partial<HttpRequestOptions> = {},
  ) =>
    sdkSend(
      client,
      request(method, url, {
        pathParams,
        ...extra,
        headers: {
          'Client-Request-Id': clientRequestId(),
          ...(extra.data ? { 'Content-Type': 'application/json' } : {}),
        },
      }),
    );
  const base = '/v1/private-providers';
  return {
    createPrivateProvider: (body: object) => send('POST', base, {}, { data: body }),
    listPrivateProviders: (query: Record<string, unknown> = {}) => send('GET', base, {}, { queryParams: query }),
    showPrivateProviderMetadata: (name: string, query: Record<string, unknown> = {}) =>
      send('GET', `${base}/{provider_name}/metadata`, { provider_name: name }, { queryParams: query }),
    updatePrivateProviderMetadata: (name: string, body: object) =>
      send('PATCH', `${base}/{provider_name}/metadata`, { provider_name: name }, { data: body }),
    deletePrivateProvider: (name: string, query: Record<string, unknown> = {}) =>
      send('DELETE', `${base}/{provider_name}`, { provider_name: name }, { queryParams: query }),
    createPrivateProviderVersion: (name: string, body: object) =>
      send('POST', `${base}/{provider_name}/versions`, { provider_name: name }, { data: body }),
    listPrivateProviderVersions: (name: string, query: Record<string, unknown> = {}) =>
      send('GET', `${base}/{provider_name}/versions`, { provider_name: name }, { queryParams: query }),
    showPrivateProviderVersionMetadata: (name: string, version: string, query: Record<string, unknown> = {}) =>
      send(
        'GET',
        `${base}/{provider_name}/versions/{provider_version}/metadata`,
        { provider_name: name, provider_version: version },
        { queryParams: query },
      ),
    deletePrivateProviderVersion: (name: string, version: string, query: Record<string, unknown> = {}) =>
      send(
        'DELETE',
        `${base}/{provider_name}/versions/{provider_version}`,
        { provider_name: name, provider_version: version },
        { queryParams: query },
      ),
  };
}
