import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import type { Diagnostic } from '../../../src/shared/diagnostics.js';
import { compileDetection, diagnose, makeEvent } from './helpers.js';

/**
 * The string-rewriting Sigma modifiers (windash, wide/utf16le/utf16be/utf16, base64,
 * base64offset) and inline regex flags, with pySigma's semantics. Expected encodings are computed
 * here with Node's Buffer, or taken from pySigma's own tests (tests/test_modifiers.py), never
 * from the implementation.
 */

/** A matcher for `sel: { <key>: <value> }`; the value is written as JSON (valid YAML). */
function field(key: string, value: unknown): (prompt: string) => boolean {
  const rule = compileDetection(`
    detection:
      sel:
        ${key}: ${JSON.stringify(value)}
      condition: sel
  `);
  return (prompt) => rule.matches(withPrompt(prompt));
}

const withPrompt = (prompt: string): CanonicalEvent => makeEvent({ text: { prompt } });

/** The errors for `sel: { <key>: <value> }`. */
function errors(key: string, value: unknown): Diagnostic[] {
  return diagnose(`
    title: Test rule
    name: test_rule
    detection:
      sel:
        ${JSON.stringify(key)}: ${JSON.stringify(value)}
      condition: sel
  `).filter((d) => d.severity === 'error');
}

function expectOneError(key: string, value: unknown, code: string, phrase: string): void {
  const found = errors(key, value);
  expect(
    found.map((d) => [d.code, d.line]),
    found.map((d) => d.message).join('\n'),
  ).toEqual([[code, 5]]);
  expect(found[0]?.message).toContain(phrase);
}

/** Bytes as a JS string of the same code points (0–255): what pySigma's wide makes of ASCII. */
const latin1 = (bytes: Buffer): string => bytes.toString('latin1');
const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

describe('windash', () => {
  it('matches the option dash written as any of - / – — ―, and nothing else', () => {
    const m = field('prompt|windash|contains', ' -enc ');
    for (const dash of DASHES) expect(m(`powershell ${dash}enc ZQBj`), dash).toBe(true);
    expect(m('powershell \u2010enc ZQBj')).toBe(false); // hyphen U+2010 is not one of them
    expect(m('powershell _enc ZQBj')).toBe(false);
    expect(m('powershell enc ZQBj')).toBe(false);
  });

  it('varies only a dash that starts an option: after a non-word character, before a word one', () => {
    const m = field('prompt|windash', '-param-1');
    expect(m('/param-1')).toBe(true);
    expect(m('\u2014param-1')).toBe(true);
    expect(m('-param/1')).toBe(false);
    expect(m('/param/1')).toBe(false);
    const inWord = field('prompt|windash', 'a-b');
    expect(inWord('a-b')).toBe(true);
    expect(inWord('a/b')).toBe(false);
    const beforeSpace = field('prompt|windash', 'x - y');
    expect(beforeSpace('x / y')).toBe(false);
    const doubled = field('prompt|windash', '--force');
    expect(doubled('-/force')).toBe(true);
    expect(doubled('/-force')).toBe(false);
  });

  it('treats letters of any script as word characters, as Python does', () => {
    const m = field('prompt|windash', '-été');
    expect(m('/été')).toBe(true);
    expect(m('\u2015été')).toBe(true);
  });

  it('expands every option dash, in all 25 combinations of two (pySigma test_windash)', () => {
    const m = field('prompt|windash', '-param-1 -param2');
    for (const a of DASHES) {
      for (const b of DASHES) expect(m(`${a}param-1 ${b}param2`), `${a} ${b}`).toBe(true);
    }
    expect(m('-param-1 -param3')).toBe(false);
  });

  it('works with startswith and endswith, and keeps wildcards', () => {
    expect(field('prompt|endswith|windash', ' -s')('psexec /s')).toBe(true);
    expect(field('prompt|windash|startswith', '-x ')('/x foo')).toBe(true);
    expect(field('prompt|windash|startswith', '-x ')('a /x foo')).toBe(false);
    const wild = field('prompt|windash', 'cmd*-c *');
    expect(wild('cmd.exe /c dir')).toBe(true);
    expect(wild('cmd.exe +c dir')).toBe(false);
  });

  it('with all, needs every value, each in any of its dash variants', () => {
    const m = field('prompt|windash|contains|all', [' -a', ' -b']);
    expect(m('x /a \u2013b')).toBe(true);
    expect(m('x -b -a')).toBe(true);
    expect(m('x /a')).toBe(false);
  });

  it('with neq, matches only when no variant does', () => {
    const m = field('prompt|windash|contains|neq', ' -enc');
    expect(m('x /enc')).toBe(false);
    expect(m('x -enc')).toBe(false);
    expect(m('x +enc')).toBe(true);
  });

  it('matches case-insensitively unless cased', () => {
    expect(field('prompt|windash|contains', ' -Enc')('X /ENC')).toBe(true);
    const cased = field('prompt|windash|contains|cased', ' -Enc');
    expect(cased('x /Enc')).toBe(true);
    expect(cased('x /enc')).toBe(false);
  });

  it('refuses a value with more than four option dashes', () => {
    expectOneError(
      'prompt|windash|contains',
      '-a -b -c -d -e',
      'CORDON_ERR_RULE_DETECTION',
      'has more option dashes than "windash" expands (at most 625 variants',
    );
  });
});

