import { ENDPOINT, type Call } from './call.js';

const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** curl with an IAM token in X-Auth-Token (the X-Subject-Token answered by POST /v3/auth/tokens). */
export function curlSample(call: Call): string {
  const query = new URLSearchParams(call.query).toString();
  const lines = [`curl -X ${call.method} "${ENDPOINT}${call.path}${query ? `?${query}` : ''}"`];
  if (!call.isPublic) lines.push('-H "X-Auth-Token: $X_AUTH_TOKEN"');
  for (const [name, value] of Object.entries(call.headers)) lines.push(`-H "${name}: ${value}"`);
  if (call.body !== undefined) {
    lines.push('-H "Content-Type: application/json"');
    lines.push(`-d ${quoted(JSON.stringify(call.body, null, 2))}`);
  }
  return `${lines.join(' \\\n  ')}\n`;
}
