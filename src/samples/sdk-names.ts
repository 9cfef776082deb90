/**
 * The names of the official Huawei Cloud SDKs that the code samples use, as found in their public sources
 * (huaweicloud-sdk-nodejs-v3, -python-v3, -go-v3, -java-v3) and in the npm packages
 * @huaweicloud/huaweicloud-sdk-core 3.1.211 and @huaweicloud/huaweicloud-sdk-iam 3.1.172. Tests hold every
 * name a sample uses to this file.
 *
 * Rules the four SDKs share (seen in every file below): the request class is `<OperationId>Request`; the call is
 * `<operationId>` (Node.js, Java), `<operation_id>` (Python) or `<OperationId>` (Go); a field `sdk_version` is set
 * with `withSdkVersion` (Node.js, Java), the keyword `sdk_version=` (Python) or the struct field `SdkVersion` (Go);
 * a header `Client-Request-Id` is the field `ClientRequestId`. Go spells `DTO` as `Dto` in type names.
 */

export type Language = 'node' | 'python' | 'go' | 'java';

export interface Service {
  /** The package or module of the client and its models, per language. */
  module: Record<Language, string>;
  client: string;
  /** BasicCredentials carry a project id, GlobalCredentials a domain id. */
  credentials: 'BasicCredentials' | 'GlobalCredentials';
}

/**
 * Node.js: services/<name>/v<n>/<Client>.ts and package.json; Python: huaweicloud-sdk-<name>/huaweicloudsdk<name>/v<n>;
 * Go: services/<name>/v<n>/<name>_client.go (`New<Client>`, `<Client>Builder`); Java:
 * services/<name>/src/main/java/com/huaweicloud/sdk/<name>/v<n>/<Client>.java.
 */
export const SERVICES: Record<string, Service> = {
  IoTEdge: {
    module: {
      node: '@huaweicloud/huaweicloud-sdk-iotedge',
      python: 'huaweicloudsdkiotedge.v2',
      go: 'github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iotedge/v2',
      java: 'com.huaweicloud.sdk.iotedge.v2',
    },
    client: 'IoTEdgeClient',
    credentials: 'BasicCredentials',
  },
  RFS: {
    module: {
      node: '@huaweicloud/huaweicloud-sdk-rfs',
      python: 'huaweicloudsdkrfs.v1',
      go: 'github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rfs/v1',
      java: 'com.huaweicloud.sdk.rfs.v1',
    },
    client: 'RfsClient',
    credentials: 'BasicCredentials',
  },
  IAM: {
    module: {
      // The package's main module (3.1.172) fails to load its v5 part; its v3 entry point loads alone.
      node: '@huaweicloud/huaweicloud-sdk-iam/v3/public-api',
      python: 'huaweicloudsdkiam.v3',
      go: 'github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3',
      java: 'com.huaweicloud.sdk.iam.v3',
    },
    client: 'IamClient',
    credentials: 'GlobalCredentials',
  },
};

/**
 * The core of each SDK: credentials, client builder, the exception of an error answer and its fields.
 * Node.js: huaweicloud-sdk-core 3.1.211 (ClientBuilder.withCredential/withEndpoint/build, BasicCredentials.withAk/
 * withSk/withProjectId, GlobalCredentials.withDomainId, ServiceResponseException.httpStatusCode/errorCode/errorMsg/
 * requestId). Python: huaweicloudsdkcore (auth/credentials.py, client.py with_credentials/with_endpoints/build,
 * exceptions.ClientRequestException status_code/error_code/error_msg/request_id). Go: core/hc_http_client_builder.go
 * (WithEndpoints, WithCredential, Build), core/auth/basic and core/auth/global (NewCredentialsBuilder, WithAk, WithSk,
 * WithProjectId, WithDomainId, Build), core/sdkerr (ServiceResponseError StatusCode/ErrorCode/ErrorMessage/
 * RequestId). Java: core ClientBuilder.java (withCredential, withEndpoint, build), core/auth (ICredential,
 * BasicCredentials, GlobalCredentials), core/exception (ServiceResponseException getHttpStatusCode/getErrorCode/
 * getErrorMsg/getRequestId, ConnectionException, RequestTimeoutException).
 */
