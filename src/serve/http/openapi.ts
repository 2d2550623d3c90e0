/** The OpenAPI 3.1 document, built from the JSON schemas of the registered routes. */

/** What is kept of a route for the document. */
export interface RouteDoc {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  minRole: string;
}

/** Build the OpenAPI document from the collected routes. */
export function buildOpenApi(routes: readonly RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (r.method === 'HEAD' || r.url === '/openapi.json') continue;
    const p = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const s = r.schema ?? {};
    const parameters: unknown[] = [];
    for (const [where, key] of [
      ['path', 'params'],
      ['query', 'querystring'],
    ] as const) {
      const sch = s[key] as { properties?: Record<string, unknown>; required?: string[] } | undefined;
      for (const [name, schema] of Object.entries(sch?.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (sch?.required ?? []).includes(name), schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries((s.response as Record<string, unknown> | undefined) ?? { 200: {} })) {
      responses[code] = { description: code.startsWith('2') ? 'OK' : 'Error', content: { 'application/json': { schema } } };
    }
    responses['4XX'] = { description: 'Error: {error: {code, message, details}}' };
    (paths[p] ??= {})[r.method.toLowerCase()] = {
      summary: s.summary,
      tags: s.tags,
      parameters,
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses,
      security: r.minRole === 'public' ? [] : [{ bearer: [] }],
      'x-min-role': r.minRole,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'shopfloor serve', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
