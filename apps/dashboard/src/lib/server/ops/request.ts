import type { z } from 'zod';

/** The 400 `invalid-request` answer of the operations API, naming each bad field. */
export function invalidRequest(error: z.ZodError): Response {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  return Response.json({ error: 'invalid-request', message: problems.join('; ') }, { status: 400 });
}

/**
 * The JSON body of an operations API request, validated by `schema`, or the 400 answer to send
 * (a body that is not JSON, or a field the schema refuses).
 */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
): Promise<{ data: z.output<Schema> } | { refusal: Response }> {
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    return {
      refusal: Response.json({ error: 'invalid-request', message: 'body: must be JSON' }, { status: 400 }),
    };
  }
  const body = schema.safeParse(json);
  return body.success ? { data: body.data } : { refusal: invalidRequest(body.error) };
}