export const CORE = {
  node: {
    module: '@huaweicloud/huaweicloud-sdk-core',
    names: [
      'BasicCredentials',
      'GlobalCredentials',
      'withAk',
      'withSk',
      'withProjectId',
      'withDomainId',
      'newBuilder',
      'withCredential',
      'withEndpoint',
      'build',
      'httpStatusCode',
      'errorCode',
      'errorMsg',
      'requestId',
    ],
  },
  python: {
    module: 'huaweicloudsdkcore',
    names: [
      'huaweicloudsdkcore.auth.credentials',
      'huaweicloudsdkcore.exceptions',
      'exceptions',
      'ClientRequestException',
      'BasicCredentials',
      'GlobalCredentials',
      'new_builder',
      'with_credentials',
      'with_endpoints',
      'build',
      'status_code',
      'error_code',
      'error_msg',
      'request_id',
    ],
  },
  go: {
    module: 'github.com/huaweicloud/huaweicloud-sdk-go-v3',
    names: [
      'github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic',
      'github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global',
      'github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr',
      'basic',
      'global',
      'sdkerr',
      'NewCredentialsBuilder',
      'WithAk',
      'WithSk',
      'WithProjectId',
      'WithDomainId',
      'WithEndpoints',
      'WithCredential',
      'Build',
      'ServiceResponseError',
      'StatusCode',
      'ErrorCode',
      'ErrorMessage',
      'RequestId',
    ],
  },
  java: {
    module: 'com.huaweicloud.sdk.core',
    names: [
      'com.huaweicloud.sdk.core.auth.ICredential',
      'com.huaweicloud.sdk.core.auth.BasicCredentials',
      'com.huaweicloud.sdk.core.auth.GlobalCredentials',
      'com.huaweicloud.sdk.core.exception.ConnectionException',
      'com.huaweicloud.sdk.core.exception.RequestTimeoutException',
      'com.huaweicloud.sdk.core.exception.ServiceResponseException',
      'ICredential',
      'BasicCredentials',
      'GlobalCredentials',
      'ConnectionException',
      'RequestTimeoutException',
      'ServiceResponseException',
      'withAk',
      'withSk',
      'withProjectId',
      'withDomainId',
      'newBuilder',
      'withCredential',
      'withEndpoint',
      'build',
      'getHttpStatusCode',
      'getErrorCode',
      'getErrorMsg',
      'getRequestId',
    ],
  },
} as const;

/**
 * A model class and its fields (JSON names). A field holding a model names its class, `Class[]` for a list of them;
 * any other field (a string, a number, a list of strings, a map) is null. Node.js sources
 * services/<name>/v<n>/model/<Class>.ts, where the setters `with<Field>` were read (a class lists the fields these
 * samples may set, not always all it has); Python, Java and Go have the same classes and fields.
 */
export type Model = Record<string, string | null>;

