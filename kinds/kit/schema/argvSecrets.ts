/**
 * Passwords written into a command line. A command's argv is part of the compiled runbook, so a
 * password there is kept in the drill's history, its observations and its report. This finds the
 * ways the clients drills call take one on their command line (mysql's `-pSECRET`, redis-cli's
 * `-a SECRET`, `curl -u user:SECRET`, an `Authorization:` header, `PGPASSWORD=SECRET psql` in a
 * shell line, `--password=SECRET`, a URL with `user:SECRET@` or `?token=SECRET`) and says what to
 * write instead. `$VAR` (`${VAR}`, `$(cat FILE)`) is a reference resolved where the
 * command runs (by the shell with shell: true, in `sh -c '…'`, or on the far side of ssh), never
 * the secret itself.
 */
import { SECRET_NAMES } from './secrets';
import { describeUrlCredential, urlCredentials } from './url';

export interface ArgvSecret {
  /** The argv element that holds it. */
  index: number;
  /** What it is and what to write instead; never the value. */
  message: string;
}

interface Word {
  text: string;
  /** The argv element it came from. */
  index: number;
}

const fromEnv = (variable: string) =>
  `give ${variable} in the command's env as { env: VAR } or { file: PATH }, which the worker resolves when the step runs`;
const shellForm = (written: string) =>
  `or, with shell: true, write ${written} and give VAR in the command's env as { env: NAME } or { file: PATH }`;

/** The clients whose short options carry a password, and where each reads one from instead. */
const CLIENTS = {
  // -pSECRET, attached only: `mysql -p db` prompts and takes db as the database.
  mysql: {
    program:
      /^(mysql|mariadb|mysqladmin|mysqldump|mysqlcheck|mysqlshow|mysqlimport|mysqlpump|mysqlslap|mariadb-[a-z-]+)$/,
    option: '-p',
    separate: false,
    what: 'a MySQL/MariaDB password (-p…)',
    instead: `drop it and ${fromEnv('MYSQL_PWD')} (mysql and mariadb clients read it)`,
  },
  redis: {
    program: /^(redis-cli|valkey-cli|keydb-cli)$/,
    option: '-a',
    separate: true,
    what: 'a Redis password (-a)',
    instead: `drop -a and ${fromEnv('REDISCLI_AUTH')} (redis-cli reads it)`,
  },
  rabbitmqadmin: {
    program: /^rabbitmqadmin$/,
    option: '-p',
    separate: true,
    what: 'a RabbitMQ password (rabbitmqadmin -p)',
    instead:
      'give it in a rabbitmqadmin config file (-c PATH) the worker reads, or use the rabbitmq component kind, whose password is { env: VAR } or { file: PATH }',
  },
  mongo: {
    program: /^(mongo|mongosh|mongodump|mongorestore|mongoexport|mongostat)$/,
    option: '-p',
    separate: true,
    what: 'a MongoDB password (-p)',
    instead: "give the connection string in the command's env as { env: VAR } or { file: PATH }",
  },
  sshpass: {
    program: /^sshpass$/,
    option: '-p',
    separate: true,
    what: 'an SSH password (sshpass -p)',
    instead: `use sshpass -e and ${fromEnv('SSHPASS')}`,
  },
  curl: {
    program: /^curl$/,
    option: '-u',
    separate: true,
    what: 'a user:password (curl -u)',
    instead:
      'use the http driver with headers: { Authorization: { file: PATH } } (a file holding "Basic …"), or curl --netrc-file PATH',
  },
} as const;
type Client = keyof typeof CLIENTS;

/** rabbitmqctl's subcommands that take a user's password as the word after the user name. */
const RABBITMQCTL_PASSWORD = new Set(['add_user', 'change_password', 'authenticate_user']);

/** `--password=SECRET` or `--password SECRET` in any tool (rabbitmqadmin, redis-cli --pass, wget --http-password, kubectl --token). */
const SECRET_LONG_OPTION =
  /^--(?!no-)(?:[a-z0-9]+-)*(?:password|passwd|pass|token|secret|api-?key|apikey|access-key|secret-key|client-secret)$/i;
