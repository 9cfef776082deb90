import { useState } from 'preact/hooks';
import { CREATE_VERSION_EXAMPLE } from '../../src/iotedge/examples';
import { api, enc, query } from '../api';
import { errorsAt } from '../errors';
import { useLoad } from '../parts/load';
import { useRefusal } from '../parts/refusal';
import { Badge, Confirm, Field, Loading, Pager, Problem, Time, Title } from '../parts/ui';
import { navigate, place, withParams } from '../router';
import { session } from '../session';
import { appHref, appsHref, appsPath, type EdgeApp } from './apps';

export const ARCHES = ['x86_64', 'arm32', 'arm64'];
const STATES = ['DRAFT', 'PUBLISHED', 'OFF_SHELF'];
const LIMIT = 20;

export interface BriefVersion {
  version: string;
  description?: string;
  deploy_type: string;
  state: string;
  arch: string[];
  create_time: string;
  update_time: string;
  publish_time?: string;
  off_shelf_time?: string;
}

export const versionHref = (app: string, version: string) => `${appHref(app)}/versions/${enc(version)}`;
export const compareHref = (app: string, a: string, b: string) => `${appHref(app)}/compare${query({ a, b })}`;
const versionsPath = (app: string) => `${appsPath()}/${enc(app)}/versions`;

/** The example body without the fields that have a control of their own. */
function exampleRest(): string {
  const { version: _v, description: _d, deploy_type: _t, arch: _a, ...rest } = CREATE_VERSION_EXAMPLE;
  const { image_url: _i, ...settings } = rest.container_settings;
  return JSON.stringify({ ...rest, container_settings: settings }, null, 2);
}

const OWN_FIELDS = ['version', 'description', 'deploy_type', 'arch', 'container_settings.image_url'];

function CreateVersion({ app, created }: { app: string; created: (v: string) => void }) {
  const { errors, problem, attempt, refuse } = useRefusal();
  const [json, setJson] = useState(exampleRest);
  const submit = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    let rest: Record<string, unknown>;
    try {
      rest = JSON.parse(json) as Record<string, unknown>;
      if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) throw new Error('it must be a JSON object');
    } catch (e) {
      return refuse(e, [{ field: 'json', message: `Other settings are not valid JSON: ${(e as Error).message}` }]);
    }
    const settings = (rest.container_settings ?? {}) as Record<string, unknown>;
    const text = (k: string) => String(f.get(k) ?? '');
    const body = {
      ...rest,
      version: text('version'),
      ...(text('description') ? { description: text('description') } : {}),
      deploy_type: text('deploy_type'),
      arch: f.getAll('arch').map(String),
      container_settings: { ...settings, image_url: text('image_url') },
    };
    return attempt(async () => {
      const v = await api<{ version: string }>('POST', versionsPath(app), body);
      created(v.version);
    });
  };
  const others = errors.filter((e) => e.field === 'json' || !OWN_FIELDS.some((f) => errorsAt([e], f).length > 0));
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-version" noValidate>
      <h2 id="create-version">Create a version</h2>
      <Problem error={problem} />
      <div class="grid">
        <Field label="Version" name="version" errors={errors} hint="e.g. 1.0.0">
          {(a) => <input {...a} name="version" />}
        </Field>
        <Field label="Description" name="description" errors={errors}>
          {(a) => <input {...a} name="description" />}
        </Field>
        <Field label="Deploy type" name="deploy_type" errors={errors}>
          {(a) => (
            <select {...a} name="deploy_type">
              <option>docker</option>
              <option>process</option>
            </select>
          )}
        </Field>
        <Field label="Image" name="container_settings.image_url" errors={errors}>
          {(a) => <input {...a} name="image_url" defaultValue={CREATE_VERSION_EXAMPLE.container_settings.image_url} />}
        </Field>
      </div>
      <fieldset aria-describedby={errorsAt(errors, 'arch').length ? 'arch-error' : undefined}>
        <legend>Architectures</legend>
        {ARCHES.map((a) => (
          <label key={a} class="check">
            <input type="checkbox" name="arch" value={a} defaultChecked={a === 'x86_64'} /> {a}
          </label>
        ))}
        {errorsAt(errors, 'arch').length > 0 && (
          <ul id="arch-error" class="field-error">
            {errorsAt(errors, 'arch').map((e) => (
              <li key={e.message}>{e.message}</li>
            ))}
          </ul>
        )}
      </fieldset>
      <div class="field">
        <label for="version-json">Other settings (JSON: container settings, probes, command, args…)</label>
        <textarea
          id="version-json"
          class="code"
          rows={18}
          spellcheck={false}
          value={json}
          aria-invalid={others.length > 0}
          aria-describedby={others.length ? 'version-json-error' : undefined}
          onInput={(e) => setJson((e.target as HTMLTextAreaElement).value)}
        />
        {others.length > 0 && (
          <ul id="version-json-error" class="field-error">
            {others.map((e) => (
              <li key={e.message}>{e.message}</li>
            ))}
          </ul>
        )}
      </div>
      <button class="primary" type="submit">
        Create version
      </button>
    </form>
  );
}

