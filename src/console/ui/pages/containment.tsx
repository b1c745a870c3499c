import { useEffect, useRef, useState } from 'preact/hooks';
import { StatusBadge } from '../components/badges';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { ApiError, errorText, getContainmentFilled, liftLimit } from '../lib/api';
import {
  appendPage,
  containmentId,
  holdersText,
  kindText,
  liftedText,
  liftsWhen,
  undoFailed,
  whereText,
} from '../lib/containment';
import { useConsole } from '../lib/context';
import { canLiftLimits } from '../lib/roles';
import { Link } from '../lib/router';
import { useLoad } from '../lib/use-load';
import type { Containment, ContainmentHolder, ContainmentListing } from '../lib/types';

/** A first page, or the API's word that the filter names no connector keeping containment. */
type FirstPage = ContainmentListing | { unknownConnector: string };

/**
 * What Cordon keeps contained now: limited keys and targets held on outbound gateways, newest
 * first. A snapshot (the stream does not carry containment): "Reload" asks again.
 */
export function ContainmentPage() {
  const { api } = useConsole();
  const [connector, setConnector] = useState('');
  const [first, reload] = useLoad<FirstPage>(`containment:${connector}`, () =>
    getContainmentFilled(api, { connector }).catch((err: unknown) => {
      // A name that is no such connector is the reader's to fix, beside the field: not a failure.
      if (connector && err instanceof ApiError && err.status === 404)
        return { unknownConnector: err.message };
      throw err;
    }),
  );
  const problem =
    first.state === 'ready' && 'unknownConnector' in first.data
      ? first.data.unknownConnector
      : undefined;
  // What the last lift did: kept here, above whatever the reload after it shows (the rows, or
  // its error), and focused (the row it was opened from is usually gone).
  const [lifted, setLifted] = useState<string>();
  const note = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (lifted) note.current?.focus();
  }, [lifted]);
  return (
    <section>
      <h1>Containment</h1>
      <ConnectorFilter
        applied={connector}
        problem={problem}
        onApply={setConnector}
        onReload={reload}
      />
      {lifted && (
        <p class="note" role="status" tabIndex={-1} ref={note}>
          {lifted}
        </p>
      )}
      {first.state === 'loading' ? (
        <Loading what="containment" />
      ) : first.state === 'error' ? (
        <LoadError what="containment" error={first.error} retry={reload} />
      ) : 'unknownConnector' in first.data ? null : (
        <ContainmentList
          first={first.data}
          connector={connector}
          onLiftStart={() => setLifted(undefined)}
          onLifted={(text) => {
            setLifted(text);
            reload();
          }}
        />
      )}
    </section>
  );
}

function ConnectorFilter(props: {
  applied: string;
  problem: string | undefined;
  onApply(connector: string): void;
  onReload(): void;
}) {
  const [text, setText] = useState(props.applied);
  return (
    <form
      class="filters"
      aria-label="Filter containment"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(text.trim());
      }}
    >
      <label>
        Connector
        <input
          type="search"
          value={text}
          placeholder="kong-prod (empty: all)"
          aria-invalid={props.problem ? true : undefined}
          aria-describedby={props.problem ? 'connector-problem' : undefined}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Filter</button>
      <button type="button" class="quiet" onClick={() => props.onReload()}>
        Reload
      </button>
      {props.problem && (
        <p id="connector-problem" class="form-error" role="alert">
          {props.problem}
        </p>
      )}
    </form>
  );
}

/**
 * The first page's rows, and the pages "Load more" adds after it (forgotten on a new first page);
 * a responder's "Lift…" on a limiter row, confirmed with a comment, then the list asked again.
 */
