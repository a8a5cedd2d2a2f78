import {
  createOrganization,
  InvalidOptionsError,
  listOrganizations,
  OrganizationExistsError,
  OrgDatabaseError,
} from 'kuratchi-sdk/internal/d1';
import { z } from 'zod';
import { readJsonBody } from './request';

const createBody = z
  .object({
    id: z.string().max(200),
    name: z.string().max(400),
    kind: z.enum(['d1', 'durable-object']).optional(),
    binding: z.string().max(200).optional(),
  })
  .strict();

/**
 * `POST /api/ops/organizations`: onboards an organisation at run time (`createOrganization`):
 * 201 with its row; 400 for a bad field or a binding the Worker lacks; 409 when the id is taken.
 * A `durable-object` organisation (the default) needs no deploy.
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
 */
export async function createOrganizationFromRequest(env: DashboardEnv, request: Request, now: Date): Promise<Response> {
  const body = await readJsonBody(request, createBody);
  if ('refusal' in body) return body.refusal;
  try {
    const organization = await createOrganization(env.ADMIN_DB, env, { ...body.data, createdAt: now.getTime() });
    return Response.json({ organization }, { status: 201 });
  } catch (error) {
    if (error instanceof InvalidOptionsError) {
      return Response.json({ error: 'invalid-request', message: error.message }, { status: 400 });
    }
    if (error instanceof OrgDatabaseError && error.code === 'binding-missing') {
      return Response.json({ error: 'binding-missing', message: error.message }, { status: 400 });
    }
    if (error instanceof OrganizationExistsError) {
      return Response.json({ error: error.code, message: error.message }, { status: 409 });
    }
    throw error;
  }
}

/** `GET /api/ops/organizations`: every organisation and where its database lives. */
export async function listOrganizationsAnswer(env: DashboardEnv): Promise<Response> {
  return Response.json({ organizations: await listOrganizations(env.ADMIN_DB) });
}
