import { Type, type Static } from 'typebox';

const Name = Type.String({ minLength: 1, maxLength: 255 });
const IdOrName = Type.Object({ id: Type.Optional(Name), name: Type.Optional(Name) });

export const PasswordAuthBody = Type.Object(
  {
    auth: Type.Object({
      identity: Type.Object({
        methods: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 8 }),
        password: Type.Optional(
          Type.Object({
            user: Type.Object({
              id: Type.Optional(Name),
              name: Type.Optional(Name),
              password: Type.String({ minLength: 1, maxLength: 1024 }),
              domain: Type.Optional(IdOrName),
            }),
          }),
        ),
        // Keystone's token method: a live token of the same user, for a token of another scope.
        token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })),
      }),
      scope: Type.Optional(
        Type.Object({
          project: Type.Optional(
            Type.Object({ id: Type.Optional(Name), name: Type.Optional(Name), domain: Type.Optional(IdOrName) }),
          ),
          domain: Type.Optional(IdOrName),
        }),
      ),
    }),
  },
  {
    examples: [
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { domain: { name: 'default' }, name: 'admin', password: 'your-password' } },
          },
          scope: { project: { name: 'cn-north-7' } },
        },
      },
    ],
  },
);
export type PasswordAuthBody = Static<typeof PasswordAuthBody>;

export const TokenQuery = Type.Object({ nocatalog: Type.Optional(Type.String({ maxLength: 64 })) });

const Ref = Type.Object({ id: Type.String(), name: Type.String() });
const Endpoint = Type.Object({
  id: Type.String(),
  interface: Type.String(),
  region: Type.String(),
  region_id: Type.String(),
  url: Type.String(),
});

export const TokenBody = Type.Object({
  token: Type.Object({
    methods: Type.Array(Type.String()),
    issued_at: Type.String(),
    expires_at: Type.String(),
    user: Type.Object({ id: Type.String(), name: Type.String(), password_expires_at: Type.String(), domain: Ref }),
    project: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), domain: Ref })),
    domain: Type.Optional(Ref),
    roles: Type.Array(Ref),
    catalog: Type.Optional(
      Type.Array(
        Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), endpoints: Type.Array(Endpoint) }),
      ),
    ),
  }),
});
export type TokenBody = Static<typeof TokenBody>;

const Links = Type.Object({
  self: Type.String(),
  next: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  previous: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const CreateProjectBody = Type.Object(
  {
    project: Type.Object({
      name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
      domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      parent_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      description: Type.Optional(Type.String({ maxLength: 255 })),
    }),
  },
  { examples: [{ project: { name: 'cn-north-7_staging', description: 'staging apps of cn-north-7' } }] },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const ProjectsQuery = Type.Object({ name: Type.Optional(Type.String({ maxLength: 255 })) });
const Project = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  parent_id: Type.String(),
  enabled: Type.Boolean(),
  is_domain: Type.Boolean(),
  description: Type.String(),
  links: Type.Object({ self: Type.String() }),
});
export const ProjectList = Type.Object({ projects: Type.Array(Project), links: Links });
/** KeystoneListAuthProjects: the projects, and a `links` with `self` only. */
export const AuthProjectList = Type.Object({
  projects: Type.Array(Project),
  links: Type.Object({ self: Type.String() }),
});
export const ProjectCreated = Type.Object({ project: Project });

export const DomainList = Type.Object({
  domains: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      enabled: Type.Boolean(),
      description: Type.String(),
      links: Type.Object({ self: Type.String() }),
    }),
  ),
  links: Links,
});

export const RegionList = Type.Object({
  regions: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      description: Type.String(),
      parent_region_id: Type.Null(),
      locales: Type.Object({ 'en-us': Type.String(), 'zh-cn': Type.String() }),
      links: Type.Object({ self: Type.String() }),
    }),
  ),
  links: Links,
});
