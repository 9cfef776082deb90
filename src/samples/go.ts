import { ENDPOINT, DOMAIN_ID, PROJECT_ID, type Call, type Value } from './call.js';
import { camel, goType, pascal } from './case.js';

const lit = (v: unknown) => JSON.stringify(v);

function scalar(v: Value): string {
  if ('env' in v) return `os.Getenv(${lit(v.env)})`;
  if ('plain' in v && typeof v.plain !== 'object') return lit(v.plain);
  throw new Error('a request field of the Go SDK is a string, a number or a boolean');
}

/**
 * A Go program: the official SDK's client and request struct; the body is the example's JSON decoded into the SDK's
 * body model, so that every field gets its Go type (pointers, enums, numbers) as the SDK declares it.
 */
export function goSample(call: Call): string {
  const { service } = call;
  const pkg = call.family.toLowerCase();
  const global = service.credentials === 'GlobalCredentials';
  const auth = global ? 'global' : 'basic';
  const scope = global ? ['domainId', DOMAIN_ID, 'WithDomainId'] : ['projectId', PROJECT_ID, 'WithProjectId'];
  const body = call.request.fields.find((f) => f.name === 'body');
  const lines: string[] = [];
  for (const f of call.request.fields) {
    if (f === body) continue;
    const pointer = call.query[f.name] !== undefined;
    if (pointer) {
      lines.push(`\t${camel(f.name)}Value := ${scalar(f.value)}`);
      lines.push(`\trequest.${pascal(f.name)} = &${camel(f.name)}Value`);
    } else lines.push(`\trequest.${pascal(f.name)} = ${scalar(f.value)}`);
  }
  if (body && 'model' in body.value) {
    const json = JSON.stringify(call.body, null, '\t').replaceAll('\n', '\n\t');
    const text = json.includes('`') ? lit(json) : `\`${json}\``;
    lines.push(`\trequest.Body = &model.${goType(body.value.model)}{}`);
    lines.push(`\tif err := json.Unmarshal([]byte(${text}), request.Body); err != nil {\n\t\tpanic(err)\n\t}`);
  }
  const imports = [
    ...(body ? ['"encoding/json"'] : []),
    '"fmt"',
    '"os"',
    '',
    `"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/${auth}"`,
    '"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"',
    `${pkg} "${service.module.go}"`,
    `"${service.module.go}/model"`,
  ];
  return `package main

import (
${imports.map((i) => (i ? `\t${i}` : '')).join('\n')}
)

func main() {
\tak := os.Getenv("HUAWEICLOUD_SDK_AK")
\tsk := os.Getenv("HUAWEICLOUD_SDK_SK")
\tendpoint := ${lit(ENDPOINT)}
\t${scope[0]} := ${lit(scope[1])}

\tauth := ${auth}.NewCredentialsBuilder().WithAk(ak).WithSk(sk).${scope[2]}(${scope[0]}).Build()
\tclient := ${pkg}.New${service.client}(
\t\t${pkg}.${service.client}Builder().WithEndpoints([]string{endpoint}).WithCredential(auth).Build())

\trequest := &model.${call.request.model}{}
${lines.join('\n')}${lines.length ? '\n' : ''}
\tresponse, err := client.${call.sdkOperation}(request)
\tif err == nil {
\t\tfmt.Printf("%+v\\n", response)
\t} else if e, ok := err.(*sdkerr.ServiceResponseError); ok {
\t\tfmt.Println(e.StatusCode, e.ErrorCode, e.ErrorMessage, e.RequestId)
\t} else {
\t\tfmt.Println(err)
\t}
}
`;
}
