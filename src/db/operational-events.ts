/**
 * Publishing operational events to every instance: one NOTIFY each on OPERATIONAL_CHANNEL. Inside a transaction
 * (a job paused), PostgreSQL delivers them only once it commits, so no event announces a change that was rolled back.
 * Events are few (per job or connection, never per order), so each travels alone.
 */
import type { OperationalEvent } from '../domain/operational-event';
import { OPERATIONAL_CHANNEL } from './notify-channels';
import type { SqlRunner } from './sql-runner';

/** Text fields are capped so that an event always fits PostgreSQL's 8000-byte notification. */
const MAX_DETAIL_CHARS = 1_000;

export async function publishOperationalEvents(sql: SqlRunner, events: OperationalEvent[]): Promise<void> {
  if (events.length === 0) return;
  const payloads = events.map((event) => JSON.stringify({ ...event, detail: event.detail === null ? null : event.detail.slice(0, MAX_DETAIL_CHARS) }));
  await sql.query('select pg_notify($1, payload) from json_array_elements_text($2::json) as payload', [OPERATIONAL_CHANNEL, JSON.stringify(payloads)]);
}
