import type { SessionUser } from '../../accounts/service.js';
import { Layout } from './layout.js';

/** The user's own settings: password change. */
export function AccountPage(props: {
  user: SessionUser;
  error?: string | null;
  notice?: string | null;
  sandbox: string | null;
}) {
  return (
    <Layout title="Account" user={props.user} sandbox={props.sandbox}>
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{props.user.username}</strong> ({props.user.role}).
      </p>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.error ? (
        <p class="banner bad" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/account/password" class="card">
        <h2 style="margin-top:0">Change password</h2>
        <input type="hidden" name="_csrf" value={props.user.csrfToken} />
        <label for="current">Current password</label>
        <input id="current" name="current" type="password" autocomplete="current-password" required />
        <label for="next">New password (at least 10 characters)</label>
        <input id="next" name="next" type="password" autocomplete="new-password" required />
        <p>
          <button type="submit">Change password</button>
        </p>
        <p class="small">Changing your password signs you out everywhere else.</p>
      </form>
    </Layout>
  );
}
