// vitest globalSetup (runs in Node): starts the fake AWS endpoint on 127.0.0.1 for the tests that
// run the real SESv2 client inside workerd, and gives them its URL as `fakeAwsUrl`.
import { startFakeAws } from './fake-aws.mjs';

export default async function setup(project) {
  const fake = await startFakeAws();
  project.provide('fakeAwsUrl', fake.url);
  return () => fake.close();
}
