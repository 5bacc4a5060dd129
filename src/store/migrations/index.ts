import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_accounts_connections.js';
import * as m0003 from './0003_tokens.js';
import * as m0004 from './0004_rate_buckets.js';
import * as m0005 from './0005_api_keys.js';
import * as m0006 from './0006_events.js';
import * as m0008 from './0008_listings.js';
import * as m0009 from './0009_notify.js';
import * as m0007 from './0007_orders.js';
import * as m0010 from './0010_monitor.js';
import * as m0011 from './0011_lifecycle.js';
import * as m0012 from './0012_resumable_work.js';
import * as m0013 from './0013_seller_claims.js';
import * as m0014 from './0014_report_backfill.js';
import * as m0015 from './0015_analytics.js';
import * as m0016 from './0016_ads.js';
import * as m0017 from './0017_embedding.js';
import * as m0018 from './0018_operator_search.js';
import * as m0019 from './0019_scale.js';
import * as m0020 from './0020_cache_versions.js';
import * as m0021 from './0021_listing_catalog.js';
import * as m0022 from './0022_notify_digest.js';

/**
 * Every migration, in order. The same list runs on PGlite and PostgreSQL. Names are fixed forever
 * once released; add new files with the next number.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_accounts_connections': m0002,
  '0003_tokens': m0003,
  '0004_rate_buckets': m0004,
  '0005_api_keys': m0005,
  '0006_events': m0006,
  '0007_orders': m0007,
  '0008_listings': m0008,
  '0009_notify': m0009,
  '0010_monitor': m0010,
  '0011_lifecycle': m0011,
  '0012_resumable_work': m0012,
  '0013_seller_claims': m0013,
  '0014_report_backfill': m0014,
  '0015_analytics': m0015,
  '0016_ads': m0016,
  '0017_embedding': m0017,
  '0018_operator_search': m0018,
  '0019_scale': m0019,
  '0020_cache_versions': m0020,
  '0021_listing_catalog': m0021,
  '0022_notify_digest': m0022,
};
