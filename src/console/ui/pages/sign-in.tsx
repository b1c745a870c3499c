import { useState } from 'preact/hooks';

/** Paste a token (the sign-in link `…/#token=…` skips this page). */
export function SignIn(props: { onToken(token: string): void; problem?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <main class="sign-in" id="main">
      <h1>Cordon console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const t = token.trim();
          if (!t) {
            setError(
              'Paste a token: the line after CORDON_APPROVER_TOKEN= (or another role) in .cordon/credentials.env.',
            );
            return;
          }
          props.onToken(t);
        }}
      >
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          aria-invalid={error ? true : undefined}
          aria-describedby="token-help"
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <p id="token-help" class="muted">
          The token stays in this tab only (session storage) and is sent as a Bearer header.
        </p>
        {(error ?? props.problem) && (
          <p class="form-error" role="alert">
            {error ?? props.problem}
          </p>
        )}
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
