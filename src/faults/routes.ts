import type { App } from '../platform/http.js';
import { tenantForbidden } from '../platform/errors.js';
import { activityOf } from '../activity/entry.js';
import { Deleted, FaultBody, FaultList, FaultParams, FaultRule, NoQuery } from './schemas.js';
import type { FaultService } from './service.js';

export interface FaultRouteOptions {
  faults: FaultService;
  /** True when the project exists in the domain. */
  projectInDomain: (projectId: string, domainId: string) => Promise<boolean>;
}

const tags = ['Admin'];

/** /_versionary/faults: an administrator's fault rules, within its own domain. */
export function faultRoutes(app: App, { faults, projectInDomain }: FaultRouteOptions): void {
  app.addHook('preValidation', async (req) => {
    if (!req.caller?.isAdmin) throw tenantForbidden('Only an administrator may use the admin API.');
  });

  app.post(
    '/_versionary/faults',
    {
      schema: {
        operationId: 'CreateFault',
        tags,
        summary: 'Add a fault rule',
        description:
          "Makes requests of the administrator's domain fail or wait on purpose: an operation (or *), optionally in one project, answered with a status in the family's envelope, with a probability, at most a number of times, after a delay.",
        querystring: NoQuery,
        body: FaultBody,
        response: { 201: FaultRule },
      },
    },
    async (req, reply) => {
      const domainId = req.caller!.domainId;
      const rule = await faults.add(domainId, req.body, (p) => projectInDomain(p, domainId), activityOf(req, 201));
      return reply.code(201).send(rule);
    },
  );

  app.get(
    '/_versionary/faults',
    {
      schema: {
        operationId: 'ListFaults',
        tags,
        summary: 'List fault rules',
        description: "The fault rules of the administrator's domain, oldest first, with their hit counts.",
        querystring: NoQuery,
        response: { 200: FaultList },
      },
    },
    async (req) => ({ faults: await faults.list(req.caller!.domainId) }),
  );

  app.delete(
    '/_versionary/faults/:fault_id',
    {
      schema: {
        operationId: 'DeleteFault',
        tags,
        summary: 'Delete a fault rule',
        querystring: NoQuery,
        params: FaultParams,
      },
    },
    async (req, reply) => {
      await faults.delete(req.caller!.domainId, req.params.fault_id, activityOf(req, 204));
      return reply.code(204).send();
    },
  );

  app.delete(
    '/_versionary/faults',
    {
      schema: {
        operationId: 'DeleteFaults',
        tags,
        summary: 'Delete every fault rule',
        querystring: NoQuery,
        response: { 200: Deleted },
      },
    },
    async (req) => ({ deleted: await faults.clear(req.caller!.domainId, activityOf(req, 200)) }),
  );
}
