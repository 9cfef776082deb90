import { stringify } from 'node:querystring';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';

/** The official SDK's HTTP client, signing with AK/SK exactly as the generated service clients do. */
export function sdkClient(endpoint: string, cred: { ak: string; sk: string; projectId?: string; domainId?: string }): HcClient {
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