function ContainmentList(props: {
  first: ContainmentListing;
  connector: string;
  onLiftStart(): void;
  onLifted(text: string): void;
}) {
  const { api, me } = useConsole();
  const [more, setMore] = useState<{
    after: ContainmentListing;
    items: Containment[];
    next: string | null;
    problem?: string;
  }>();
  const [busy, setBusy] = useState(false);
  // The limiter key being lifted (its dialog open), and the button that opened it.
  const [lifting, setLifting] = useState<string>();
  const opener = useRef<HTMLElement | null>(null);
  const startLift = (key: string, button: HTMLElement) => {
    opener.current = button;
    props.onLiftStart();
    setLifting(key);
  };
  const keepLimit = () => {
    setLifting(undefined);
    setTimeout(() => opener.current?.focus());
  };
  const paged = more?.after === props.first ? more : undefined;
  const items = paged?.items ?? props.first.items;
  const next = paged ? paged.next : props.first.next;
  const loadMore = async () => {
    const after = props.first;
    setBusy(true);
    try {
      const page = await getContainmentFilled(api, { connector: props.connector, cursor: next });
      setMore({ after, items: appendPage(items, page.items), next: page.next });
    } catch (err) {
      // The rows stay and the button with them: the same cursor is asked again.
      setMore({
        after,
        items,
        next,
        problem: `Could not load more containment: ${errorText(err)}`,
      });
    } finally {
      setBusy(false);
    }
  };
  const liftArea = lifting && (
    <LiftDialog
      key={lifting}
      target={lifting}
      onKeep={keepLimit}
      onLifted={(text) => {
        setLifting(undefined);
        props.onLifted(text);
      }}
    />
  );
  if (items.length === 0 && next === null)
    return (
      <>
        {liftArea}
        <Empty
          title={
            props.connector
              ? `Connector ${props.connector} keeps nothing contained right now.`
              : 'Nothing is contained right now.'
          }
        >
          <p>
            Playbooks contain a key by throttling or blocking it in Cordon's built-in limiter, or on
            Kong, LiteLLM or AWS API Gateway; it stays here until it expires, is undone or is
            released.
          </p>
        </Empty>
      </>
    );
  return (
    <>
      {liftArea}
      {items.length > 0 ? (
        <ContainmentTable items={items} onLift={canLiftLimits(me) ? startLift : undefined} />
      ) : (
        // Only lifted containment so far (its entries linger until retention): more may follow.
        <p class="muted">None found yet among the entries looked at; more may follow.</p>
      )}
      {next !== null && (
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => void loadMore()}>
            {busy ? 'Loading more…' : 'Load more'}
          </button>
        </div>
      )}
      {paged?.problem && (
        <p class="form-error" role="alert">
          {paged.problem}
        </p>
      )}
    </>
  );
}

/**
 * Confirms a lift with a comment (required by the API); focus starts in the comment. An error
 * from the API shows here and the dialog stays; Escape or "Keep" closes it.
 */
function LiftDialog(props: { target: string; onKeep(): void; onLifted(text: string): void }) {
  const { api } = useConsole();
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One Idempotency-Key per confirmation: a retry after a lost answer lifts nothing set since.
  const [attempt] = useState(newAttempt);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  const lift = async () => {
    const text = comment.trim();
    if (!text) {
      setProblem('Say why: a comment is required to lift a limit.');
      field.current?.focus();
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      props.onLifted(liftedText(await liftLimit(api, props.target, text, attempt)));
    } catch (err) {
      setProblem(err instanceof ApiError ? `${err.message} (${err.code})` : errorText(err));
      setBusy(false);
    }
  };
  return (
    // In an actions row as the run page's cancel confirmation is, and styled as it.
    <div class="actions">
      <form
        role="alertdialog"
        aria-labelledby="lift-title"
        aria-describedby="lift-what"
        class="confirm"
        onSubmit={(e) => {
          e.preventDefault();
          void lift();
        }}
        onKeyDown={(e) => {
          // Not while the lift is on its way: its answer is this dialog's to show.
          if (e.key === 'Escape' && !busy) props.onKeep();
        }}
      >
        <p>
          <strong id="lift-title">Lift every limit on {props.target} now?</strong>{' '}
          <span id="lift-what">The runs that set them will have nothing to undo.</span>
        </p>
        <label for="lift-comment">Why? (required)</label>
        <textarea
          id="lift-comment"
          ref={field}
          rows={2}
          maxLength={2000}
          value={comment}
          aria-invalid={problem && !comment.trim() ? true : undefined}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        {problem && (
          <p class="form-error" role="alert">
            {problem}
          </p>
        )}
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => props.onKeep()}>
            Keep the limits
          </button>
          <button type="submit" class="danger" disabled={busy}>
            {busy ? 'Lifting…' : 'Lift every limit'}
          </button>
        </div>
      </form>
    </div>
  );
}

