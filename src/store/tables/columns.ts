import type { ColumnType } from 'kysely';

/** Column types shared by the table row types (src/store/schema.ts, src/store/tables/). */

/** Columns the database fills in on insert. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** A timestamp the row must be given. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** A timestamp the database defaults on insert. */
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** A JSON column: read as `T`, written as its JSON text. */
export type Json<T> = ColumnType<T, string, string>;

/** An Amazon region. */
export type RegionCode = 'NA' | 'EU' | 'FE';
