import { z } from 'zod';
import { PROBLEM_STATUS, type ProblemCode } from './problem';
import * as schemas from './schemas';

/** One operation of the API, as the OpenAPI document and its test see it. */
export interface ApiOperation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI path (`/api/v1/emails/{id}`). */
  path: string;
  summary: string;
  scope: 'read' | 'send';
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and its schema (none: no content). */
  status: number;
  response?: z.ZodType;
  /** Problems this operation answers besides those of every operation. */
  problems: ProblemCode[];
  /** Takes an `Idempotency-Key` header. */
  idempotent?: boolean;
}

/** Every operation of `/api/v1/` (a test checks each route file is here and answers its schema). */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/emails',
    summary: 'Emails, newest first, with the email log’s filters; each with its recipients’ outcomes and last event.',
    scope: 'read',
    query: schemas.listEmailsQuery,
    status: 200,
    response: schemas.emailPage,
    problems: ['invalid-request'],
  },
  {
    method: 'post',
    path: '/api/v1/emails',
    summary: 'Sends an email (the organisation’s suppression list and pause apply).',
    scope: 'send',
    body: schemas.sendEmailBody,
    status: 202,
    response: schemas.emailAccepted,
    problems: [
      'invalid-request',
      'unsupported-media-type',
      'recipient-suppressed',
      'sending-paused',
      'ses-error',
      'sending-unavailable',
      'idempotency-key-reused',
      'idempotency-key-in-use',
    ],
    idempotent: true,
  },
  {
    method: 'get',
    path: '/api/v1/emails/{id}',
    summary: 'One email: recipients, timeline with verdicts, links clicked.',
    scope: 'read',
    status: 200,
    response: schemas.emailDetail,
    problems: ['not-found'],
  },
  {
    method: 'get',
    path: '/api/v1/events',
    summary: 'Events in the order recorded, after a position: store `position`, ask `after` it next.',
    scope: 'read',
    query: schemas.listEventsQuery,
    status: 200,
    response: schemas.eventPage,
    problems: ['invalid-request'],
  },
  {
    method: 'get',
    path: '/api/v1/statistics',
    summary: 'Daily totals of a range of UTC days, kept after retention deletes the emails.',
    scope: 'read',
    query: schemas.statisticsQuery,
    status: 200,
    response: schemas.statisticsPage,
    problems: ['invalid-request'],
  },
  {
    method: 'get',
    path: '/api/v1/suppressions',
    summary: 'The suppression list, in address order.',
    scope: 'read',
    query: schemas.listSuppressionsQuery,
    status: 200,
    response: schemas.suppressionPage,
    problems: ['invalid-request'],
  },
  {
    method: 'post',
    path: '/api/v1/suppressions',
    summary: 'Suppresses an address (reason `manual`); 200 when it already was.',
    scope: 'send',
    body: schemas.addSuppressionBody,
    status: 201,
    response: schemas.suppressionAdded,
    problems: ['invalid-request', 'unsupported-media-type'],
  },
  {
    method: 'delete',
    path: '/api/v1/suppressions/{address}',
    summary: 'Removes an address from the suppression list.',
    scope: 'send',
    status: 204,
    problems: ['invalid-request', 'not-found'],
  },
];

/** Problems every authenticated operation may answer. */
const COMMON_PROBLEMS: readonly ProblemCode[] = [
  'unauthorized',
  'insufficient-scope',
  'rate-limited',
  'organization-moving',
];

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

/**
 * The OpenAPI 3.1 document of `/api/v1/`, from {@link API_OPERATIONS}: parameters and bodies from
 * the request schemas (as input), answers from the response schemas (as output).
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openApiDocument(origin: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of API_OPERATIONS) {
    const pathParameters = [...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParameters = Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => {
      const described = jsonSchema(schema as z.ZodType, 'input');
      return {
        name,
        in: 'query',
        required: false,
        ...(typeof described.description === 'string' ? { description: described.description } : {}),
        schema: described,
      };
    });
    const headerParameters = operation.idempotent
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Same key and body within 24 hours: the first answer again. Same key, other body: 422.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ]
      : [];
    const bodyProblems: ProblemCode[] = operation.body ? ['content-too-large'] : [];
    const problems = [...new Set([...COMMON_PROBLEMS, ...operation.problems, ...bodyProblems])];
    const responses: Record<string, unknown> = {
      [operation.status]: operation.response
        ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(operation.response, 'output') } } }
        : { description: 'No content' },
    };
    for (const code of problems) {
      const status = String(PROBLEM_STATUS[code]);
      const existing = responses[status] as { description: string } | undefined;
      responses[status] = {
        description: existing ? `${existing.description}, ${code}` : code,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    (paths[operation.path] ??= {})[operation.method] = {
      summary: operation.summary,
      'x-scope': operation.scope,
      parameters: [...pathParameters, ...queryParameters, ...headerParameters],
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(operation.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kuratchi API',
      version: '1',
      description: 'An organisation’s emails, events and suppression list. Guide: docs/guides/api.md.',
    },
    servers: [{ url: origin }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of the organisation.' } },
      schemas: { Problem: jsonSchema(schemas.problemSchema, 'output') },
    },
    paths,
  };
}