function ContainmentTable(props: {
  items: Containment[];
  /** Offered on the limiter's rows when set (the principal may lift limits). */
  onLift?: ((key: string, opener: HTMLElement) => void) | undefined;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Contained targets, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Where</th>
            <th scope="col">Kind</th>
            <th scope="col" title="when containment was last placed on it">
              Placed
            </th>
            <th scope="col">Lifts</th>
            <th scope="col">Holders</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((c) => (
            <tr key={containmentId(c)}>
              <th scope="row" class="col-id">
                <code>{c.key}</code>
              </th>
              <td class="col-id">
                {whereText(c)}
                {/* The limiter names itself; a connector's type says what system it is. */}
                {c.connector !== null && <div class="muted small">{c.type}</div>}
              </td>
              <td class="words">{kindText(c.kind)}</td>
              <td class="words">
                <Time at={c.at} />
              </td>
              <td class="words">
                <Lifts item={c} />
                {c.connector === null && props.onLift && (
                  <div>
                    <button
                      type="button"
                      class="danger"
                      // Its row's key in its name: a list of buttons tells the rows apart.
                      aria-label={`Lift ${c.key}…`}
                      onClick={(e) => props.onLift?.(c.key, e.currentTarget)}
                    >
                      Lift…
                    </button>
                  </div>
                )}
              </td>
              <td class="col-holders">
                <Holders holders={c.holders} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Lifts(props: { item: Containment }) {
  const { now } = useConsole();
  const when = liftsWhen(props.item);
  if (when === 'on undo') return <span title="when its run undoes it, or on release">on undo</span>;
  if (when === 'on release')
    return <span title="no run will undo it: only an explicit release lifts it">on release</span>;
  // Its expiry's undo is queued or its worker behind: it lifts when that runs.
  if (when.at <= now.value)
    return (
      <span title="its expiry passed; the undo runs as soon as a worker takes it">
        due <Time at={when.at} />
      </span>
    );
  return <Time at={when.at} />;
}

/** How many hold the target, who is in force (the newest), and every undo that failed. */
function Holders(props: { holders: ContainmentHolder[] }) {
  const newest = props.holders[0];
  const failed = props.holders.filter(undoFailed);
  return (
    <>
      {holdersText(props.holders.length)}
      {newest && (
        <div>
          newest: <RunLink holder={newest} /> <StatusBadge status={newest.runStatus} />
        </div>
      )}
      {failed.map((h) => (
        <p key={h.effect} class="flag">
          undo failed — left in force: <RunLink holder={h} /> ({h.runStatus}); try the undo again on
          its run page (responder or admin)
        </p>
      ))}
    </>
  );
}

function RunLink(props: { holder: ContainmentHolder }) {
  const { run } = props.holder;
  // Not a run: a person set the limit by hand (the limiter names who).
  if (!run.startsWith('run_')) return <span>set by {run || 'unknown'}</span>;
  return <Link href={`/runs/${encodeURIComponent(run)}`}>{run}</Link>;
}

/** A fresh Idempotency-Key (getRandomValues: randomUUID needs a secure context, http does not give one). */
function newAttempt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `lift-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
