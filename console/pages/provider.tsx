import { useState } from 'preact/hooks';
import { api, enc, query } from '../api';
import { useLoad } from '../parts/load';
import { useRefusal } from '../parts/refusal';
import { Confirm, Copy, Field, Loading, Pager, Problem, Time, Title } from '../parts/ui';
import { navigate, place } from '../router';
import { session } from '../session';
import type { Provider } from './providers';

interface ProviderVersion {
  provider_version: string;
  version_description?: string;
  function_graph_urn: string;
  create_time: string;
}

const LIMIT = 20;
const region = () => document.getElementById('console')?.dataset.region ?? '';

function terraform(source: string, version: string) {
  return `terraform {
  required_providers {
    ${source.split('/').pop()} = {
      source  = "${source}"
      version = "${version}"
    }
  }
}`;
}

function CreateVersion({ name, created }: { name: string; created: () => void }) {
  const { errors, problem, attempt } = useRefusal();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '');
    return attempt(async () => {
      await api('POST', `/v1/private-providers/${enc(name)}/versions`, {
        provider_version: text('provider_version'),
        function_graph_urn: text('function_graph_urn'),
        ...(text('version_description') ? { version_description: text('version_description') } : {}),
      });
      form.reset();
      created();
    });
  };
  const urn = `urn:fss:${region()}:${session.value!.projectId || '<project_id>'}:function:default:my-function`;
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-provider-version" noValidate>
      <h2 id="create-provider-version">Create a version</h2>
      <Problem error={problem} />
      <Field label="Version" name="provider_version" errors={errors} hint="semantic version, e.g. 1.2.0">
        {(a) => <input {...a} name="provider_version" />}
      </Field>
      <Field
        label="FunctionGraph function URN"
        name="function_graph_urn"
        errors={errors}
        hint={`a function of this region (${region()}), e.g. ${urn}`}
      >
        {(a) => <input {...a} name="function_graph_urn" defaultValue={urn} />}
      </Field>
      <Field label="Description" name="version_description" errors={errors}>
        {(a) => <input {...a} name="version_description" />}
      </Field>
      <button class="primary" type="submit">
        Create version
      </button>
    </form>
  );
}

export function ProviderPage({ name }: { name: string }) {
  const offset = Number(place.value.params.get('offset') ?? 0) || 0;
  const [creating, setCreating] = useState(false);
  const shown = useLoad(() => api<Provider>('GET', `/v1/private-providers/${enc(name)}/metadata`), [name]);
  const versions = useLoad(
    () =>
      api<{ count: number; versions: ProviderVersion[] }>(
        'GET',
        `/_versionary/private-providers/${enc(name)}/versions${query({ offset, limit: LIMIT })}`,
      ),
    [name, offset],
  );
  const p = shown.data;
  const newest = versions.data?.versions[0]?.provider_version ?? '0.0.1';
  return (
    <>
      <p class="crumbs">
        <a href="/console/providers">Private providers</a> /
      </p>
      <Title
        actions={
          <>
            <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
              Create version
            </button>
            <Confirm
              label="Delete provider"
              title={`Delete ${name}?`}
              body={<p>The provider and all its versions are deleted.</p>}
              confirm="Delete"
              danger
              action={async () => {
                await api('DELETE', `/v1/private-providers/${enc(name)}`);
                navigate('/console/providers');
              }}
            />
          </>
        }
      >
        {name}
      </Title>
      <Problem error={shown.error} />
      {!p && !shown.error && <Loading />}
      {p && (
        <>
          <dl class="facts">
            <dt>Provider id</dt>
            <dd>
              <code>{p.provider_id}</code>
            </dd>
            <dt>Description</dt>
            <dd>{p.provider_description ?? '—'}</dd>
            <dt>Source</dt>
            <dd>
              <code>{p.provider_source}</code> <Copy text={p.provider_source} label="Copy the provider source" />
            </dd>
            <dt>Agency</dt>
            <dd>{p.provider_agency_name ?? p.provider_agency_urn ?? '—'}</dd>
            <dt>Created</dt>
            <dd>
              <Time value={p.create_time} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time value={p.update_time} />
            </dd>
          </dl>
          <section class="panel" aria-labelledby="terraform">
            <h2 id="terraform">In a Terraform template</h2>
            <pre class="code" tabIndex={0}>
              {terraform(p.provider_source, newest)}
            </pre>
            <Copy text={terraform(p.provider_source, newest)} label="Copy the Terraform block" />
          </section>
        </>
      )}
      {creating && <CreateVersion name={name} created={versions.reload} />}
      <h2>Versions, newest first</h2>
      <Problem error={versions.error} />
      {!versions.data && !versions.error && <Loading />}
      {versions.data && (
        <>
          <table>
            <caption class="sr-only">Versions of {name}, newest semantic version first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Description</th>
                <th scope="col">Function URN</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.versions.map((v) => (
                <tr key={v.provider_version}>
                  <th scope="row">{v.provider_version}</th>
                  <td>{v.version_description ?? ''}</td>
                  <td>
                    <code>{v.function_graph_urn}</code>
                  </td>
                  <td>
                    <Time value={v.create_time} />
                  </td>
                  <td>
                    <Confirm
                      label={`Delete ${v.provider_version}`}
                      title={`Delete version ${v.provider_version}?`}
                      body={<p>Versions are immutable: to change one, delete it and create it again.</p>}
                      confirm="Delete"
                      danger
                      action={async () => {
                        await api('DELETE', `/v1/private-providers/${enc(name)}/versions/${enc(v.provider_version)}`);
                        versions.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={LIMIT} count={versions.data.count} />
        </>
      )}
    </>
  );
}