export const MODELS: Record<string, Model> = {
  // services/iotedge/v2/model/*.ts
  BatchListEdgeAppsRequest: { edge_app_id: null, offset: null, limit: null, app_type: null, function_type: null },
  CreateEdgeAppRequest: { body: 'CreateEdgeApplicationRequestDTO' },
  CreateEdgeApplicationRequestDTO: {
    edge_app_id: null,
    edge_app_name: null,
    description: null,
    function_type: null,
    protocol: null,
  },
  ShowEdgeAppRequest: { edge_app_id: null },
  DeleteEdgeAppRequest: { edge_app_id: null },
  BatchListEdgeAppVersionsRequest: {
    edge_app_id: null,
    version: null,
    offset: null,
    limit: null,
    ai_card_type: null,
    arch: null,
    state: null,
  },
  CreateEdgeApplicationVersionRequest: { edge_app_id: null, body: 'CreateEdgeApplicationVersionDTO' },
  CreateEdgeApplicationVersionDTO: {
    version: null,
    description: null,
    sdk_version: null,
    deploy_type: null,
    deploy_multi_instance: null,
    container_settings: 'ContainerSettingsDTO',
    liveness_probe: 'ProbeDTO',
    readiness_probe: 'ProbeDTO',
    arch: null,
    command: null,
    args: null,
    outputs: null,
    inputs: null,
    services: null,
    supplier: null,
    tpl_id: null,
  },
  ContainerSettingsDTO: {
    configs: 'ContainerConfigsDTO',
    image_url: null,
    envs: null,
    volumes: 'VolumeDTO[]',
    npu_type: null,
    vnpu_template: null,
    resources: 'ResourceDTO',
    ext_devices: 'ExtDevice[]',
  },
  ContainerConfigsDTO: {
    privileged: null,
    host_network: null,
    restart_policy: null,
    container_port_list: 'ContainerPortDTO[]',
  },
  ContainerPortDTO: { container_port: null, host_port: null, host_ip: null },
  VolumeDTO: { name: null, type: null, source: null, destination: null, read_only: null },
  ResourceDTO: { limits: 'ResourceConfigDTO', requests: 'ResourceConfigDTO' },
  ResourceConfigDTO: { cpu: null, memory: null, gpu: null, npu: null },
  ExtDevice: { source: null, destination: null, cgroup_permissions: null },
  ProbeDTO: {
    exec_command: null,
    tcp_socket: 'TcpSocketDTO',
    http_get: 'HttpGetDTO',
    initial_delay_seconds: null,
    timeout_seconds: null,
    period_seconds: null,
    failure_threshold: null,
  },
  HttpGetDTO: { path: null, port: null, host: null, scheme: null },
  TcpSocketDTO: { port: null },
  ShowEdgeApplicationVersionRequest: { edge_app_id: null, version: null },
  UpdateEdgeApplicationVersionRequest: {
    edge_app_id: null,
    version: null,
    body: 'UpdateEdgeAppVersionDTO',
  },
  UpdateEdgeAppVersionDTO: {
    description: null,
    deploy_type: null,
    deploy_multi_instance: null,
    container_settings: 'ContainerSettingsDTO',
    liveness_probe: 'ProbeDTO',
    readiness_probe: 'ProbeDTO',
    sdk_version: null,
    arch: null,
    command: null,
    args: null,
    outputs: null,
    inputs: null,
    services: null,
    tpl_id: null,
  },
  DeleteEdgeApplicationVersionRequest: { edge_app_id: null, version: null },
  UpdateEdgeApplicationVersionStateRequest: {
    edge_app_id: null,
    version: null,
    body: 'UpdateEdgeAppVersionStateDTO',
  },
  UpdateEdgeAppVersionStateDTO: { state: null },

  // services/rfs/v1/model/*.ts
  CreatePrivateProviderRequest: { 'Client-Request-Id': null, body: 'CreatePrivateProviderRequestBody' },
  CreatePrivateProviderRequestBody: {
    provider_name: null,
    provider_description: null,
    provider_version: null,
    version_description: null,
    function_graph_urn: null,
  },
  ListPrivateProvidersRequest: { 'Client-Request-Id': null },
  ShowPrivateProviderMetadataRequest: { 'Client-Request-Id': null, provider_name: null, provider_id: null },
  UpdatePrivateProviderMetadataRequest: {
    'Client-Request-Id': null,
    provider_name: null,
    body: 'UpdatePrivateProviderMetadataRequestBody',
  },
  UpdatePrivateProviderMetadataRequestBody: { provider_description: null },
  DeletePrivateProviderRequest: { 'Client-Request-Id': null, provider_name: null, provider_id: null },
  CreatePrivateProviderVersionRequest: {
    'Client-Request-Id': null,
    provider_name: null,
    body: 'CreatePrivateProviderVersionRequestBody',
  },
  CreatePrivateProviderVersionRequestBody: {
    provider_id: null,
    provider_version: null,
    version_description: null,
    function_graph_urn: null,
  },
  ListPrivateProviderVersionsRequest: { 'Client-Request-Id': null, provider_name: null },
  ShowPrivateProviderVersionMetadataRequest: {
    'Client-Request-Id': null,
    provider_name: null,
    provider_version: null,
    provider_id: null,
  },
  DeletePrivateProviderVersionRequest: {
    'Client-Request-Id': null,
    provider_name: null,
    provider_version: null,
    provider_id: null,
  },

  // @huaweicloud/huaweicloud-sdk-iam 3.1.172 v3/model/*.d.ts
  KeystoneCreateUserTokenByPasswordRequest: { nocatalog: null, body: 'KeystoneCreateUserTokenByPasswordRequestBody' },
  KeystoneCreateUserTokenByPasswordRequestBody: { auth: 'PwdAuth' },
  PwdAuth: { identity: 'PwdIdentity', scope: 'AuthScope' },
  PwdIdentity: { methods: null, password: 'PwdPassword' },
  PwdPassword: { user: 'PwdPasswordUser' },
  PwdPasswordUser: { domain: 'PwdPasswordUserDomain', name: null, password: null },
  PwdPasswordUserDomain: { name: null },
  AuthScope: { domain: 'AuthScopeDomain', project: 'AuthScopeProject' },
  AuthScopeDomain: { id: null, name: null },
  AuthScopeProject: { id: null, name: null },
  KeystoneValidateTokenRequest: { 'X-Subject-Token': null, nocatalog: null },
  KeystoneListProjectsRequest: {
    domain_id: null,
    name: null,
    parent_id: null,
    enabled: null,
    is_domain: null,
    page: null,
    per_page: null,
  },
  KeystoneCreateProjectRequest: { body: 'KeystoneCreateProjectRequestBody' },
  KeystoneCreateProjectRequestBody: { project: 'KeystoneCreateProjectOption' },
  KeystoneCreateProjectOption: { name: null, parent_id: null, domain_id: null, description: null },
  KeystoneListAuthProjectsRequest: {},
  KeystoneListAuthDomainsRequest: {},
  KeystoneListRegionsRequest: {},
};

/**
 * Operations of this server that the SDKs call by another name. ShowPrivateProvider (GET
 * /v1/private-providers/{provider_name}) is this server's alias of ShowPrivateProviderMetadata, which is the only
 * call the SDKs have for it.
 */
export const CALLED_AS: Record<string, string> = { ShowPrivateProvider: 'ShowPrivateProviderMetadata' };
