import type { Connection } from '../../connections/repository.js';

/**
 * Whether renewing is due, so that Renew is the page's prominent action: within the expiry warning
 * window, ended (expired, revoked), or disconnected ("Connect again"). Otherwise Renew stays a quiet
 * secondary button: renewing early works, but nothing asks for it.
 */
export function renewalDue(c: Connection): boolean {
  const lifecycle = c.health.lifecycle;
  return (
    c.health.action === 'renew' ||
    c.health.action === 'connect' ||
    lifecycle === 'expiring' ||
    lifecycle === 'expired' ||
    lifecycle === 'revoked'
  );
}

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
  const due = renewalDue(c);
  return (
    <form method="post" action={`/connections/${c.id}/renew`}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <button
        type="submit"
        data-renew={c.id}
        data-renew-due={due ? 'yes' : 'no'}
        {...(due ? {} : { class: 'secondary quiet' })}
      >
        {c.state === 'disconnected' ? 'Connect again' : 'Renew'}
      </button>
    </form>
  );
}
