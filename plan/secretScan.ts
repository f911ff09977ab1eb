/**
 * The whole plan text through a maintained secret scanner (secretlint's recommended rules: private
 * keys, AWS, GCP and Azure keys, GitHub, Slack, npm, OpenAI tokens, basic auth in URLs, database
 * connection strings…), anywhere in the file, `x-` templates and comments included: a plan given at
 * start travels whole in the drill's history. The plan's schema adds what a scanner cannot know of
 * drills (a client's password variable, a password argument, a credential in a URL's query).
 * Findings name the line, the rule and the field's path; never the value.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { SECRET_HINT } from '../kinds/kit/schema/secrets';

const CONFIG = {
  rules: [
    {
      id: '@secretlint/secretlint-rule-preset-recommend',
      rule: recommended,
      // An AWS access key id is half a credential and has no place in a plan (the AWS kinds use the worker's chain).
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
    },
  ],
};

/** The path of the deepest node of the document whose text holds `offset` (a key's own path when it is in a key). */
function pathAt(node: unknown, offset: number, at: (string | number)[] = []): (string | number)[] {
  const inside = (candidate: unknown) => {
    const range = (candidate as Node | null | undefined)?.range;
    return range !== undefined && range !== null && offset >= range[0] && offset < range[2];
  };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (inside(pair.value)) return pathAt(pair.value, offset, [...at, key]);
      if (inside(pair.key)) return [...at, key];
    }
  }
  if (isSeq(node)) {
    const index = node.items.findIndex((item) => inside(item));
    if (index >= 0) return pathAt(node.items[index], offset, [...at, index]);
  }
  return at;
}

export interface SecretFinding {
  /** The field's path in the file (empty when the secret is outside any field: a comment at the top). */
  path: (string | number)[];
  message: string;
}

/** Every secret the scanner finds in a plan's text: the field's path, the line and the rule, never the value. */
export async function scanPlanText(text: string, source = 'plan.yaml'): Promise<SecretFinding[]> {
  const result = await lintSource({
    source: { filePath: source, content: text, contentType: 'text' },
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  const doc = parseDocument(text, { uniqueKeys: false });
  return result.messages.map((finding) => {
    const rule = finding.ruleId.replace('@secretlint/secretlint-rule-', '');
    return {
      path: pathAt(doc.contents, finding.range[0]),
      message: `line ${finding.loc.start.line}: secretlint (rule ${rule}, ${finding.messageId}) found a secret written into the plan, which would be kept in the drill's history: ${SECRET_HINT}`,
    };
  });
}
