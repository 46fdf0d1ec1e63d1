import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * IAM's ListRoles, and nothing else, on 127.0.0.1: the one IAM call a plan makes (the leavers' check,
 * stacks/roles-exist-check.ts). No IAM runs on this machine; this answers in IAM's documented Query/XML form
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html) with the roles a test says exist, so the
 * real provider and terraform evaluate the real check. What it cannot show: AWS's pagination and throttling.
 */
export interface IamRoles {
  readonly endpoint: string;
  /** How many ListRoles calls it answered. */
  readonly calls: () => number;
  readonly close: () => Promise<void>;
}

const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function member(arn: string): string {
  const [, account, rest] = arn.match(/^arn:aws:iam::(\d{12}):role(\/.*)$/)!;
  const name = rest.slice(rest.lastIndexOf('/') + 1);
  const rolePath = rest.slice(0, rest.lastIndexOf('/') + 1);
  return (
    `<member><Path>${escaped(rolePath)}</Path><RoleName>${escaped(name)}</RoleName>` +
    `<RoleId>AROA${account}EXAMPLE</RoleId><Arn>${escaped(arn)}</Arn>` +
    '<CreateDate>2026-01-01T00:00:00Z</CreateDate></member>'
  );
}

/** Serves ListRoles with `arns` (IAM role ARNs) as the account's roles, until closed. */
export async function serveIamRoles(arns: readonly string[]): Promise<IamRoles> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action');
      if (action !== 'ListRoles') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse><Error><Code>InvalidAction</Code><Message>${escaped(String(action))}</Message></Error></ErrorResponse>`,
        );
        return;
      }
      calls++;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult>' +
          `<IsTruncated>false</IsTruncated><Roles>${arns.map(member).join('')}</Roles></ListRolesResult>` +
          '<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>' +
          '</ListRolesResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
