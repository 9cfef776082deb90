import type { FastifyRequest } from 'fastify';
import { isoNow } from '../platform/clock.js';
import type { NewActivity } from '../store/types.js';

/** What the trail records of one mutating call: who, when, which operation on what, and how it ended. */
export type ActivityEntry = NewActivity;

/** The methods of the calls that change something; the trail records these. */
export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The entry of an authenticated request answered with `status` (and `errorCode` when it failed): the
 * caller, the request id, the route's operationId, the method and the path. Calls on a project (a
 * `project_id` in the path) record the caller's project; the others (RFS, IAM, admin) record none.
 */
export function activityOf(req: FastifyRequest, status: number, errorCode: string | null = null): ActivityEntry {
  const caller = req.caller!;
  const onProject = (req.params as { project_id?: string } | undefined)?.project_id !== undefined;
  const url = req.url;
  const query = url.indexOf('?');
  return {
    at: isoNow(req.server.clock),
    request_id: req.id,
    domain_id: caller.domainId,
    project_id: onProject ? caller.projectId : null,
    user_id: caller.userId,
    user_name: caller.userName,
    access_key: caller.accessKey ?? null,
    operation: req.routeOptions.schema?.operationId ?? req.routeOptions.url ?? '',
    method: req.method,
    resource: query === -1 ? url : url.slice(0, query),
    status,
    error_code: errorCode,
  };
}