describe('wide / utf16le, utf16be, utf16', () => {
  const le = latin1(Buffer.from('cmd', 'utf16le'));
  const be = latin1(Buffer.from('cmd', 'utf16le').swap16());

  it('wide and utf16le match the text as UTF-16LE code units, not the plain text', () => {
    for (const key of ['prompt|wide|contains', 'prompt|utf16le|contains']) {
      const m = field(key, 'cmd');
      expect(le).toBe('c\0m\0d\0');
      expect(m(`x${le}y`), key).toBe(true);
      expect(m('cmd'), key).toBe(false);
      expect(m(be), key).toBe(false);
    }
  });

  it('utf16be puts the zero byte first', () => {
    const m = field('prompt|utf16be', 'cmd');
    expect(m(be)).toBe(true);
    expect(m(le)).toBe(false);
  });

  it('utf16 prepends the byte order mark as the character U+FEFF (pySigma test_utf16)', () => {
    const m = field('prompt|utf16|contains', 'foobar');
    const encoded = latin1(Buffer.from('foobar', 'utf16le'));
    expect(m(`x\ufeff${encoded}`)).toBe(true);
    expect(m(`x${encoded}`)).toBe(false);
    // Applied after contains, the mark comes before the star: the value must start with it.
    const first = field('prompt|contains|utf16', 'foobar');
    expect(first(`\ufeffxx${encoded}yy`)).toBe(true);
    expect(first(`xx\ufeff${encoded}`)).toBe(false);
  });

  it('keeps wildcards as wildcards', () => {
    const m = field('prompt|wide', 'a*b');
    expect(m(`a\0zzzb\0`)).toBe(true);
    expect(m(`a\0zzzb`)).toBe(false);
  });

  it('refuses text whose UTF-16 bytes are not valid UTF-8, as pySigma does', () => {
    for (const key of ['prompt|wide', 'prompt|utf16be', 'prompt|utf16']) {
      expectOneError(key, 'foobär', 'CORDON_ERR_RULE_DETECTION', 'the way pySigma does it');
    }
  });
});

