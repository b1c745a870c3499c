/** One rule file's text, as read from disk (or handed in by a test or the API). */
export interface RuleSource {
  /** Path used in messages: relative to the working directory where possible. */
  readonly file: string;
  readonly text: string;
}
