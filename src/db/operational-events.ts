/**
 * Publishing operational events to every instance (one NOTIFY each on OPERATIONAL_CHANNEL) and to the alert
 * targets (a delivery row each, sent by the sweeper: dispatch/alert-sender.ts). Inside a transaction
 * (a job paused), PostgreSQL delivers them only once it commits, so no event announces a change that was rolled back.
 * Events are few (per job or connection, never per order), so each travels alone.
 */
import type { OperationalEvent } from '../domain/operational-event';
import { OPERATIONAL_CHANNEL } from './notify-channels';
import type { SqlRunner } from './sql-runner';

/** Text fields are capped so that an event always fits PostgreSQL's 8000-byte notification. */
const MAX_DETAIL_CHARS = 1_000;

/**
 * Each event also becomes a delivery for every alert target that may see it (setAlertTarget): a global target all
 * events; a target of stores S those of global jobs and connections or of one of S, and of an EXPORT_FAILED only
 * when its supplier belongs to one of S, as for operators. The POSTed body is the event without its store ids.
 */
const ENQUEUE_DELIVERIES_SQL = `
  insert into alert_delivery (target_id, payload, next_attempt_at)
  select t.id, (e.event - 'storeIds')::text, now()
  from alert_target t cross join (select p::jsonb as event from json_array_elements_text($1::json) as p) e
  where t.store_ids = '{}'
     or ((jsonb_array_length(e.event -> 'storeIds') = 0
          or exists (select 1 from jsonb_array_elements_text(e.event -> 'storeIds') s where s::uuid = any(t.store_ids)))
         and (e.event ->> 'type' <> 'EXPORT_FAILED'
              or exists (select 1 from supplier su join supplier_store ss on ss.supplier_id = su.id
                         where su.external_id = e.event ->> 'supplierExternalId' and ss.store_id = any(t.store_ids))))`;

export async function publishOperationalEvents(sql: SqlRunner, events: OperationalEvent[]): Promise<void> {
  if (events.length === 0) return;
  const payloads = JSON.stringify(events.map((event) => JSON.stringify({ ...event, detail: event.detail === null ? null : event.detail.slice(0, MAX_DETAIL_CHARS) })));
  await sql.query('select pg_notify($1, payload) from json_array_elements_text($2::json) as payload', [OPERATIONAL_CHANNEL, payloads]);
  await sql.query(ENQUEUE_DELIVERIES_SQL, [payloads]);
}
