/** The SDKs' spellings of a JSON field or an operation id. */
const words = (name: string) =>
  name
    .split(/[_-]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());

const upper = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** edge_app_id → EdgeAppId (Go fields, Go calls, Node.js and Java setters after `with`). */
export const pascal = (name: string) => words(name).map(upper).join('');
/** CreateEdgeApp → createEdgeApp (Node.js and Java calls). */
export const camel = (name: string) => {
  const p = pascal(name);
  return p.charAt(0).toLowerCase() + p.slice(1);
};
/** CreateEdgeApp → create_edge_app; Client-Request-Id → client_request_id (Python). */
export const snake = (name: string) => words(name).join('_');
/** DTO → Dto in Go type names. */
export const goType = (name: string) => name.replaceAll('DTO', 'Dto');
