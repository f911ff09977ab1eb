/** AWS errors as drill failures: what a person must fix is non-retryable and says what to fix; the rest retries. */
import { ApplicationFailure } from '@temporalio/common';

/** Error names meaning the plan or the account is wrong, not that AWS is slow. */
const FIXABLE = new Set([
  'CredentialsProviderError',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'DBClusterNotFoundFault',
  'GlobalClusterNotFoundFault',
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'InvalidTarget',
  'InvalidTargetException',
  'FileSystemNotFound',
  // Amazon MQ: a broker id the account does not have in that region.
  'NotFoundException',
  'ReplicationGroupNotFoundFault',
  'GlobalReplicationGroupNotFoundFault',
  'NodeGroupNotFoundFault',
  'ValidationError',
  'InvalidParameterValue',
  'InvalidParameterCombination',
]);

/** A failure for `where` ("RDS instance misp-db in eu-west-1"); `hint` says what to check when the plan is wrong. */
export function awsFailure(error: unknown, where: string, hint?: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const name = (error as Error).name ?? 'Error';
  const message = (error as Error).message ?? String(error);
  if (FIXABLE.has(name))
    return ApplicationFailure.nonRetryable(`${where}: ${name}: ${message}${hint ? `; ${hint}` : ''}`, name);
  // A stand-in that does not implement the call answers HTML: the SDK then cannot read it. It cannot tell, so it fails.
  return ApplicationFailure.retryable(`${where}: ${name}: ${message}`, name);
}

/** Runs one AWS call, turning its errors into drill failures. */
export async function aws<T>(where: string, call: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsFailure(error, where, hint);
  }
}