describe('base64', () => {
  it('matches the value encoded (pySigma test_base64: foobar → Zm9vYmFy)', () => {
    const m = field('prompt|base64', 'foobar');
    expect(b64('foobar')).toBe('Zm9vYmFy');
    expect(m('Zm9vYmFy')).toBe(true);
    expect(m('foobar')).toBe(false);
    expect(m('Zm9vYmFz')).toBe(false);
  });

  it('is case-insensitive like every Sigma value, unless cased', () => {
    expect(field('prompt|base64', 'foobar')('ZM9VYMFY')).toBe(true);
    const cased = field('prompt|base64|cased', 'foobar');
    expect(cased('Zm9vYmFy')).toBe(true);
    expect(cased('ZM9VYMFY')).toBe(false);
  });

  it('followed by contains, finds the encoding inside a longer value', () => {
    const m = field('prompt|base64|contains', 'ignore previous instructions');
    expect(m(`payload=${b64('ignore previous instructions')};`)).toBe(true);
    expect(m(`payload=${b64('ignore previous instruction!')};`)).toBe(false);
  });

  it('encodes the UTF-16 bytes after an encoding modifier', () => {
    expect(field('prompt|wide|base64', 'cmd')(b64(Buffer.from('cmd', 'utf16le')))).toBe(true);
    // 'Ł' is U+0141: its UTF-16LE bytes 41 01 happen to be valid UTF-8, so pySigma encodes it.
    expect(field('prompt|wide|base64', 'Ł')(b64(Buffer.from('Ł', 'utf16le')))).toBe(true);
    const bom = field('prompt|utf16|base64', 'cmd');
    // pySigma's BOM is the character U+FEFF, which base64 then encodes as UTF-8 (EF BB BF).
    expect(bom(b64(Buffer.concat([Buffer.from('\ufeff'), Buffer.from('cmd', 'utf16le')])))).toBe(
      true,
    );
    expect(bom(b64(Buffer.from('\ufeffcmd', 'utf16le')))).toBe(false);
  });

  it('may be applied twice (pySigma allows it) for double encoding', () => {
    expect(field('prompt|base64|base64', 'foobar')(b64(b64('foobar')))).toBe(true);
  });

  it("encodes a literal * or ? with its escaping backslash, as pySigma's SigmaString does", () => {
    const m = field('prompt|base64', 'a\\*b');
    expect(m(b64('a\\*b'))).toBe(true);
    expect(m(b64('a*b'))).toBe(false);
  });

  it('refuses wildcards, which have no encoded form', () => {
    expectOneError(
      'prompt|base64',
      'foo*bar',
      'CORDON_ERR_RULE_DETECTION',
      'applies "base64" to a value with a wildcard, which has no encoded form; got "foo*bar"',
    );
  });

  it('refuses values that are not strings', () => {
    expectOneError('prompt|base64', 123, 'CORDON_ERR_RULE_DETECTION', "Quote it ('123')");
  });
});

describe('base64offset', () => {
  it("yields pySigma's three variants for foobar (test_base64offset)", () => {
    const m = field('prompt|base64offset|contains', 'foobar');
    for (const variant of ['Zm9vYmFy', 'Zvb2Jhc', 'mb29iYX'])
      expect(m(variant), variant).toBe(true);
    expect(m('Zm9vYmF')).toBe(false);
  });

  // Values of each length mod 3, embedded after 0–5 bytes (every offset mod 3) and before 0–2.
  const values = ['whoami', 'net user', 'mimikatz'];
  const prefixes = ['', 'A', 'ab', 'abc', 'abcd', 'abcde'];
  const suffixes = ['', '!', '!?'];

  it.each(values)('matches %s at every offset inside a longer base64 string', (value) => {
    const m = field('prompt|base64offset|contains', value);
    for (const prefix of prefixes) {
      for (const suffix of suffixes) {
        const encoded = b64(`${prefix}${value}${suffix}`);
        expect(m(encoded), `${prefix}|${value}|${suffix} → ${encoded}`).toBe(true);
      }
    }
  });

  it.each(values)('does not match a one-letter change of %s at any offset', (value) => {
    const m = field('prompt|base64offset|contains', value);
    const near = `${value.slice(0, 3)}${value[3] === 'x' ? 'y' : 'x'}${value.slice(4)}`;
    for (const prefix of prefixes) {
      for (const suffix of suffixes) expect(m(b64(`${prefix}${near}${suffix}`))).toBe(false);
    }
  });

  it('finds a UTF-16LE command in an encoded PowerShell command (wide|base64offset|contains)', () => {
    const m = field('prompt|wide|base64offset|contains', 'IEX (New-Object');
    for (const prefix of ['', '$', '$x']) {
      const command = Buffer.from(`${prefix}IEX (New-Object Net.WebClient)`, 'utf16le');
      expect(m(`powershell -enc ${b64(command)}`), prefix).toBe(true);
    }
    expect(m(`powershell -enc ${b64(Buffer.from('IEX (New-Object'))}`)).toBe(false);
  });

  it('with all, needs every value, each at any offset', () => {
    const m = field('prompt|base64offset|contains|all', ['whoami', 'ipconfig']);
    expect(m(`${b64('x whoami')} ${b64('ab ipconfig')}`)).toBe(true);
    expect(m(b64('x whoami'))).toBe(false);
  });
});

