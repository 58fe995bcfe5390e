/**
 * A claimed export: everything one send needs, read by the statement that claimed it (claim-exports.ts, or
 * the recording statement for exports claimed as they are recorded), so that sending reads nothing more.
 *
 * The connection columns a send needs are listed here once; both statements select them through
 * `JOB_SEND_JSON`, and `outboundRequest` turns them into the sender's request, secrets opened.
 */
import { headerSecretField, secretContext, type SecretBox, type SecretField } from '../auth/secret-box';
import type { AuthType, StoredHeader } from '../domain/entities/client-connection';
import type { HttpMethod, QueryParam } from '../domain/entities/export-job';
import type { OutboundRequest } from './sender';

/** A client connection as stored, secrets still sealed. */
export interface StoredConnection {
  id: string;
  baseUrl: string;
  /** Sensitive values sealed (`valueEnc`). */
  headers: StoredHeader[];
  timeoutMs: number | null;
  authType: AuthType;
  tokenUrl: string | null;
  clientId: string | null;
  clientSecretEnc: string | null;
  username: string | null;
  passwordEnc: string | null;
  scope: string | null;
}

/** Each field of StoredConnection and its column; the compiler keeps the two lists equal. */
const CONNECTION_COLUMNS: { [field in keyof StoredConnection]: string } = {
  id: 'id',
  baseUrl: 'base_url',
  headers: 'headers',
  timeoutMs: 'timeout_ms',
  authType: 'auth_type',
  tokenUrl: 'token_url',
  clientId: 'client_id',
  clientSecretEnc: 'client_secret_enc',
  username: 'username',
  passwordEnc: 'password_enc',
  scope: 'scope',
};

/** A client connection (alias `c`) as JSON that parses into a `StoredConnection`. */
export const CONNECTION_JSON = `json_build_object(${Object.entries(CONNECTION_COLUMNS)
  .map(([field, column]) => `'${field}', c.${column}`)
  .join(', ')})`;

/** What sending needs of a job (alias `j`) and its connection, as JSON that parses into a `JobSend`. */
export const JOB_SEND_JSON = `json_build_object('httpMethod', j.http_method, 'path', j.path, 'queryParams', j.query_params,
  'connection', (select ${CONNECTION_JSON} from client_connection c where c.id = j.client_connection_id))`;

export interface JobSend {
  httpMethod: HttpMethod;
  path: string;
  queryParams: QueryParam[];
  connection: StoredConnection;
}

export interface ClaimedExport extends JobSend {
  id: string;
  /** Fences the settle: only the holder of the current lease token may record the outcome. */
  leaseToken: string;
  attempt: number;
  jobId: string;
  jobName: string;
  objectType: string;
  objectReference: string;
  triggerStatus: string;
  payload: string;
}

/** What one request needs: a claimed export, or an alert delivery (dispatch/alert-sender.ts). */
export type SendTarget = Pick<ClaimedExport, 'id' | 'attempt' | 'payload' | 'httpMethod' | 'path' | 'queryParams' | 'connection'>;

/** The sender's request for a claim, its connection's secrets opened. */
export function outboundRequest(claim: SendTarget, secrets: SecretBox): OutboundRequest {
  const { connection } = claim;
  const open = (sealed: string | null, field: SecretField) => (sealed ? secrets.open(sealed, secretContext(connection.id, field)) : null);
  return {
    exportId: claim.id,
    attempt: claim.attempt,
    method: claim.httpMethod,
    path: claim.path,
    queryParams: claim.queryParams,
    body: claim.payload,
    connection: {
      id: connection.id,
      baseUrl: connection.baseUrl,
      headers: connection.headers.map((header) => ({ name: header.name, value: open(header.valueEnc ?? null, headerSecretField(header.name)) ?? header.value ?? '' })),
      timeoutMs: connection.timeoutMs,
      auth: {
        type: connection.authType,
        tokenUrl: connection.tokenUrl,
        clientId: connection.clientId,
        clientSecret: open(connection.clientSecretEnc, 'clientSecret'),
        username: connection.username,
        password: open(connection.passwordEnc, 'password'),
        scope: connection.scope,
      },
    },
  };
}
