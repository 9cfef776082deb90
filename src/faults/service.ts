import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import { isoNow, systemClock, type Clock } from '../platform/clock.js';
import { draw, randomIds, type IdSource } from '../platform/ids.js';
import { validationError, validatorCompiler } from '../platform/validation.js';
import type { ErrorObject } from 'ajv';
import type { Store } from '../store/db.js';
import type { FaultRuleTable, NewActivity } from '../store/types.js';
import { FaultRepo, type NewRule } from './repo.js';
import { FaultBody, MAX_RULES, type FaultRule } from './schemas.js';

export interface FaultOptions {
  /** How long a domain's rules are remembered per process (--auth-cache); 0 reads them on every request. */
  cacheMs: number;
  ids?: IdSource;
  clock?: Clock;
}

const validate = validatorCompiler({ schema: FaultBody, httpPart: 'body' } as never) as unknown as ((
  data: unknown,
) => boolean) & { errors?: ErrorObject[] };

/** The body checked as the route checks it: every failing field named. */
function checkBody(body: unknown): FaultBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppError('wrong_type', 'the rule must be a JSON object');
  if (!validate(body)) throw validationError(validate.errors ?? [], 'body');
  return body as FaultBody;
}

const view = ({ domain_id: _, seq: _seq, ...rule }: NewRule & { seq?: number }): FaultRule => ({
  ...rule,
  probability: Number(rule.probability),
});

/**
 * Fault rules of each domain: kept in the store, so that every replica applies them, and
 * remembered per process for `cacheMs`. A hit is counted in the store (FaultRepo.take) before it
 * is answered, so hit counts and `times` are exact across replicas.
 */
export class FaultService {
  private readonly repo: FaultRepo;
  private readonly cache?: LRUCache<string, FaultRuleTable[]>;
  private readonly loading = new Map<string, Promise<FaultRuleTable[]>>();
  /**
   * Bumped for a domain whenever its rules change here (and for all at a clear everywhere): a read
   * begun before the change is not remembered after it, nor shared with requests that come after.
   */
  private readonly generations = new Map<string, number>();
  private generation = 0;
  private readonly ids: IdSource;
  private readonly clock: Clock;
  /** The operationIds a rule may name (the authenticated IoTEdge, RFS and IAM operations). */
  readonly operations = new Set<string>();

  constructor(store: Pick<Store, 'db' | 'transact' | 'dialect' | 'reader'>, opts: FaultOptions) {
    this.repo = new FaultRepo(store.db, store.transact, store.dialect, store.reader);
    this.ids = opts.ids ?? randomIds;
    this.clock = opts.clock ?? systemClock;
    if (opts.cacheMs > 0) this.cache = new LRUCache({ max: 10_000, ttl: opts.cacheMs });
  }

  /** Adds a rule; `activity` is the trail's row of the call, stored with it. */
  async add(
    domainId: string,
    body: unknown,
    projectInDomain: (id: string) => Promise<boolean>,
    activity?: NewActivity,
  ): Promise<FaultRule> {
    const input = checkBody(body);
    if (input.operation !== '*' && !this.operations.has(input.operation))
      throw new AppError(
        'invalid',
        `operation ${input.operation} is not an IoTEdge, RFS or IAM operationId of /openapi.json, nor *`,
      );
    if (input.status === undefined && (input.error_code !== undefined || input.error_msg !== undefined))
      throw new AppError('invalid', 'error_code and error_msg need a status');
    if (input.status === undefined && !input.delay_ms)
      throw new AppError('invalid', 'a rule needs a status, a delay_ms, or both');
    if (input.project_id !== undefined && !(await projectInDomain(input.project_id)))
      throw new AppError('not_found', `project_id ${input.project_id} does not exist in your domain`);
    const row: NewRule = {
      id: this.ids.bytes(16, 'fault').toString('hex'),
      domain_id: domainId,
      operation: input.operation,
      project_id: input.project_id ?? null,
      status: input.status ?? null,
      error_code: input.error_code ?? null,
      error_msg: input.error_msg ?? null,
      probability: input.probability ?? 1,
      times: input.times ?? null,
      remaining: input.times ?? null,
      hits: 0,
      delay_ms: input.delay_ms ?? 0,
      created_at: isoNow(this.clock),
    };
    if (!(await this.repo.insert(row, MAX_RULES, activity)))
      throw new AppError('invalid', `a domain holds at most ${MAX_RULES} fault rules; delete some first`);
    this.forget(domainId);
    return view(row);
  }

  async list(domainId: string): Promise<FaultRule[]> {
    return (await this.repo.list(domainId)).map(view);
  }

  async delete(domainId: string, id: string, activity?: NewActivity): Promise<void> {
    const deleted = await this.repo.delete(domainId, id, activity);
    this.forget(domainId);
    if (deleted === 0) throw new AppError('not_found', `fault rule ${id} does not exist in your domain`);
  }

  async clear(domainId: string, activity?: NewActivity): Promise<number> {
    const deleted = await this.repo.delete(domainId, undefined, activity);
    this.forget(domainId);
    return deleted;
  }

  /** Deletes the rules of every domain (the test kit's reset). */
  async clearEverywhere(): Promise<void> {
    this.generation++;
    this.generations.clear();
    this.loading.clear();
    this.cache?.clear();
    try {
      await this.repo.delete(undefined);
    } finally {
      this.generation++;
      this.loading.clear();
      this.cache?.clear();
    }
  }

  /** The domain's rules, from this process's memory when it has them. */
  rulesOf(domainId: string): FaultRuleTable[] | Promise<FaultRuleTable[]> {
    const cached = this.cache?.get(domainId);
    if (cached) return cached;
    let pending = this.loading.get(domainId);
    if (!pending) {
      const stamp = this.stamp(domainId);
      const loaded = this.repo.list(domainId);
      pending = loaded;
      if (this.cache) {
        this.loading.set(domainId, loaded);
        void loaded
          .then((rules) => {
            if (this.stamp(domainId) === stamp) this.cache!.set(domainId, rules);
          })
          .catch(() => undefined)
          .finally(() => {
            if (this.loading.get(domainId) === loaded) this.loading.delete(domainId);
          });
      }
    }
    return pending;
  }

  /**
   * The rule that hits a request for `operation` in `projectId`: the first rule, oldest first,
   * that matches, wins its probability draw and still has a hit left in the store (counted then).
   */
  async hit(rules: FaultRuleTable[], operation: string, projectId: string | null): Promise<FaultRuleTable | null> {
    if (!this.operations.has(operation)) return null;
    for (const rule of rules) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.project_id !== null && rule.project_id !== projectId) continue;
      if (rule.remaining !== null && rule.remaining <= 0) continue;
      if (rule.probability < 1 && draw(this.ids, 'fault-draw') >= rule.probability) continue;
      if (await this.repo.take(rule.id)) return rule;
      rule.remaining = 0;
    }
    return null;
  }

  private stamp(domainId: string): string {
    return `${this.generation}.${this.generations.get(domainId) ?? 0}`;
  }

  private forget(domainId: string): void {
    this.generations.set(domainId, (this.generations.get(domainId) ?? 0) + 1);
    this.loading.delete(domainId);
    this.cache?.delete(domainId);
  }
}
