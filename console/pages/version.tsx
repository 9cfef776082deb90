import type { ComponentChildren } from 'preact';
import { api, enc, query } from '../api';
import { useLoad } from '../parts/load';
import { Badge, Confirm, Loading, Problem, Time, Title } from '../parts/ui';
import { navigate } from '../router';
import { appHref, appsHref, appsPath } from './apps';
import { compareHref, type BriefVersion } from './app';

type Json = Record<string, any>;

const list = (items?: unknown[]) => (items && items.length ? items.join(' ') : '—');

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function Facts({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <>
          <dt key={`${k}-t`}>{k}</dt>
          <dd key={`${k}-d`}>{v ?? '—'}</dd>
        </>
      ))}
    </dl>
  );
}

function Table({ caption, head, rows }: { caption: string; head: string[]; rows: unknown[][] }) {
  if (rows.length === 0) return <p class="muted">No {caption.toLowerCase()}.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (
              <td key={j}>{c === undefined || c === null ? '' : String(c)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Probe({ probe }: { probe?: Json }) {
  if (!probe) return <p class="muted">None.</p>;
  const how = probe.http_get
    ? `HTTP ${probe.http_get.scheme ?? ''} GET ${probe.http_get.host ?? ''}:${probe.http_get.port}${probe.http_get.path}`
    : probe.tcp_socket
      ? `TCP port ${probe.tcp_socket.port}`
      : probe.exec
        ? `exec ${list(probe.exec.command)}`
        : '—';
  return (
    <Facts
      rows={[
        ['Check', how],
        ['Initial delay (s)', probe.initial_delay_seconds],
        ['Timeout (s)', probe.timeout_seconds],
        ['Period (s)', probe.period_seconds],
        ['Failure threshold', probe.failure_threshold],
        ['Success threshold', probe.success_threshold],
      ]}
    />
  );
}

/** The spec laid out for reading: container, resources, probes, volumes, ports, devices, command. */
function Spec({ v }: { v: Json }) {
  const c: Json = v.container_settings ?? {};
  const configs: Json = c.configs ?? {};
  const r: Json = c.resources ?? {};
  return (
    <>
      <Section title="Container">
        <Facts
          rows={[
            ['Image', <code>{c.image_url}</code>],
            ['Restart policy', configs.restart_policy],
            ['Privileged', String(configs.privileged ?? false)],
            ['Host network', String(configs.host_network ?? false)],
            ['NPU type', c.npu_type],
            ['Command', <code>{list(v.command)}</code>],
            ['Args', <code>{list(v.args)}</code>],
          ]}
        />
        <Table caption="Environment" head={['Name', 'Value']} rows={Object.entries(c.envs ?? {})} />
      </Section>
      <Section title="Resources">
        <Table
          caption="Limits and requests"
          head={['', 'CPU', 'Memory (MB)', 'GPU', 'NPU']}
          rows={(['limits', 'requests'] as const)
            .filter((k) => r[k])
            .map((k) => [k, r[k].cpu, r[k].memory, r[k].gpu, r[k].npu])}
        />
      </Section>
      <Section title="Probes">
        <h3>Liveness</h3>
        <Probe probe={v.liveness_probe} />
        <h3>Readiness</h3>
        <Probe probe={v.readiness_probe} />
      </Section>
      <Section title="Volumes, ports and devices">
        <Table
          caption="Volumes"
          head={['Name', 'Type', 'Source', 'Destination', 'Read only']}
          rows={(c.volumes ?? []).map((x: Json) => [x.name, x.type, x.source, x.destination, x.read_only])}
        />
        <Table
          caption="Ports"
          head={['Container port', 'Host port', 'Host IP']}
          rows={(configs.container_port_list ?? []).map((x: Json) => [x.container_port, x.host_port, x.host_ip])}
        />
        <Table
          caption="Devices"
          head={['Source', 'Destination', 'Permissions']}
          rows={(c.ext_devices ?? []).map((x: Json) => [x.source, x.destination, x.cgroup_permissions])}
        />
      </Section>
      <Section title="Routes and services">
        <Facts
          rows={[
            ['Inputs', list(v.inputs)],
            ['Outputs', list(v.outputs)],
            ['Services', list(v.services)],
            ['Supplier', v.supplier],
            ['Template', v.tpl_id],
          ]}
        />
      </Section>
    </>
  );
}

function CompareWith({ app, version }: { app: string; version: string }) {
  const others = useLoad(
    () => api<{ versions: BriefVersion[] }>('GET', `${appsPath()}/${enc(app)}/versions${query({ limit: 50 })}`),
    [app],
  );
  const submit = (event: Event) => {
    event.preventDefault();
    const other = String(new FormData(event.target as HTMLFormElement).get('other') ?? '').trim();
    if (other) navigate(compareHref(app, version, other));
  };
  return (
    <form class="filters" onSubmit={submit}>
      <label for="other">Compare with version</label>
      <input id="other" name="other" list="other-versions" required />
      <datalist id="other-versions">
        {(others.data?.versions ?? [])
          .filter((v) => v.version !== version)
          .map((v) => (
            <option key={v.version} value={v.version} />
          ))}
      </datalist>
      <button type="submit">Compare</button>
    </form>
  );
}

export function VersionPage({ app, version }: { app: string; version: string }) {
  const path = `${appsPath()}/${enc(app)}/versions/${enc(version)}`;
  const shown = useLoad(() => api<Json>('GET', path), [path]);
  const v = shown.data;
  const setState = (state: string) => async () => {
    await api('PUT', `${path}/state`, { state });
    shown.reload();
  };
  return (
    <>
      <p class="crumbs">
        <a href={appsHref()}>Edge apps</a> / <a href={appHref(app)}>{app}</a> /
      </p>
      <Title
        actions={
          v && (
            <>
              <Confirm
                label="Publish"
                title={`Publish ${version}?`}
                body={
                  <p>
                    A published version can be deployed; it cannot be changed or deleted until it is taken off the
                    shelf.
                  </p>
                }
                confirm="Publish"
                action={setState('PUBLISHED')}
              />
              <Confirm
                label="Take off the shelf"
                title={`Take ${version} off the shelf?`}
                body={<p>It can no longer be deployed; it can be published again.</p>}
                confirm="Take off the shelf"
                action={setState('OFF_SHELF')}
              />
              <Confirm
                label="Delete version"
                title={`Delete ${version}?`}
                body={<p>The version is deleted for good.</p>}
                confirm="Delete"
                danger
                action={async () => {
                  await api('DELETE', path);
                  navigate(appHref(app));
                }}
              />
            </>
          )
        }
      >
        {app} {version}
      </Title>
      <Problem error={shown.error} />
      {!v && !shown.error && <Loading />}
      {v && (
        <>
          <Facts
            rows={[
              ['State', <Badge state={v.state} />],
              ['Deploy type', v.deploy_type],
              ['Architectures', list(v.arch)],
              ['Multiple instances', String(v.deploy_multi_instance)],
              ['SDK version', v.sdk_version],
              ['Description', v.description],
              ['Created', <Time value={v.create_time} />],
              ['Updated', <Time value={v.update_time} />],
              ['Published', <Time value={v.publish_time} />],
              ['Off the shelf', <Time value={v.off_shelf_time} />],
            ]}
          />
          <CompareWith app={app} version={version} />
          <Spec v={v} />
          <section class="panel" aria-label="Raw JSON">
            <h2>Raw JSON</h2>
            <pre class="code" tabIndex={0}>
              {JSON.stringify(v, null, 2)}
            </pre>
          </section>
        </>
      )}
    </>
  );
}
