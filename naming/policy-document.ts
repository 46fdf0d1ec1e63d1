/** IAM policy documents as plain values: built by pure functions, serialised once, and evaluated in tests. */
export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | { readonly AWS?: string | readonly string[]; readonly Service?: string };
  readonly Action: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

export const policy = (...statements: (Statement | false | undefined)[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements.filter((s): s is Statement => Boolean(s)),
});

/** Stable JSON (the order of construction is already deterministic), so plans show no spurious diffs. */
export const toJson = (doc: PolicyDocument): string => JSON.stringify(doc);

/**
 * Bucket-policy statements that refuse plain HTTP and TLS older than 1.2 for every principal.
 * Wildcard actions appear only in Deny statements, where they can only narrow access.
 */
export function tlsOnly(bucketArn: string): Statement[] {
  const resources = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:*'],
      Resource: resources,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyTlsBelow12',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:*'],
      Resource: resources,
      Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
    },
  ];
}