const CURL_USER = /^(-u|--user|-U|--proxy-user)$/;
const HEADER_OPTION = /^(-H|--header)$/;
/** `Authorization: Bearer …`, `X-Api-Key: …`: a header line. */
const HEADER_LINE = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/s;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Shell words that end one command and start the next. */
const SEPARATORS = new Set([';', '&&', '||', '|', '&']);
const SHELLS = /^(sh|bash|dash|ash|zsh|ksh)$/;

/** `$VAR`, `${VAR}`, `$(cat FILE)`, `` `cat FILE` ``, or nothing: not a secret written inline. */
export const isShellReference = (value: string): boolean => value === '' || /^[$`]/.test(value);

const basename = (word: string): string => word.slice(word.lastIndexOf('/') + 1);
const clientOf = (word: string): Client | undefined =>
  (Object.keys(CLIENTS) as Client[]).find((client) => CLIENTS[client].program.test(basename(word)));

/** Splits a shell line into words, honouring quotes and backslashes: enough to find options and their values. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  const end = () => {
    if (started) words.push(word);
    word = '';
    started = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(c)) {
      end();
    } else if (c === ';') {
      end();
      words.push(';');
    } else {
      word += c;
      started = true;
    }
  }
  end();
  return words;
}

/**
 * The words of a command line, each with the argv element it came from. A script (shell: true, the
 * line after `sh -c`, or an element with spaces: a remote command line through ssh) is split into
 * its words; a header line given to -H stays one word.
 */
function wordsOf(argv: readonly string[], shell: boolean): Word[] {
  const words: Word[] = [];
  argv.forEach((element, index) => {
    const previous = words[words.length - 1]?.text;
    const afterShellC = previous === '-c' && words.length >= 2 && SHELLS.test(basename(words[words.length - 2].text));
    // A header line given to -H, `--header=Authorization: …` or a bare header line is one word, spaces and all.
    const oneWord =
      (!shell && previous !== undefined && HEADER_OPTION.test(previous)) ||
      /^--?[A-Za-z-]+=/.test(element) ||
      HEADER_LINE.test(element);
    if (shell || afterShellC || (!oneWord && /\s/.test(element))) {
      for (const text of shellWords(element)) words.push({ text, index });
    } else {
      words.push({ text: element, index });
    }
  });
  return words;
}

/** A header line whose header holds a secret (secrets.ts names them), written with its value. */
function headerFinding(line: string): { what: string; instead: string } | undefined {
  const header = HEADER_LINE.exec(line);
  if (!header || !SECRET_NAMES.header.test(header[1])) return undefined;
  const value = header[2].trim().replace(/^(Bearer|Basic|Token|ApiKey)\s+/i, '');
  if (isShellReference(value)) return undefined;
  return {
    what: `the header ${header[1]}`,
    instead: `use the http driver with headers: { ${header[1]}: { env: VAR } } (or { file: PATH }), ${shellForm(`-H "${header[1]}: $VAR"`)}`,
  };
}

/** An option's value: after `=`, attached to a short option, or the next word (when it is not an option). */
function valueOf(
  words: Word[],
  i: number,
  shortAttached: boolean,
): { word: Word; value: string; consumed: number } | undefined {
  const { text } = words[i];
  if (text.startsWith('--') && text.includes('='))
    return { word: words[i], value: text.slice(text.indexOf('=') + 1), consumed: 0 };
  if (shortAttached && !text.startsWith('--') && text.length > 2)
    return { word: words[i], value: text.slice(2), consumed: 0 };
  const next = words[i + 1];
  if (!next || SEPARATORS.has(next.text) || next.text.startsWith('-')) return undefined;
  return { word: next, value: next.text, consumed: 1 };
}

/** Every password written into the command line: the argv element holding it and what to write instead. */
export function argvSecrets(argv: readonly string[], shell = false): ArgvSecret[] {
  const words = wordsOf(argv, shell);
  const found: ArgvSecret[] = [];
  const refuse = (word: Word, what: string, instead: string) =>
    found.push({
      index: word.index,
      message: `${what} is written inline, so it would be kept in the drill's history and report: ${instead}`,
    });
  let client: Client | undefined;
  for (let i = 0; i < words.length; i++) {
    const { text } = words[i];
    if (SEPARATORS.has(text)) {
      client = undefined;
      continue;
    }
    const program = clientOf(text);
    if (program) {
      client = program;
      continue;
    }
    if (basename(text) === 'rabbitmqctl') {
      const at = words.findIndex((word, j) => j > i && RABBITMQCTL_PASSWORD.has(word.text));
      const password = at > 0 ? words[at + 2] : undefined;
      if (password && !SEPARATORS.has(password.text) && !isShellReference(password.text)) {
        refuse(
          password,
          `a RabbitMQ password (rabbitmqctl ${words[at].text})`,
          `with shell: true, write "$VAR" (or "$(cat FILE)" of a file on the host) and give VAR in the command's env as { env: NAME } or { file: PATH }`,
        );
      }
      continue;
    }
    const option = text.startsWith('--') && text.includes('=') ? text.slice(0, text.indexOf('=')) : text;
    const rule = client && CLIENTS[client];
    if (
      rule &&
      (text === rule.option ||
        (text.startsWith(rule.option) && !text.startsWith('--')) ||
        (client === 'curl' && CURL_USER.test(option)))
    ) {
      const given = valueOf(words, i, true);
      if (!given || (text === rule.option && !rule.separate)) continue; // `mysql -p db`: a prompt, and the database
      i += given.consumed;
      const secret =
        client === 'curl'
          ? given.value.includes(':')
            ? given.value.slice(given.value.indexOf(':') + 1)
            : ''
          : given.value;
      if (!isShellReference(secret))
        refuse(
          given.word,
          rule.what,
          `${rule.instead}, ${shellForm(client === 'curl' ? `${option} "user:$VAR"` : client === 'mysql' ? '-p"$VAR"' : `${rule.option} "$VAR"`)}`,
        );
      continue;
    }
    if (HEADER_OPTION.test(option) || /^-H[^-]/.test(text)) {
      const given = valueOf(words, i, true);
      i += given?.consumed ?? 0;
      const header = given && headerFinding(given.value);
      if (given && header) refuse(given.word, header.what, header.instead);
      continue;
    }
    if (SECRET_LONG_OPTION.test(option)) {
      const given = valueOf(words, i, false);
      i += given?.consumed ?? 0;
      if (given && !isShellReference(given.value))
        refuse(
          given.word,
          `a secret (${option})`,
          `pass it the way the tool reads it from its environment or a file, and ${fromEnv('that variable')}; ${shellForm(`${option}="$VAR"`)}`,
        );
      continue;
    }
    const assignment = ASSIGNMENT.exec(text);
    if (assignment && SECRET_NAMES.env.test(assignment[1]) && !isShellReference(assignment[2])) {
      refuse(words[i], `${assignment[1]}=…`, `drop it from the command line and ${fromEnv(assignment[1])}`);
      continue;
    }
    const header = !URL_LIKE.test(text) ? headerFinding(text) : undefined;
    if (header) {
      refuse(words[i], header.what, header.instead);
      continue;
    }
    if (URL_LIKE.test(text)) {
      let url: URL | undefined;
      try {
        url = new URL(text);
      } catch {
        url = undefined;
      }
      for (const found of url ? urlCredentials(url, isShellReference) : []) {
        const instead =
          found.kind === 'query'
            ? `use the http driver with query: { ${found.name}: { env: VAR } } (or { file: PATH }), ${shellForm(`${found.name}=$VAR in the URL`)}`
            : `leave it out of the URL and give it through the tool's own variable in the command's env as { env: VAR } or { file: PATH }, ${shellForm('user:$VAR@ in the URL')}`;
        refuse(words[i], `a URL with ${describeUrlCredential(found)}`, instead);
      }
    }
  }
  return found;
}
