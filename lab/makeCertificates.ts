/**
 * `node dist/lab/makeCertificates.js DIR`: the lab's CA and server certificate in DIR (store/certificates.ts),
 * for the shell labs that turn TLS on at `up` (scripts/lab/rabbitmq.sh). Prints the CA file.
 */
import { makeLabCertificates } from '../store/certificates';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: makeCertificates DIR\n');
  process.exit(2);
}
makeLabCertificates(dir).then(
  (files) => process.stdout.write(`${files.caFile}\n`),
  (error: Error) => {
    process.stderr.write(`makeCertificates: ${error.message}\n`);
    process.exit(1);
  },
);
