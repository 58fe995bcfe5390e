/**
 * Sensitive header values written before they were sealed (rows of an older build, or written by SQL) are sealed
 * at start, once, so that no credential stays in clear at rest. Idempotent: a sealed value is left alone.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { headerSecretField, secretContext, type SecretBox } from '../auth/secret-box';
import { isSensitive } from '../domain/connection-headers';
import { ClientConnection } from '../domain/entities';

/** Returns how many connections were rewritten. */
export async function sealStoredHeaders(em: EntityManager, secrets: SecretBox): Promise<number> {
  return em.transactional(async (tx) => {
    let sealed = 0;
    for (const connection of await tx.find(ClientConnection, {})) {
      if (!connection.headers.some((header) => isSensitive(header) && (header.valueEnc === undefined || header.sensitive !== true))) continue;
      connection.headers = connection.headers.map((header) =>
        !isSensitive(header) || (header.valueEnc !== undefined && header.sensitive === true)
          ? header
          : { name: header.name, sensitive: true, valueEnc: header.valueEnc ?? secrets.seal(header.value ?? '', secretContext(connection.id, headerSecretField(header.name))) },
      );
      sealed += 1;
    }
    return sealed;
  });
}
