/** URLs a plan points the worker at: http(s) with a host, never credentials written into them. */
import { z } from 'zod';

/**
 * `localhost:9200/x` parses as a URL of scheme "localhost:", and `file:///etc/x` as one without a
 * host, so a bare `z.url()` lets both through to fail at the first step of a drill; refuse them here.
 */
export function httpUrl(example = 'https://tip.example.org/api/health', of = '') {
  const expected = `expected an absolute http(s) URL${of ? ` ${of}` : ''} with a host, such as ${example}`;
  return z.string({ error: expected }).superRefine((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: `${expected}; got "${text}"` });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'credentials in a URL are secrets kept in the drill\'s history: send them as a header written { env: VAR } or { file: PATH }' });
    }
  });
}
