import { api, enc } from '../api';
import { diff, type Change } from '../diff';
import { useLoad } from '../parts/load';
import { Badge, Loading, Problem, Title } from '../parts/ui';
import { place } from '../router';
import { appHref, appsHref, appsPath } from './apps';
import { versionHref } from './app';

/** What describes a version itself rather than its workload: shown above the diff, not in it. */
const OWN = ['edge_app_id', 'name', 'version', 'state', 'create_time', 'update_time', 'publish_time', 'off_shelf_time'];

const spec = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k]) => !OWN.includes(k)));
const show = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

export function Compare({ app }: { app: string }) {
  const a = place.value.params.get('a') ?? '';
  const b = place.value.params.get('b') ?? '';
  const both = useLoad(async () => {
    const get = (v: string) => api<Record<string, any>>('GET', `${appsPath()}/${enc(app)}/versions/${enc(v)}`);
    return Promise.all([get(a), get(b)]);
  }, [app, a, b]);
  const changes: Change[] = both.data ? diff(spec(both.data[0]), spec(both.data[1])) : [];
  return (
    <>
      <p class="crumbs">
        <a href={appsHref()}>Edge apps</a> / <a href={appHref(app)}>{app}</a> /
      </p>
      <Title>
        Compare {a} and {b}
      </Title>
      <Problem error={both.error} />
      {!both.data && !both.error && <Loading />}
      {both.data && (
        <>
          <table>
            <caption class="sr-only">The two versions</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {both.data.map((v) => (
                <tr key={v.version}>
                  <td>
                    <a href={versionHref(app, v.version)}>{v.version}</a>
                  </td>
                  <td>
                    <Badge state={v.state} />
                  </td>
                  <td>{v.create_time}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{changes.length === 0 ? 'Their specs are the same.' : `${changes.length} fields differ`}</h2>
          {changes.length > 0 && (
            <table class="diff">
              <caption class="sr-only">
                Fields that differ from {a} to {b}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Change</th>
                  <th scope="col">{a}</th>
                  <th scope="col">{b}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.path} class={`change-${c.kind}`}>
                    <th scope="row">
                      <code>{c.path}</code>
                    </th>
                    <td>{c.kind}</td>
                    <td>
                      <code>{c.kind === 'added' ? '' : show(c.before)}</code>
                    </td>
                    <td>
                      <code>{c.kind === 'removed' ? '' : show(c.after)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}
