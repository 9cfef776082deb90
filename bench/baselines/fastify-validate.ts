import Fastify from 'fastify';
import { CreateVersionBody as IotEdgeVersion } from '../../src/iotedge/schemas.js';
import { CreateVersionBody as RfsVersion } from '../../src/rfs/schemas.js';
import { validatorCompiler } from '../../src/platform/validation.js';

/** A Fastify route that validates a create-version body with the same schema and compiler, and stores nothing. */
const [port] = process.argv.slice(2);
const app = Fastify({ logger: false });
app.setValidatorCompiler(validatorCompiler);
app.get('/', async () => 'ready');
app.post('/iotedge', { schema: { body: IotEdgeVersion } }, async (_req, reply) => reply.code(201).send({ ok: true }));
app.post('/rfs', { schema: { body: RfsVersion } }, async (_req, reply) => reply.code(201).send());
app.listen({ port: Number(port), host: '127.0.0.1' }).then(() => process.stdout.write('ready\n'));
