// Checks a static site on disk: every local link and picture of every HTML page resolves to a
// file (the browser test then opens the same site through file:// URLs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Every `.html` file under `root`. */
export function htmlFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.html')) out.push(path);
    }
  };
  walk(root);
  return out.sort();
}

/** The local `href`/`src` targets of one page that do not exist (external URLs are an error too). */
export function brokenReferences(page: string, root: string): string[] {
  const html = readFileSync(page, 'utf8');
  const broken: string[] = [];
  for (const m of html.matchAll(/\b(?:href|src)="([^"]*)"/g)) {
    const raw = m[1]!.replace(/&amp;/g, '&');
    if (/^[a-z]+:/i.test(raw) || raw.startsWith('//')) {
      broken.push(`${raw} (not a local file: the site must work offline)`);
      continue;
    }
    const target = resolve(dirname(page), decodeURIComponent(raw.split('#')[0]!));
    if (!target.startsWith(resolve(root)) || !existsSync(target)) broken.push(raw);
  }
  return broken;
}