describe('re inline flags', () => {
  it('(?i) makes the pattern case-insensitive', () => {
    expect(field('prompt|re', '(?i)^ignore previous')('IGNORE PREVIOUS rules')).toBe(true);
    expect(field('prompt|re', '^ignore previous')('IGNORE PREVIOUS rules')).toBe(false);
  });

  it('(?s) lets . match a newline, (?m) anchors ^ and $ at lines', () => {
    expect(field('prompt|re', '(?s)a.b')('a\nb')).toBe(true);
    expect(field('prompt|re', 'a.b')('a\nb')).toBe(false);
    expect(field('prompt|re', '(?m)^b$')('a\nb\nc')).toBe(true);
    expect(field('prompt|re', '^b$')('a\nb\nc')).toBe(false);
  });

  it('takes combinations, consecutive groups, and the |i modifier together', () => {
    const m = field('prompt|re', '(?im)^secret$');
    expect(m('x\nSECRET\ny')).toBe(true);
    expect(m('x SECRET y')).toBe(false);
    expect(field('prompt|re', '(?i)(?s)a.B')('A\nb')).toBe(true);
    expect(field('prompt|re|i', '(?s)a.B')('A\nb')).toBe(true);
  });

  it('keeps refusing other (?…) forms with the regular-expression error', () => {
    for (const pattern of ['(?x)a b', 'a(?i)b', '(?-i)a', '(?i']) {
      expectOneError(
        'prompt|re',
        pattern,
        'CORDON_ERR_RULE_DETECTION',
        'invalid regular expression',
      );
    }
    expectOneError('prompt|re', '(?i)a(?=b)', 'CORDON_ERR_RULE_DETECTION', 'lookahead "(?="');
  });
});

describe('invalid modifier chains', () => {
  it.each([
    ['prompt|contains|base64', 'applies "contains" before "base64"', 'prompt|base64|contains'],
    [
      'prompt|startswith|base64offset',
      'applies "startswith" before "base64offset"',
      'prompt|base64offset|contains',
    ],
    [
      'prompt|base64offset',
      'uses "base64offset" without "contains"',
      'prompt|base64offset|contains',
    ],
    [
      'prompt|base64offset|endswith',
      'combines "base64offset" and "endswith"',
      'prompt|base64offset|contains',
    ],
    ['prompt|windash|re', 'combines "windash" and "re"', 'Keep one of them'],
    ['prompt|re|base64', 'combines "base64" and "re"', 'Keep one of them'],
    ['prompt|base64|cidr', 'combines "base64" and "cidr"', 'Keep one of them'],
    ['prompt|wide|gt', 'combines "wide" and "gt"', 'Keep one of them'],
    ['prompt|base64|exists', 'combines "base64" and "exists"', 'Keep one of them'],
    ['prompt|utf16be|fieldref', 'combines "utf16be" and "fieldref"', 'Keep one of them'],
    ['prompt|windash|windash', 'repeats modifier "windash"', 'Write it once.'],
    ['prompt|wide|utf16le', 'repeats modifier "utf16le" (an alias of "wide")', 'Write it once.'],
  ])('%s is refused with CORDON_ERR_RULE_MODIFIER', (key, problem, fix) => {
    const found = errors(key, 'abc');
    expect(
      found.map((d) => d.code),
      found.map((d) => d.message).join('\n'),
    ).toEqual(['CORDON_ERR_RULE_MODIFIER']);
    const name = key.split('|')[0];
    expect(found[0]?.message).toContain(`field "${name}" ${problem}`);
    expect(found[0]?.message).toContain(`; got "${key}". `);
    expect(found[0]?.message).toContain(fix);
  });

  it('refuses rewriting modifiers on keyword searches', () => {
    const found = errors('|base64offset|contains', ['abc', 'def']);
    expect(found.map((d) => d.code)).toEqual(['CORDON_ERR_RULE_MODIFIER']);
  });

  it('still refuses the time-part modifiers as not implemented', () => {
    for (const mod of ['minute', 'hour']) {
      expect(errors(`prompt|${mod}`, 'abc').map((d) => d.code)).toEqual([
        'CORDON_ERR_RULE_UNSUPPORTED',
      ]);
    }
  });

  it('expand without a pipeline giving the placeholder values is refused, naming the fix', () => {
    const found = errors('prompt|expand', '%internal_hosts%');
    expect(found.map((d) => d.code)).toEqual(['CORDON_ERR_RULE_PLACEHOLDER']);
    expect(found[0]?.message).toContain('value_placeholders');
  });

  it('expand takes plain string values only', () => {
    expect(errors('prompt|expand|re', '%a%').map((d) => d.code)).toEqual([
      'CORDON_ERR_RULE_MODIFIER',
    ]);
  });
});
