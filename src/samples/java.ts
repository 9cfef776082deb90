import { ENDPOINT, DOMAIN_ID, PROJECT_ID, type Call, type Plain, type Value } from './call.js';
import { camel, pascal } from './case.js';

function plain(v: Plain): string {
  if (Array.isArray(v)) return `Arrays.asList(${v.map(plain).join(', ')})`;
  if (v && typeof v === 'object')
    return `Map.of(${Object.entries(v)
      .flatMap(([k, x]) => [JSON.stringify(k), plain(x)])
      .join(', ')})`;
  return JSON.stringify(v);
}

function value(v: Value, indent: string): string {
  if ('env' in v) return `System.getenv(${JSON.stringify(v.env)})`;
  if ('plain' in v) return plain(v.plain);
  if ('list' in v) return `Arrays.asList(${v.list.map((item) => value(item, indent)).join(', ')})`;
  const inner = `${indent}    `;
  return `new ${v.model}()${v.fields.map((f) => `\n${inner}.with${pascal(f.name)}(${value(f.value, inner)})`).join('')}`;
}

/** A Java program: the official SDK's client, request and model classes, the call and what it answers. */
export function javaSample(call: Call): string {
  const { service } = call;
  const global = service.credentials === 'GlobalCredentials';
  const scope = global ? ['domainId', DOMAIN_ID, 'withDomainId'] : ['projectId', PROJECT_ID, 'withProjectId'];
  const fields = call.request.fields.map(
    (f) => `\n        request.with${pascal(f.name)}(${value(f.value, '        ')});`,
  );
  return `import com.huaweicloud.sdk.core.auth.${service.credentials};
import com.huaweicloud.sdk.core.auth.ICredential;
import com.huaweicloud.sdk.core.exception.ConnectionException;
import com.huaweicloud.sdk.core.exception.RequestTimeoutException;
import com.huaweicloud.sdk.core.exception.ServiceResponseException;
import ${service.module.java}.${service.client};
import ${service.module.java}.model.*;

import java.util.Arrays;
import java.util.Map;

public class ${call.sdkOperation} {
    public static void main(String[] args) {
        String ak = System.getenv("HUAWEICLOUD_SDK_AK");
        String sk = System.getenv("HUAWEICLOUD_SDK_SK");
        String endpoint = ${JSON.stringify(ENDPOINT)};
        String ${scope[0]} = ${JSON.stringify(scope[1])};

        ICredential auth = new ${service.credentials}().withAk(ak).withSk(sk).${scope[2]}(${scope[0]});
        ${service.client} client = ${service.client}.newBuilder().withCredential(auth).withEndpoint(endpoint).build();

        ${call.request.model} request = new ${call.request.model}();${fields.join('')}
        try {
            ${call.sdkOperation}Response response = client.${camel(call.sdkOperation)}(request);
            System.out.println(response.toString());
        } catch (ConnectionException | RequestTimeoutException e) {
            e.printStackTrace();
        } catch (ServiceResponseException e) {
            System.out.println(e.getHttpStatusCode());
            System.out.println(e.getErrorCode());
            System.out.println(e.getErrorMsg());
            System.out.println(e.getRequestId());
        }
    }
}
`;
}
