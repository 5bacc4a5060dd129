import type { SessionUser } from '../../accounts/service.js';
import type { ProfilesView } from '../../ads/profiles.js';
import { REGION_NAMES, REGIONS } from '../../amazon/regions.js';
import type { AuditRecord } from '../../connections/audit.js';
import type { Connection } from '../../connections/repository.js';
import { formatDate, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { renewalDue } from './renew-button.js';
import { counted } from '../../kernel/plural.js';

/** An Ads connection with its profiles, for the lists and the detail page. */
export interface AdsRow {
  connection: Connection;
  profiles: ProfilesView;
}

/** Why a profile list is empty, in plain words (Amazon lists none until a campaign exists). */
function emptyProfilesWords(p: ProfilesView): string {
  if (p.listedAt === null) return 'The advertising profiles have not been listed yet.';
  if (p.failedRegions.length === 3)
    return `Amazon did not answer the profiles listing (${p.note ?? 'no answer'}).`;
  return 'No advertising profiles: Amazon lists none until the advertiser has created at least one campaign. Create a campaign in Amazon Ads (a paused one will do), then press “List profiles again”.';
}

/** The profiles table: each with the seller connection whose seller id it matches, shown as a match. */
export function ProfilesTable(props: { profiles: ProfilesView }) {
  const p = props.profiles;
  if (p.profiles.length === 0) {
    return (
      <p class="small" data-profiles-empty>
        {emptyProfilesWords(p)}
      </p>
    );
  }
  return (
    <table data-profiles>
      <thead>
        <tr>
          <th>Profile</th>
          <th>Country</th>
          <th>Account</th>
          <th>Seller connection</th>
        </tr>
      </thead>
      <tbody>
        {p.profiles.map((profile) => (
          <tr data-profile={profile.profileId} data-profile-region={profile.region}>
            <td>
              <code>{profile.profileId}</code>
              <div class="small">{REGION_NAMES[profile.region]}</div>
            </td>
            <td>
              {profile.countryCode} · {profile.currencyCode}
              <div class="small">{profile.timezone}</div>
            </td>
            <td>
              {profile.accountName ?? profile.accountId}
              <div class="small">
                {profile.accountType} · {profile.accountId}
              </div>
            </td>
            <td>
              {profile.match ? (
                <span data-profile-match={profile.match.connectionId}>
                  Matches{' '}
                  <a href={`/connections/${profile.match.connectionId}`}>
                    {profile.match.storeName ?? profile.match.sellingPartnerId}
                  </a>
                  <div class="small">
                    same account id as seller {profile.match.sellingPartnerId} (a match, not Amazon’s word)
                  </div>
                </span>
              ) : (
                <span class="small" data-profile-unmatched>
                  No seller connection with account id {profile.accountId}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The "Amazon Ads" section of the connections page: connect per region, and each Ads connection. */
export function AdsSection(props: { rows: AdsRow[]; csrf: string; canConnect: boolean }) {
  const byRegion = new Map(props.rows.map((r) => [r.connection.region, r]));
  return (
    <section data-ads-section>
      <h2>Amazon Ads (marketing)</h2>
      <p class="small">
        Advertising tools work through the Amazon Ads API, which has its own consent: sign in with the Amazon
        user who manages your advertising. Its authorization also lasts 365 days.
      </p>
      <table>
        <thead>
          <tr>
            <th>Region</th>
            <th>Status</th>
            <th>Profiles</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {REGIONS.map((region) => {
            const row = byRegion.get(region);
            const c = row?.connection;
            return (
              <tr
                data-ads-region={region}
                {...(c ? { 'data-ads-connection': c.id, 'data-health': c.health.state } : {})}
              >
                <td>
                  <strong>{REGION_NAMES[region]}</strong>
                </td>
                <td>
                  {c ? (
                    <>
                      <span class={`badge ${c.health.tone}`} data-status>
                        {c.health.label}
                      </span>
                      <div class="small" style="max-width:16rem">
                        {c.health.reason}
                      </div>
                    </>
                  ) : (
                    <span class="small">Not connected</span>
                  )}
                </td>
                <td>{row ? `${row.profiles.profiles.length}` : '—'}</td>
                <td>{c ? (c.expiresAt ? formatDate(c.expiresAt) : 'Does not expire') : '—'}</td>
                <td>
                  {c ? (
                    <a
                      class="button secondary quiet"
                      href={`/ads-connections/${c.id}`}
                      data-ads-open={region}
                    >
                      Open
                    </a>
                  ) : props.canConnect ? (
                    <form method="post" action="/ads-connections/connect">
                      <input type="hidden" name="_csrf" value={props.csrf} />
                      <input type="hidden" name="region" value={region} />
                      <button type="submit" data-ads-connect={region}>
                        Connect Amazon Ads {REGION_NAMES[region]}
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** One Ads connection: health, expiry, profiles with matches, renew, disconnect, history. */
export function AdsConnectionPage(props: {
  user: SessionUser;
  row: AdsRow;
  history: AuditRecord[];
  notice?: string | null;
  sandbox: string | null;
}) {
  const c = props.row.connection;
  const csrf = props.user.csrfToken;
  const live = c.state !== 'disconnected';
  return (
    <Layout title={`Amazon Ads · ${REGION_NAMES[c.region]}`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href="/connections">← All connections</a>
      </p>
      <h1>Amazon Ads · {REGION_NAMES[c.region]}</h1>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <div
        class="card"
        data-ads-connection={c.id}
        data-state={c.health.lifecycle}
        data-health={c.health.state}
      >
        <p>
          <span class={`badge ${c.health.tone}`} data-status>
            {c.health.label}
          </span>{' '}
          <span data-reason>{c.health.reason}</span>
        </p>
        <p data-advice>{c.health.advice}</p>
        <p>
          Authorized {formatDateTime(c.authorizedAt)} ·{' '}
          <span data-expires>{c.expiresAt ? `expires ${formatDate(c.expiresAt)}` : 'does not expire'}</span>
          {c.health.daysLeft !== null && live ? ` (${counted(c.health.daysLeft, 'day')} left)` : ''}
        </p>
        <div class="actions">
          {c.health.canRenew || !c.health.renewBlockedReason ? (
            <form method="post" action={`/ads-connections/${c.id}/renew`}>
              <input type="hidden" name="_csrf" value={csrf} />
              <button
                type="submit"
                data-ads-renew={c.id}
                data-renew-due={renewalDue(c) ? 'yes' : 'no'}
                {...(renewalDue(c) ? {} : { class: 'secondary quiet' })}
              >
                {live ? 'Renew' : 'Connect again'}
              </button>
            </form>
          ) : (
            <button type="button" disabled data-ads-renew={c.id} title={c.health.renewBlockedReason}>
              Renew
            </button>
          )}
          {live ? (
            <>
              <form method="post" action={`/ads-connections/${c.id}/profiles`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit" data-ads-list-profiles>
                  List profiles again
                </button>
              </form>
              <form method="post" action={`/ads-connections/${c.id}/disconnect`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <input type="hidden" name="confirm" value="yes" />
                <button type="submit" class="danger" data-ads-disconnect={c.id}>
                  Disconnect
                </button>
              </form>
            </>
          ) : null}
        </div>
      </div>
      <h2>Advertising profiles</h2>
      <p class="small">
        Listed on all three Amazon Ads API hosts
        {props.row.profiles.listedAt ? `, last ${formatDateTime(props.row.profiles.listedAt)}` : ''}. A
        profile whose account id equals a seller connection’s seller id is shown as a match.
      </p>
      <ProfilesTable profiles={props.row.profiles} />
      <h2>History</h2>
      <ul data-history>
        {props.history.map((h) => (
          <li>
            {formatDateTime(h.at)} · {h.action} · {h.outcome}
          </li>
        ))}
      </ul>
    </Layout>
  );
}
