/** Structured logs: one JSON object per line on stderr, so operators can grep and ship them. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A database error as a log may show it: never the values of the failed statement (CONTRACT §9), which can be
 * secrets, tokens' hashes or an order's personal data. knex prefixes the message with the statement, its
 * parameters filled in; PostgreSQL's `detail` and `where` quote rows, and some of its messages quote the value
 * refused. So only the SQLSTATE and the names of the objects involved remain, with the stack's frames.
 */
function databaseError(error: Error & Record<string, unknown>): Record<string, unknown> | undefined {
  // PostgreSQL's errors carry a severity (MikroORM's wrappers copy it); Node's own codes (EPIPE) look alike
  if (typeof error.severity !== 'string') return undefined;
  const sqlState = error.sqlState ?? error.code;
  if (typeof sqlState !== 'string') return undefined;
  const ownMessage = `PostgreSQL error ${sqlState}${typeof error.constraint === 'string' ? ` on ${error.constraint}` : ''} (statement and values not logged)`;
  const at = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return {
    name: error.name,
    sqlState,
    message: ownMessage,
    ...Object.fromEntries(['table', 'column', 'constraint', 'routine'].flatMap((key) => (typeof error[key] === 'string' ? [[key, error[key]]] : []))),
    stack: [`${error.name}: ${ownMessage}`, ...at].join('\n'),
  };
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const cause = value.cause ? { cause: serialise(value.cause) } : {};
    return { ...(databaseError(value as Error & Record<string, unknown>) ?? { name: value.name, message: value.message, stack: value.stack }), ...cause };
  }
  return value;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    write(JSON.stringify(entry));
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
