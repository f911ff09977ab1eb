/** Resolves a plan's secret reference on the worker, at the moment of use; values never leave the activity. */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { ComposedSecretRef, SecretRef } from '../../../domain';

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && ('env' in value || 'file' in value);
}

export async function resolveSecret(ref: SecretRef, where: string): Promise<string> {
  if (ref.env !== undefined) {
    const value = process.env[ref.env];
    if (value === undefined || value === '') {
      throw ApplicationFailure.nonRetryable(
        `${where}: environment variable ${ref.env} is not set on this worker`,
        'SecretMissing',
      );
    }
    return value;
  }
  try {
    return (await readFile(ref.file as string, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw ApplicationFailure.nonRetryable(
      `${where}: secret file ${ref.file} cannot be read (${reason})`,
      'SecretMissing',
    );
  }
}

/**
 * Resolves a map whose values are plain strings or secret references (a header's may carry a prefix,
 * sent before the secret); returns the secrets too, for redaction: the secret itself, so it is
 * redacted also where it appears without its prefix.
 */
export async function resolveValues(
  values: Record<string, string | ComposedSecretRef> | undefined,
  where: string,
): Promise<{ resolved: Record<string, string>; secrets: string[] }> {
  const resolved: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    if (isSecretRef(value)) {
      const secret = await resolveSecret(value, `${where}.${key}`);
      resolved[key] = `${value.prefix ?? ''}${secret}`;
      secrets.push(secret);
    } else {
      resolved[key] = value;
    }
  }
  return { resolved, secrets };
}

/** Replaces every secret value in a text, so output and error messages can be kept safely. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 3).reduce((out, secret) => out.split(secret).join('***'), text);
}
