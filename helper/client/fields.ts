// Dictionaries of the protocol (a{sv}) to and from plain objects, by the field tables of
// helper/protocol: the service writes them straight into the wire buffer (no Variant objects per
// field, which matters for 100,000 bans), the client reads them back and checks every field.
import type { FieldTable, Fields } from '../protocol/index.js';
import { parseSignature, Variant, WireError, type TypeNode, type Writer } from './wire.js';

const DICT_ENTRY: TypeNode = parseSignature('a{sv}')[0]!.children[0]!;
const FIELD_TYPES = new Map<string, TypeNode>();
function typeOf(signature: string): TypeNode {
  let type = FIELD_TYPES.get(signature);
  if (type === undefined) {
    type = parseSignature(signature)[0]!;
    FIELD_TYPES.set(signature, type);
  }
  return type;
}

/** Writes one record as a{sv}, each field a variant of the signature its table gives. */
export function writeFields<T extends FieldTable>(writer: Writer, table: T, record: Fields<T>): void {
  const lengthAt = writer.beginArray(DICT_ENTRY);
  for (const key in table) {
    const signature = table[key]!;
    writer.align(8);
    writer.string(key);
    writer.signature(signature);
    writer.value(typeOf(signature), record[key]);
  }
  writer.finishArray(lengthAt, DICT_ENTRY);
}

/** Record -> Map of variants (for small replies that go through the generic writer). */
export function toVariants<T extends FieldTable>(table: T, record: Fields<T>): Map<string, Variant> {
  const map = new Map<string, Variant>();
  for (const key in table) map.set(key, new Variant(table[key]!, record[key]));
  return map;
}

/** a{sv} as read off the wire -> a checked record: a missing field or one of another type is an error. */
export function readFields<T extends FieldTable>(table: T, value: unknown): Fields<T> {
  if (!(value instanceof Map)) throw new WireError('expected a dictionary');
  const record: Record<string, unknown> = {};
  for (const key in table) {
    const variant = value.get(key);
    if (!(variant instanceof Variant) || variant.signature !== table[key]) {
      throw new WireError(`field ${key} missing or not of type ${table[key]}`);
    }
    record[key] = variant.value instanceof Map ? Object.fromEntries(variant.value) : variant.value;
  }
  return record as Fields<T>;
}

/** A record whose fields are all optional -> Map of variants of the present ones (GetIntel). */
export function toOptionalVariants<T extends FieldTable>(table: T, record: Partial<Fields<T>>): Map<string, Variant> {
  const map = new Map<string, Variant>();
  for (const key in table) if (record[key] !== undefined) map.set(key, new Variant(table[key]!, record[key]));
  return map;
}

/**
 * a{sv} -> the table's fields that are present, each checked; fields the table does not name are
 * skipped, so a newer helper can add fields without breaking older clients.
 */
export function readOptionalFields<T extends FieldTable>(table: T, value: unknown): Partial<Fields<T>> {
  if (!(value instanceof Map)) throw new WireError('expected a dictionary');
  const record: Partial<Record<string, unknown>> = {};
  for (const key in table) {
    const variant = (value as Map<unknown, unknown>).get(key);
    if (variant === undefined) continue;
    if (!(variant instanceof Variant) || variant.signature !== table[key]) throw new WireError(`field ${key} is not of type ${table[key]}`);
    record[key] = variant.value instanceof Map ? Object.fromEntries(variant.value) : variant.value;
  }
  return record as Partial<Fields<T>>;
}

/** a{sv} with any fields -> a plain object (PropertiesChanged, GetAll). */
export function readLooseFields(value: unknown): Record<string, unknown> {
  if (!(value instanceof Map)) throw new WireError('expected a dictionary');
  const record: Record<string, unknown> = {};
  for (const [key, variant] of value as Map<unknown, unknown>) {
    if (typeof key !== 'string' || !(variant instanceof Variant)) throw new WireError('expected a dictionary of strings to variants');
    // Defined, not assigned: a field named __proto__ is a field like any other, not a new prototype.
    Object.defineProperty(record, key, {
      value: variant.value instanceof Map ? Object.fromEntries(variant.value) : variant.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return record;
}
