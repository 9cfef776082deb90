/** Request examples of the IoTEdge operations, shown in the API document; each one succeeds as written. */

export const CREATE_APP_EXAMPLE = {
  edge_app_id: 'my-edge-app',
  edge_app_name: 'MyEdgeApp',
  description: 'this is a test app',
  function_type: 'DATA_PROCESSING',
};

/** The seed page's CreateEdgeApplicationVersion example with its placeholders replaced by real values. */
export const CREATE_VERSION_EXAMPLE = {
  version: '1.0.0',
  description: 'first release',
  sdk_version: '2.1.0',
  deploy_type: 'docker',
  deploy_multi_instance: false,
  container_settings: {
    configs: {
      privileged: false,
      host_network: true,
      restart_policy: 'Always',
      container_port_list: [{ container_port: 8080, host_port: 8080, host_ip: '192.168.1.10' }],
    },
    image_url: 'swr.cn-north-4.myhuaweicloud.com/edge/opcua-driver:1.0.0',
    envs: { LOG_LEVEL: 'info' },
    volumes: [{ name: 'logs', type: 'LOG', source: '/var/log/app', destination: '/opt/app/logs', read_only: true }],
    npu_type: 'D310',
    resources: { limits: { cpu: 2, memory: 2048, npu: 1 }, requests: { cpu: 0.5, memory: 512 } },
    ext_devices: [{ source: '/dev/ttyS0', destination: '/dev/ttyS0', cgroup_permissions: 'MRW' }],
  },
  liveness_probe: {
    http_get: { path: '/healthz', port: 8080, host: 'edge.example.com', scheme: 'HTTP' },
    initial_delay_seconds: 10,
    timeout_seconds: 3,
    period_seconds: 30,
    failure_threshold: 3,
  },
  readiness_probe: { tcp_socket: { port: 8080 }, initial_delay_seconds: 5, timeout_seconds: 3 },
  arch: ['x86_64', 'arm64'],
  command: ['/bin/sh'],
  args: ['-c', 'run.sh'],
  outputs: ['opcua/out'],
  inputs: ['opcua/in'],
  services: ['opcua'],
  supplier: '华为',
  tpl_id: 'sys_general_opcua',
};

export const UPDATE_VERSION_EXAMPLE = { description: 'updated description', arch: ['x86_64'] };
export const STATE_EXAMPLE = { state: 'PUBLISHED' };
