import type { ColumnType, Generated } from 'kysely';

/** Columns the database fills in on insert. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** Key/value facts about this installation (e.g. its id, first start). */
export interface MetaTable {
  key: string;
  value: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A smoke table the foundation tests use to prove both dialects behave the same. */
export interface ProbeTable {
  id: Generated<number>;
  label: string;
  created_at: CreatedAt;
}

/** Every table, as Kysely sees it. Each bounded context adds its tables here with its migration. */
export interface Database {
  meta: MetaTable;
  probe: ProbeTable;
}
