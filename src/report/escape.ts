/**
 * HTML that escapes by default: {@link html} is a template tag whose interpolated values are
 * escaped unless they are themselves {@link Html} (built by `html` or, for trusted constants only,
 * {@link raw}). Nothing from a result file or an input reaches the page unescaped.
 *
 * @module
 */

/** A fragment of HTML that is safe to insert as is. */
export class Html {
  /** @param text - the fragment's markup */
  constructor(readonly text: string) {}

  /** The markup. */
  toString(): string {
    return this.text;
  }
}

/**
 * Escapes text for element content and for attribute values in double or single quotes:
 * `& < > " '`.
 *
 * @param s - any value (converted with `String`)
 * @returns the escaped text
 */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * Marks a trusted constant (a style sheet written in this module's room) as HTML. Never pass it
 * anything that came from input.
 *
 * @param markup - trusted markup
 */
export function raw(markup: string): Html {
  return new Html(markup);
}

function fragment(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(fragment).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

/**
 * The template tag: `` html`<td>${value}</td>` `` escapes `value`; an {@link Html} value is
 * inserted as is, an array is joined (each element by the same rule), and `undefined`, `null` and
 * `false` insert nothing (so `${cond && html`...`}` works).
 *
 * @returns the fragment
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let s = strings[0]!;
  for (let i = 0; i < values.length; i++) s += fragment(values[i]) + strings[i + 1]!;
  return new Html(s);
}
