import { SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';

/** Credentials of the tests' SES clients: never real, never sent anywhere (the send is stubbed). */
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };

/**
 * A real SES v2 client in eu-west-1, stubbed at its send (`aws-sdk-client-mock`): `mock.on(Command)`
 * says what SES answers, `mock.commandCalls(Command)` what was asked.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/Welcome.html
 */
export function stubbedSes() {
  const ses = new SESv2Client({ region: 'eu-west-1', credentials: TEST_AWS_CREDENTIALS });
  return { ses, mock: mockClient(ses) };
}
