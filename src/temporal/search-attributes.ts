import type { Client, Connection } from '@temporalio/client';
import proto, { type temporal as pb } from '@temporalio/proto';

const { temporal } = proto;
import { CUSTOM_SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';

const TYPE = temporal.api.enums.v1.IndexedValueType;
const indexed: Record<string, pb.api.enums.v1.IndexedValueType> = {
  Keyword: TYPE.INDEXED_VALUE_TYPE_KEYWORD,
  Int: TYPE.INDEXED_VALUE_TYPE_INT,
  Datetime: TYPE.INDEXED_VALUE_TYPE_DATETIME,
};

/** Registers whichever of Taskgate's search attributes the namespace lacks; returns the ones it added. */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  // Clients made by temporal/connection.ts always hold a full Connection.
  const connection = client.connection as Connection;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(CUSTOM_SEARCH_ATTRIBUTES).filter(([name]) => !have.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexed[type]!])),
  });
  return missing.map(([name]) => name);
}

/** The same attributes as `temporal server start-dev --search-attribute` flags. */
export function searchAttributeFlags(): string[] {
  return Object.entries(CUSTOM_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
