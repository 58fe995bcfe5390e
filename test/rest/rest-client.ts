/**
 * A REST client driven by the server's own OpenAPI document: `call(operationId, ...)` takes the method and
 * path template from /openapi.json, and every answer is checked against what the document declares for that
 * operation and status (media type, schema, required headers). A route, a field or a status that drifts from
 * the document fails the test that met it.
 */
import { dereference } from '@readme/openapi-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenAPIV3_1 } from 'openapi-types';
import { ADMIN_TOKEN, type TestGateway } from '../support/gateway';

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  text: string;
}

export interface CallOptions {
  /** Bearer token; null sends none. Default: the administrator. */
  token?: string | null;
  /** The dj-client header; null sends none. Default: OPERATOR. */
  client?: string | null;
  params?: Record<string, string>;
  query?: string | URLSearchParams;
  /** A value sent as JSON. */
  body?: unknown;
  /** Bytes sent as they are, with `contentType` (if any). */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

type Operation = OpenAPIV3_1.OperationObject & { method: string; path: string };

export class RestClient {
  private readonly ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  private readonly validators = new WeakMap<object, ValidateFunction>();

  private constructor(
    private readonly t: TestGateway,
    /** The document as served, untouched. */
    readonly document: OpenAPIV3_1.Document,
    /** The same with every $ref resolved. */
    private readonly resolved: OpenAPIV3_1.Document,
  ) {}

  static async connect(t: TestGateway): Promise<RestClient> {
    const response = await fetch(`${t.url}/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    const document = (await response.json()) as OpenAPIV3_1.Document;
    const resolved = await dereference(structuredClone(document));
    return new RestClient(t, document, resolved as OpenAPIV3_1.Document);
  }

  operation(operationId: string): Operation {
    for (const [path, item] of Object.entries(this.resolved.paths ?? {})) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
        const operation = item?.[method];
        if (operation?.operationId === operationId) return { ...operation, method: method.toUpperCase(), path };
      }
    }
    throw new Error(`The OpenAPI document has no operation ${operationId}`);
  }

  /** Schema errors of a request body against the operation's declared JSON body (empty = conforms). */
  requestBodyErrors(operationId: string, body: unknown): string[] {
    const schema = (this.operation(operationId).requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${operationId} declares no JSON request body`);
    const validate = this.validator(schema);
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  }

  async call<T = any>(operationId: string, options: CallOptions = {}): Promise<RestResponse<T>> {
    const operation = this.operation(operationId);
    const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${operationId} needs path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const query = options.query === undefined ? '' : `?${options.query.toString()}`;
    const response = await this.raw(operation.method, `${path}${query}`, options);
    this.assertConforms(operationId, operation, response);
    return response;
  }

  /** Any request, unchecked (routes outside the document, or methods it does not declare). */
  async raw(method: string, pathAndQuery: string, options: CallOptions = {}): Promise<RestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const client = options.client === undefined ? 'OPERATOR' : options.client;
    if (client !== null) headers['dj-client'] = client;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      if (options.contentType) headers['content-type'] = options.contentType;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${this.t.url}${pathAndQuery}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${pathAndQuery} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  private assertConforms(operationId: string, operation: Operation, response: RestResponse): void {
    const where = `${operationId} (${operation.method} ${operation.path}) answered ${response.status}`;
    const declared = (operation.responses?.[String(response.status)] ?? operation.responses?.[`${String(response.status)[0]}XX`]) as OpenAPIV3_1.ResponseObject | undefined;
    if (!declared) throw new Error(`${where}, a status the OpenAPI document does not declare; body: ${response.text.slice(0, 500)}`);
    for (const [name, header] of Object.entries(declared.headers ?? {}) as [string, OpenAPIV3_1.HeaderObject][]) {
      const value = response.headers.get(name);
      if (header.required && value === null) throw new Error(`${where} without the required header ${name}`);
      if (value !== null && header.schema) this.assertValid(header.schema, value, `${where}: header ${name}`);
    }
    if (!declared.content) {
      if (response.text.length > 0) throw new Error(`${where} with a body, but the document declares none: ${response.text.slice(0, 200)}`);
      return;
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const content = declared.content[mediaType];
    if (!content) throw new Error(`${where} as "${mediaType}", but the document declares ${Object.keys(declared.content).join(', ')}`);
    if (content.schema) this.assertValid(content.schema, response.body, `${where}: body`);
  }

  private assertValid(schema: object, value: unknown, where: string): void {
    const validate = this.validator(schema);
    if (!validate(value)) {
      throw new Error(`${where} does not match the OpenAPI document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 1000)}`);
    }
  }

  private validator(schema: object): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.validators.set(schema, validate);
    }
    return validate;
  }
}
