import { describeCall, type Call, type Operation } from './call.js';
import { curlSample } from './curl.js';
import { goSample } from './go.js';
import { javaSample } from './java.js';
import { nodeSample } from './node.js';
import { pythonSample } from './python.js';

export { DOMAIN_ID, ENDPOINT, PROJECT_ID } from './call.js';

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

/** The tabs, in the order the explorer shows them, with the comment mark of each language. */
const LANGUAGES = [
  { lang: 'node', label: 'Node.js SDK', comment: '//', render: nodeSample },
  { lang: 'python', label: 'Python SDK', comment: '#', render: pythonSample },
  { lang: 'go', label: 'Go SDK', comment: '//', render: goSample },
  { lang: 'java', label: 'Java SDK', comment: '//', render: javaSample },
  { lang: 'shell', label: 'curl', comment: '#', render: curlSample },
];

const note = (call: Call) =>
  call.sdkOperation === call.operationId
    ? ''
    : `The SDKs have no ${call.operationId} call; ${call.sdkOperation} answers with the same provider.`;

/** The samples of one operation of the document, or none for an operation no official SDK covers. */
export function codeSamples(path: string, method: string, op: Operation): CodeSample[] | undefined {
  const call = describeCall(path, method, op);
  if (!call) return undefined;
  return LANGUAGES.map(({ lang, label, comment, render }) => {
    const text = lang === 'shell' ? '' : note(call);
    return { lang, label, source: `${text ? `${comment} ${text}\n\n` : ''}${render(call)}` };
  });
}

type Document = { paths?: Record<string, Record<string, Operation & { 'x-codeSamples'?: CodeSample[] }>> };

/** Adds x-codeSamples to every IoTEdge, RFS and IAM operation of an OpenAPI document. */
export function withCodeSamples<T>(doc: T): T {
  for (const [path, item] of Object.entries((doc as Document).paths ?? {}))
    for (const [method, op] of Object.entries(item)) {
      const samples = codeSamples(path, method, op);
      if (samples) op['x-codeSamples'] = samples;
    }
  return doc;
}
