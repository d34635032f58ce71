/**
 * `file:` URIs as people type them. WHATWG URL parsing turns `file:rec/a.bin` into `/rec/a.bin`
 * (the relative path is lost) and reads `#` as a fragment; here everything between `file:` and
 * the first `?` is a path, resolved against the working directory, so `file:rec/a.bin?speed=2`
 * and `file:/abs/a.bin` both mean what they say. `file:///abs%20path` (RFC 8089) keeps its meaning.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A `file:` URL for a file-source string, or undefined when `uri` is not a file source. */
export function fileSourceUrl(uri: string): URL | undefined {
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri);
  if (!hasScheme) return pathToFileURL(resolve(uri));
  if (!/^file:/i.test(uri) || /^file:\/\//i.test(uri)) return undefined;
  const rest = uri.slice('file:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const url = pathToFileURL(resolve(path));
  if (q >= 0) url.search = rest.slice(q);
  return url;
}
