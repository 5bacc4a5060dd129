import type { Connection } from '../../connections/repository.js';

/** The Renew (or "Connect again") button of an OAuth connection; self-authorized ones re-import. */
export function RenewAction(props: {
  connection: Connection;
  csrf: string;
  showImport?: boolean;
  /** In a list: the reason a disabled button is disabled goes in its tooltip (the banner says it once). */
  compact?: boolean;
}) {
  const c = props.connection;
  if (c.kind !== 'oauth') {
    return props.showImport ? (
      <a class="button" href="/connections/import">
        Import new token
      </a>
    ) : null;
  }
  if (!c.health.canRenew && c.health.renewBlockedReason) {
    return (
      <div>
        <button
          type="button"
          disabled
          data-renew={c.id}
          data-renew-blocked
          title={c.health.renewBlockedReason}
        >
          Renew
        </button>
        {props.compact ? null : (
          <div class="small" style="max-width:16rem" data-renew-blocked-reason>
            {c.health.renewBlockedReason}
          </div>
        )}
      </div>
    );
  }
  return (
    <form method="post" action={`/connections/${c.id}/renew`}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <button type="submit" data-renew={c.id}>
        {c.state === 'disconnected' ? 'Connect again' : 'Renew'}
      </button>
    </form>
  );
}
