import { ENDPOINT, DOMAIN_ID, PROJECT_ID, type Call, type Value } from './call.js';
import { camel, pascal } from './case.js';

const lit = (v: unknown) => JSON.stringify(v);

function value(v: Value, sdk: string, indent: string): string {
  if ('env' in v) return `process.env.${v.env}`;
  if ('plain' in v) return lit(v.plain);
  if ('list' in v) return `[${v.list.map((item) => value(item, sdk, indent)).join(', ')}]`;
  const inner = `${indent}  `;
  const setters = v.fields.map((f) => `\n${inner}.with${pascal(f.name)}(${value(f.value, sdk, inner)})`).join('');
  return `new ${sdk}.${v.model}()${setters}`;
}

/** A Node.js program: the official SDK's client, request and model classes, the call and what it answers. */
export function nodeSample(call: Call): string {
  const { service } = call;
  const sdk = call.family.toLowerCase();
  const global = service.credentials === 'GlobalCredentials';
  const scope = global ? ['domainId', DOMAIN_ID, 'withDomainId'] : ['projectId', PROJECT_ID, 'withProjectId'];
  const setters = call.request.fields.map((f) => `\n  .with${pascal(f.name)}(${value(f.value, sdk, '  ')})`).join('');
  return `const core = require("@huaweicloud/huaweicloud-sdk-core");
const ${sdk} = require(${lit(service.module.node)});

const ak = process.env.HUAWEICLOUD_SDK_AK;
const sk = process.env.HUAWEICLOUD_SDK_SK;
const endpoint = ${lit(ENDPOINT)};
const ${scope[0]} = ${lit(scope[1])};

const credentials = new core.${service.credentials}().withAk(ak).withSk(sk).${scope[2]}(${scope[0]});
const client = ${sdk}.${service.client}.newBuilder().withCredential(credentials).withEndpoint(endpoint).build();

const request = new ${sdk}.${call.request.model}()${setters};

client
  .${camel(call.sdkOperation)}(request)
  .then((result) => console.log(JSON.stringify(result, null, 2)))
  .catch((e) => console.error(e.httpStatusCode, e.errorCode, e.errorMsg, e.requestId));
`;
}
