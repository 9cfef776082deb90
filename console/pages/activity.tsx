import { api, query } from '../api';
import { useLoad } from '../parts/load';
import { Loading, Problem, Time, Title } from '../parts/ui';
import { navigate, place, withParams } from '../router';

export interface ActivityItem {
  time: string;
  request_id: string;
  project_id: string | null;
  user_id: string;
  user_name: string;
  access_key: string | null;
  operation: string;
  method: string;
  resource: string;
  status: number;
  error_code: string | null;
  outcome: 'success' | 'failure';
}

export interface ActivityPage {
  activity: ActivityItem[];
  page_info: { next_marker: string | null; current_count: number };
}

const FILTERS = ['project_id', 'resource', 'operation', 'user', 'outcome'] as const;

export function ActivityTable({ items }: { items: ActivityItem[] }) {
  if (items.length === 0) return <p class="muted">No activity.</p>;
  return (
    <table class="activity">
      <caption class="sr-only">Activity, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">User</th>
          <th scope="col">Operation</th>
          <th scope="col">Resource</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.request_id + a.time} class={`outcome-${a.outcome}`}>
            <td>
              <Time value={a.time} />
            </td>
            <td>
              {a.user_name}
              {a.access_key && <span class="muted"> (key {a.access_key})</span>}
            </td>
            <td>{a.operation}</td>
            <td>
              <code>
                {a.method} {a.resource}
              </code>
            </td>
            <td>
              <span class={`badge badge-${a.outcome}`}>{a.status}</span> {a.error_code ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Activity() {
  const params = place.value.params;
  const values = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));
  const marker = params.get('marker') ?? '';
  const page = useLoad(
    () => api<ActivityPage>('GET', `/_versionary/activity${query({ ...values, marker, limit: 50 })}`),
    [params.toString()],
  );
  const filter = (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const next: Record<string, string | undefined> = { marker: undefined };
    for (const k of FILTERS) next[k] = String(f.get(k) ?? '').trim();
    navigate(withParams(next));
  };
  const next = page.data?.page_info.next_marker;
  return (
    <>
      <Title>Activity</Title>
      <form class="filters" role="search" onSubmit={filter} key={params.toString()}>
        <label for="a-project">Project id</label>
        <input id="a-project" name="project_id" defaultValue={values.project_id} size={34} />
        <label for="a-resource">Resource starts with</label>
        <input id="a-resource" name="resource" defaultValue={values.resource} placeholder="/v2/…" />
        <label for="a-operation">Operation</label>
        <input id="a-operation" name="operation" defaultValue={values.operation} placeholder="CreateEdgeApp" />
        <label for="a-user">User</label>
        <input id="a-user" name="user" defaultValue={values.user} />
        <label for="a-outcome">Outcome</label>
        <select id="a-outcome" name="outcome" defaultValue={values.outcome}>
          <option value="">any</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
        </select>
        <button type="submit">Filter</button>
      </form>
      <Problem error={page.error} />
      {!page.data && !page.error && <Loading />}
      {page.data && (
        <>
          <ActivityTable items={page.data.activity} />
          <nav class="pager" aria-label="Pages">
            {marker && <a href={withParams({ marker: undefined })}>Newest</a>}
            {next && <a href={withParams({ marker: next })}>Older</a>}
          </nav>
        </>
      )}
    </>
  );
}
