import type { ComponentChildren } from 'preact';

/** Loading, error and empty states, each distinguishable from the others. */
export function Loading(props: { what: string }) {
  return (
    <p class="state state-loading" role="status">
      Loading {props.what}…
    </p>
  );
}

export function LoadError(props: { what: string; error: string; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>
        Could not load {props.what}: {props.error}
      </p>
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p>
        <strong>{props.title}</strong>
      </p>
      {props.children}
    </div>
  );
}
