import type { Config } from './config.js';
import type { BootstrapResult } from './iam/service.js';

/** Printed once, at the start that created the first identity: generated secrets are never shown again. */
export function printBootstrap(
  out: NodeJS.WritableStream,
  b: BootstrapResult,
  url: string,
  config: Config,
  masterKeyFile?: string,
): void {
  const base = url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  const password = b.generatedPassword ?? '$VERSIONARY_ADMIN_PASSWORD';
  const body = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { domain: { name: b.domain.name }, name: b.user, password } },
      },
      scope: { project: { name: b.project.name } },
    },
  });
  const lines = [
    '',
    'Versionary created its first identity. Generated secrets are shown only now: keep them.',
    `  domain       ${b.domain.name}  (id ${b.domain.id})`,
    `  project      ${b.project.name}  (id ${b.project.id})`,
    `  user         ${b.user}  password ${b.generatedPassword ?? '(from VERSIONARY_ADMIN_PASSWORD)'}`,
    `  access key   ${b.accessKey}  secret key ${b.generatedSecretKey ?? '(from VERSIONARY_SECRET_KEY)'}`,
    ...(masterKeyFile ? [`  master key   generated in ${masterKeyFile} (back it up with the database)`] : []),
    `  store        ${config.database.startsWith('sqlite:') ? config.database : 'postgres'}`,
    '',
    'Get a token:',
    `  curl -si -X POST ${base}/v3/auth/tokens -H 'Content-Type: application/json' -d '${body.replace('$VERSIONARY_ADMIN_PASSWORD', `'"$VERSIONARY_ADMIN_PASSWORD"'`)}'`,
    '',
  ];
  out.write(lines.join('\n') + '\n');
}
