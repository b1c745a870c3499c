/**
 * What differs between the model-server loggers that speak CloudEvents (KServe, Seldon Core):
 * their event type family, which attribute pairs a response with its request, and which names
 * the model. Everything else is shared.
 */
export interface LoggerDialect {
  /** Connector type and id prefix (`kserve`). */
  readonly type: string;
  readonly title: string;
  /** Event type family: `<family>.request` and `<family>.response`. */
  readonly typeFamily: string;
  /** Extension attribute holding the id that pairs request and response, then `id`. */
  readonly pairBy: readonly string[];
  /** Extension attributes naming the model, first present wins. */
  readonly modelFrom: readonly string[];
}

export const KSERVE_FAMILY = 'org.kubeflow.serving.inference';
export const SELDON_FAMILY = 'io.seldon.serving.inference';

/** The other logger's family, so an event sent to the wrong connector type says which to use. */
export const FAMILIES: readonly { readonly family: string; readonly type: string }[] = [
  { family: KSERVE_FAMILY, type: 'kserve' },
  { family: SELDON_FAMILY, type: 'seldon' },
];
