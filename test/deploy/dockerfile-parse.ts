import { posix } from 'node:path';

/**
 * Just enough of Dockerfile and .dockerignore syntax to check the image without a Docker
 * daemon: instructions with line continuations and comments, stages, and Docker's ignore
 * matching (Go filepath.Match patterns plus `**`, `!` exceptions, the last match deciding,
 * a matched folder excluding everything under it).
 */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    // Comment lines are dropped, even inside a continued instruction (as Docker does).
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) return;
    const match = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!match) throw new Error(`Dockerfile:${startLine}: cannot read "${full}"`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile:${startLine}: cannot read FROM ${args}`);
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
      return;
    }
    // Instructions before the first FROM (ARG) belong to no stage.
    stages[stages.length - 1]?.instructions.push({ keyword, args, line: startLine });
  });
  return stages;
}

function patternToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Whether Docker leaves `path` (relative to the context) out of the build context. */
export function dockerignoreExcludes(ignoreText: string, path: string): boolean {
  const rules = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const exception = l.startsWith('!');
      const cleaned = posix.normalize(exception ? l.slice(1).trim() : l).replace(/^\/+|\/+$/g, '');
      return { exception, re: patternToRegExp(cleaned) };
    });
  const parts = posix.normalize(path).split('/');
  // The path itself and each folder above it: a matched folder excludes its contents.
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) if (candidates.some((c) => rule.re.test(c))) excluded = !rule.exception;
  return excluded;
}
