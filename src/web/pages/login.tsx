import { Layout } from './layout.js';

/** The sign-in form. `csrf` is the double-submit token also set as a cookie. */
export function LoginPage(props: {
  csrf: string;
  next: string;
  error?: string;
  username?: string;
  sandbox: string | null;
  demo?: string | null;
}) {
  return (
    <Layout title="Sign in" user={null} sandbox={props.sandbox}>
      <div class="card" style="max-width:26rem">
        <h1 style="margin-top:0">Sign in</h1>
        {props.error ? (
          <p class="banner bad" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            value={props.username ?? ''}
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <p>
            <button type="submit">Sign in</button>
          </p>
        </form>
        {props.demo ? <p class="small">{props.demo}</p> : null}
      </div>
    </Layout>
  );
}
