import { registerErrors, type App } from '../platform/http.js';
import { orJsonText } from '../platform/json-text.js';
import { IOTEDGE_ERRORS } from './errors.js';
import { lenientBody as lenient } from '../platform/normalize.js';
import type { IotEdgeService } from './service.js';
import { activityOf } from '../activity/entry.js';
import {
  AppPage,
  AppParams,
  BriefVersion,
  CreateAppBody,
  CreateVersionBody,
  EdgeApp,
  FullVersion,
  ListAppsQuery,
  ListVersionsQuery,
  ProjectParams,
  StateBody,
  UpdateVersionBody,
  VersionPage,
  VersionParams,
} from './schemas.js';

const tags = ['IoTEdge'];

/** The ten IoTEdge operations of docs/api/iotedge.md §2; authentication and tenancy come from the caller's group. */
export function iotedgeRoutes(app: App, service: IotEdgeService): void {
  registerErrors(app, '/v2/', IOTEDGE_ERRORS);
  const base = '/v2/:project_id/edge-apps';

  app.get(
    base,
    {
      schema: {
        operationId: 'BatchListEdgeApps',
        summary: 'List edge apps',
        tags,
        params: ProjectParams,
        querystring: ListAppsQuery,
        response: { 200: AppPage },
      },
    },
    async (req) => service.listApps(req.params.project_id, req.query),
  );

  app.post(
    base,
    {
      preValidation: lenient(CreateAppBody),
      schema: {
        operationId: 'CreateEdgeApp',
        summary: 'Create an edge app',
        tags,
        params: ProjectParams,
        body: CreateAppBody,
        response: { 201: EdgeApp },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.createApp(req.params.project_id, req.body, activityOf(req, 201))),
  );

  app.get(
    `${base}/:edge_app_id`,
    {
      schema: {
        operationId: 'ShowEdgeApp',
        summary: 'Show an edge app',
        tags,
        params: AppParams,
        response: { 200: EdgeApp },
      },
    },
    async (req) => service.getApp(req.params.project_id, req.params.edge_app_id),
  );

  app.delete(
    `${base}/:edge_app_id`,
    {
      schema: { operationId: 'DeleteEdgeApp', summary: 'Delete an edge app and its versions', tags, params: AppParams },
    },
    async (req, reply) => {
      await service.deleteApp(req.params.project_id, req.params.edge_app_id, activityOf(req, 204));
      return reply.code(204).send();
    },
  );

  const versions = `${base}/:edge_app_id/versions`;

  app.get(
    versions,
    {
      schema: {
        operationId: 'BatchListEdgeAppVersions',
        summary: 'List the versions of an edge app',
        tags,
        params: AppParams,
        querystring: ListVersionsQuery,
        response: { 200: orJsonText(VersionPage) },
      },
    },
    async (req) => service.listVersions(req.params.project_id, req.params.edge_app_id, req.query),
  );

  app.post(
    versions,
    {
      preValidation: lenient(CreateVersionBody),
      schema: {
        operationId: 'CreateEdgeApplicationVersion',
        summary: 'Create an edge app version',
        tags,
        params: AppParams,
        body: CreateVersionBody,
        response: { 201: orJsonText(FullVersion) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await service.createVersion(req.params.project_id, req.params.edge_app_id, req.body, activityOf(req, 201)),
        ),
  );

  app.get(
    `${versions}/:version`,
    {
      schema: {
        operationId: 'ShowEdgeApplicationVersion',
        summary: 'Show an edge app version',
        tags,
        params: VersionParams,
        response: { 200: orJsonText(FullVersion) },
      },
    },
    async (req) => service.getVersion(req.params.project_id, req.params.edge_app_id, req.params.version),
  );

  app.put(
    `${versions}/:version`,
    {
      preValidation: lenient(UpdateVersionBody),
      schema: {
        operationId: 'UpdateEdgeApplicationVersion',
        summary: 'Update an edge app version',
        tags,
        params: VersionParams,
        body: UpdateVersionBody,
        response: { 200: orJsonText(BriefVersion) },
      },
    },
    async (req) =>
      service.updateVersion(
        req.params.project_id,
        req.params.edge_app_id,
        req.params.version,
        req.body,
        activityOf(req, 200),
      ),
  );

  app.delete(
    `${versions}/:version`,
    {
      schema: {
        operationId: 'DeleteEdgeApplicationVersion',
        summary: 'Delete an edge app version',
        tags,
        params: VersionParams,
      },
    },
    async (req, reply) => {
      await service.deleteVersion(
        req.params.project_id,
        req.params.edge_app_id,
        req.params.version,
        activityOf(req, 204),
      );
      return reply.code(204).send();
    },
  );

  app.put(
    `${versions}/:version/state`,
    {
      preValidation: lenient(StateBody),
      schema: {
        operationId: 'UpdateEdgeApplicationVersionState',
        summary: 'Publish or take off the shelf an edge app version',
        tags,
        params: VersionParams,
        body: StateBody,
        response: { 200: orJsonText(BriefVersion) },
      },
    },
    async (req) =>
      service.changeState(
        req.params.project_id,
        req.params.edge_app_id,
        req.params.version,
        req.body,
        activityOf(req, 200),
      ),
  );
}