function Versions({ app }: { app: string }) {
  const p = place.value.params;
  const state = p.get('state') ?? '';
  const arch = p.get('arch') ?? '';
  const search = p.get('version') ?? '';
  const offset = Number(p.get('offset') ?? 0) || 0;
  const [picked, setPicked] = useState<string[]>([]);
  const list = useLoad(async () => {
    const page = await api<{ count: number; versions: BriefVersion[] }>(
      'GET',
      versionsPath(app) + query({ state, arch, version: search, offset, limit: LIMIT }),
    );
    const names = page.versions.map((v) => `version=${enc(v.version)}`).join('&');
    const cards = names
      ? await api<Record<string, string>>('GET', `/_versionary/accelerators?edge_app_id=${enc(app)}&${names}`)
      : {};
    return { ...page, cards };
  }, [app, state, arch, search, offset]);
  const filter = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const get = (k: string) => String(f.get(k) ?? '');
    navigate(withParams({ state: get('state'), arch: get('arch'), version: get('version'), offset: undefined }));
  };
  const pick = (v: string, on: boolean) =>
    setPicked((now) => (on ? [...now.filter((x) => x !== v), v].slice(-2) : now.filter((x) => x !== v)));
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Versions</h2>
      <form class="filters" role="search" onSubmit={filter}>
        <label for="vq">Version</label>
        <input id="vq" name="version" defaultValue={search} key={`v-${search}`} />
        <label for="vstate">State</label>
        <select id="vstate" name="state" defaultValue={state} key={`s-${state}`}>
          <option value="">any</option>
          {STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label for="varch">Arch</label>
        <select id="varch" name="arch" defaultValue={arch} key={`a-${arch}`}>
          <option value="">any</option>
          {ARCHES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <button type="submit">Filter</button>
        {picked.length === 2 ? (
          <a class="button" href={compareHref(app, picked[0]!, picked[1]!)}>
            Compare {picked[0]} and {picked[1]}
          </a>
        ) : (
          <span class="muted">Pick two versions to compare them.</span>
        )}
      </form>
      <Problem error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && (
        <>
          <table>
            <caption class="sr-only">Versions of {app}</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Arch</th>
                <th scope="col">Accelerator</th>
                <th scope="col">Created</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {list.data.versions.map((v) => (
                <tr key={v.version}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${v.version}`}
                      checked={picked.includes(v.version)}
                      onChange={(e) => pick(v.version, (e.target as HTMLInputElement).checked)}
                    />
                  </td>
                  <td>
                    <a href={versionHref(app, v.version)}>{v.version}</a>
                  </td>
                  <td>
                    <Badge state={v.state} />
                  </td>
                  <td>{v.arch.join(', ')}</td>
                  <td>{list.data!.cards[v.version] ?? ''}</td>
                  <td>
                    <Time value={v.create_time} />
                  </td>
                  <td>
                    <Time value={v.publish_time} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={LIMIT} count={list.data.count} />
        </>
      )}
    </section>
  );
}

export function AppPage({ app }: { app: string }) {
  const shown = useLoad(() => api<EdgeApp>('GET', `${appsPath()}/${enc(app)}`), [app, session.value!.projectId]);
  const [creating, setCreating] = useState(false);
  const a = shown.data;
  return (
    <>
      <p class="crumbs">
        <a href={appsHref()}>Edge apps</a> /
      </p>
      <Title
        actions={
          <>
            <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
              Create version
            </button>
            <Confirm
              label="Delete app"
              title={`Delete ${app}?`}
              body={
                <p>The app and all its versions are deleted. A published version must be taken off the shelf first.</p>
              }
              confirm="Delete"
              danger
              action={async () => {
                await api('DELETE', `${appsPath()}/${enc(app)}`);
                navigate(appsHref());
              }}
            />
          </>
        }
      >
        {app}
      </Title>
      <Problem error={shown.error} />
      {!a && !shown.error && <Loading />}
      {a && (
        <dl class="facts">
          <dt>Name</dt>
          <dd>{a.edge_app_name ?? '—'}</dd>
          <dt>Description</dt>
          <dd>{a.description ?? '—'}</dd>
          <dt>Function type</dt>
          <dd>{a.function_type}</dd>
          <dt>Protocol</dt>
          <dd>{a.protocol ?? '—'}</dd>
          <dt>App type</dt>
          <dd>{a.app_type}</dd>
          <dt>Deploy type</dt>
          <dd>{a.deploy_type ?? '—'}</dd>
          <dt>Last published version</dt>
          <dd>{a.last_published_version ?? '—'}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={a.create_time} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time value={a.update_time} />
          </dd>
        </dl>
      )}
      {creating && <CreateVersion app={app} created={(v) => navigate(versionHref(app, v))} />}
      {a && <Versions app={app} />}
    </>
  );
}
