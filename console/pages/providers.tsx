import { useState } from 'preact/hooks';
import { api, enc, query } from '../api';
import { useLoad } from '../parts/load';
import { useRefusal } from '../parts/refusal';
import { Field, Loading, Problem, Time, Title } from '../parts/ui';
import { navigate, place, withParams } from '../router';

export interface Provider {
  provider_id: string;
  provider_name: string;
  provider_description?: string;
  provider_source: string;
  provider_agency_urn?: string;
  provider_agency_name?: string;
  create_time: string;
  update_time: string;
}

interface PageInfo {
  next_marker: string | null;
  previous_marker: string | null;
  current_count: number;
}

const LIMIT = 20;
export const providerHref = (name: string) => `/console/providers/${enc(name)}`;

function CreateProvider() {
  const { errors, problem, attempt } = useRefusal();
  const submit = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const name = String(f.get('provider_name') ?? '');
    const description = String(f.get('provider_description') ?? '');
    return attempt(async () => {
      await api('POST', '/v1/private-providers', {
        provider_name: name,
        ...(description ? { provider_description: description } : {}),
      });
      navigate(providerHref(name));
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-provider" noValidate>
      <h2 id="create-provider">Create a private provider</h2>
      <Problem error={problem} />
      <Field label="Provider name" name="provider_name" errors={errors} hint="lowercase letters, digits and -">
        {(a) => <input {...a} name="provider_name" />}
      </Field>
      <Field label="Description" name="provider_description" errors={errors}>
        {(a) => <input {...a} name="provider_description" />}
      </Field>
      <button class="primary" type="submit">
        Create
      </button>
    </form>
  );
}

export function Providers() {
  const marker = place.value.params.get('marker') ?? '';
  const [creating, setCreating] = useState(false);
  const list = useLoad(
    () =>
      api<{ providers: Provider[]; page_info: PageInfo }>(
        'GET',
        `/v1/private-providers${query({ marker, limit: LIMIT })}`,
      ),
    [marker],
  );
  const info = list.data?.page_info;
  return (
    <>
      <Title
        actions={
          <button type="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
            Create provider
          </button>
        }
      >
        Private providers
      </Title>
      {creating && <CreateProvider />}
      <Problem error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data && (
        <>
          <table>
            <caption class="sr-only">Private providers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Source</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.providers.map((p) => (
                <tr key={p.provider_id}>
                  <td>
                    <a href={providerHref(p.provider_name)}>{p.provider_name}</a>
                  </td>
                  <td>{p.provider_description ?? ''}</td>
                  <td>
                    <code>{p.provider_source}</code>
                  </td>
                  <td>
                    <Time value={p.create_time} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <span>{info!.current_count === 0 ? 'Nothing yet' : `${info!.current_count} on this page`}</span>
            {info!.previous_marker && <a href={withParams({ marker: info!.previous_marker })}>Previous</a>}
            {info!.next_marker && <a href={withParams({ marker: info!.next_marker })}>Next</a>}
          </nav>
        </>
      )}
    </>
  );
}
