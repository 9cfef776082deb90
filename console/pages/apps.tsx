import { useState } from 'preact/hooks';
import { api, enc, query } from '../api';
import { useLoad } from '../parts/load';
import { useRefusal } from '../parts/refusal';
import { Field, Loading, Pager, Problem, Time, Title } from '../parts/ui';
import { navigate, place, withParams } from '../router';
import { session } from '../session';

export const FUNCTION_TYPES = [
  'DATA_PROCESSING',
  'PROTOCOL_PARSING',
  'ON_PREMISE_INTEGRATION',
  'GATEWAY_MANAGER',
  'COMPOSITE_APPLICATION',
  'DATA_COLLECTION',
  'MODEL_INFERENCE',
];
const PROTOCOLS = ['OPCUA', 'Modbus-TCP', 'Modbus-RTU', 'IEC104', 'OPCDA', 'Http', 'JDBC', 'Other', 'ONVIF'];
const LIMIT = 20;

export interface EdgeApp {
  edge_app_id: string;
  edge_app_name?: string;
  description?: string;
  create_time: string;
  update_time: string;
  last_published_version?: string;
  app_type: string;
  function_type: string;
  deploy_type?: string;
  protocol?: string;
}

/** The console page of the project's edge apps. */
export const appsHref = () => `/console/projects/${enc(session.value!.projectId)}/edge-apps`;
export const appsPath = () => `/v2/${enc(session.value!.projectId)}/edge-apps`;
export const appHref = (id: string) => `${appsHref()}/${enc(id)}`;

function CreateApp() {
  const { errors, problem, attempt } = useRefusal();
  const submit = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const body: Record<string, string> = {};
    for (const k of ['edge_app_id', 'edge_app_name', 'description', 'function_type', 'protocol']) {
      const v = String(f.get(k) ?? '');
      if (v !== '') body[k] = v;
    }
    return attempt(async () => {
      const app = await api<EdgeApp>('POST', appsPath(), body);
      navigate(appHref(app.edge_app_id));
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-app">
      <h2 id="create-app">Create an edge app</h2>
      <Problem error={problem} />
      <Field label="Edge app id" name="edge_app_id" errors={errors} hint="4–32 letters, digits, - or _">
        {(a) => <input {...a} name="edge_app_id" required />}
      </Field>
      <Field label="Name" name="edge_app_name" errors={errors}>
        {(a) => <input {...a} name="edge_app_name" />}
      </Field>
      <Field label="Description" name="description" errors={errors}>
        {(a) => <input {...a} name="description" />}
      </Field>
      <Field label="Function type" name="function_type" errors={errors}>
        {(a) => (
          <select {...a} name="function_type">
            {FUNCTION_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Protocol" name="protocol" errors={errors}>
        {(a) => (
          <select {...a} name="protocol">
            <option value="">(none)</option>
            {PROTOCOLS.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </Field>
      <button class="primary" type="submit">
        Create
      </button>
    </form>
  );
}

export function Apps() {
  const p = place.value.params;
  const search = p.get('edge_app_id') ?? '';
  const type = p.get('function_type') ?? '';
  const offset = Number(p.get('offset') ?? 0) || 0;
  const [creating, setCreating] = useState(false);
  const list = useLoad(
    () =>
      api<{ count: number; edge_apps: EdgeApp[] }>(
        'GET',
        appsPath() + query({ edge_app_id: search, function_type: type, offset, limit: LIMIT }),
      ),
    [search, type, offset, session.value!.projectId],
  );
  const filter = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    navigate(
      withParams({
        edge_app_id: String(f.get('edge_app_id') ?? ''),
        function_type: String(f.get('function_type') ?? ''),
        offset: undefined,
      }),
    );
  };
  return (
    <>
      <Title
        actions={
          <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
            Create edge app
          </button>
        }
      >
        Edge apps
      </Title>
      {creating && <CreateApp />}
      <form class="filters" role="search" onSubmit={filter}>
        <label for="q">Search by id</label>
        <input id="q" name="edge_app_id" defaultValue={search} key={`q-${search}`} />
        <label for="type">Function type</label>
        <select id="type" name="function_type" key={`t-${type}`} defaultValue={type}>
          <option value="">any</option>
          {FUNCTION_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <Problem error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && (
        <>
          <table>
            <caption class="sr-only">Edge apps</caption>
            <thead>
              <tr>
                <th scope="col">Edge app id</th>
                <th scope="col">Name</th>
                <th scope="col">Function type</th>
                <th scope="col">Deploy type</th>
                <th scope="col">Last published</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data.edge_apps.map((a) => (
                <tr key={a.edge_app_id}>
                  <td>
                    <a href={appHref(a.edge_app_id)}>{a.edge_app_id}</a>
                  </td>
                  <td>{a.edge_app_name ?? ''}</td>
                  <td>{a.function_type}</td>
                  <td>{a.deploy_type ?? ''}</td>
                  <td>{a.last_published_version ?? ''}</td>
                  <td>
                    <Time value={a.update_time} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={LIMIT} count={list.data.count} />
        </>
      )}
    </>
  );
}
