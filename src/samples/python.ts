import { ENDPOINT, DOMAIN_ID, PROJECT_ID, type Call, type Plain, type Value } from './call.js';
import { snake } from './case.js';

function plain(v: Plain): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(plain).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${plain(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

function value(v: Value, indent: string): string {
  if ('env' in v) return `os.environ[${JSON.stringify(v.env)}]`;
  if ('plain' in v) return plain(v.plain);
  if ('list' in v) return `[${v.list.map((item) => value(item, indent)).join(', ')}]`;
  if (v.fields.length === 0) return `${v.model}()`;
  const inner = `${indent}    `;
  const args = v.fields.map((f) => `\n${inner}${snake(f.name)}=${value(f.value, inner)}`).join(',');
  return `${v.model}(${args}\n${indent})`;
}

/** A Python program: the official SDK's client, request and model classes, the call and what it answers. */
export function pythonSample(call: Call): string {
  const { service } = call;
  const global = service.credentials === 'GlobalCredentials';
  const scope = global ? ['domain_id', DOMAIN_ID] : ['project_id', PROJECT_ID];
  const fields = call.request.fields.map((f) => `\n        request.${snake(f.name)} = ${value(f.value, '        ')}`);
  return `import os

from huaweicloudsdkcore.auth.credentials import ${service.credentials}
from huaweicloudsdkcore.exceptions import exceptions
from ${service.module.python} import *

if __name__ == "__main__":
    ak = os.environ["HUAWEICLOUD_SDK_AK"]
    sk = os.environ["HUAWEICLOUD_SDK_SK"]
    endpoint = ${JSON.stringify(ENDPOINT)}
    ${scope[0]} = ${JSON.stringify(scope[1])}

    credentials = ${service.credentials}(ak, sk, ${scope[0]})
    client = ${service.client}.new_builder() \\
        .with_credentials(credentials) \\
        .with_endpoints([endpoint]) \\
        .build()

    try:
        request = ${call.request.model}()${fields.join('')}
        response = client.${snake(call.sdkOperation)}(request)
        print(response)
    except exceptions.ClientRequestException as e:
        print(e.status_code)
        print(e.error_code)
        print(e.error_msg)
        print(e.request_id)
`;
}
