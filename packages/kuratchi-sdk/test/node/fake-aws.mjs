// A small stateful stand-in for the parts of Amazon SNS, SESv2, SQS and STS the SDK calls, served
// on 127.0.0.1 so the real AWS SDK clients (endpoint override, fake credentials) can be tested
// without reaching AWS. Wire formats: SNS and STS use the AWS Query protocol (form-encoded POST,
// XML answers); SESv2 is REST-JSON; SQS is AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`). Every request is recorded for assertions.
//   GET /__fake/requests   the recorded requests as JSON (for tests running in workerd)
// SendEmail outcomes are driven by the data: a From address starting with "unverified" is
// refused (MessageRejected) and the configuration set "missing-set" does not exist.
import { createServer } from 'node:http';

const ACCOUNT = '123456789012';
const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Starts the fake on 127.0.0.1 (a free port). */
export async function startFakeAws({ region = 'eu-west-1', account = ACCOUNT } = {}) {
  const state = {
    topics: new Map(), // arn -> { attributes: Map, tags: Map }
    subscriptions: new Map(), // arn -> { topicArn, endpoint, protocol, pending, attributes: Map }
    configurationSets: new Map(), // name -> { trackingOptions, destinations: Map(name -> definition) }
    sentEmails: [],
    queues: new Map(), // name -> { attributes: Map }
  };
  const requests = [];
  const failures = [];
  let sequence = 0;

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__fake/requests')
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(requests));
    const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unknown';
    const params =
      service === 'ses'
        ? null
        : service === 'sqs'
          ? JSON.parse(body || '{}')
          : Object.fromEntries(new URLSearchParams(body));
    const action =
      service === 'ses'
        ? `${req.method} ${url.pathname}`
        : service === 'sqs'
          ? String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '')
          : params.Action;
    const record = { service, action, method: req.method, path: url.pathname, headers: req.headers, body, params };
    requests.push(record);
    const failure = failures.findIndex(
      (f) =>
        f.service === service && f.action === (service === 'ses' ? sesOperation(req.method, url.pathname) : action),
    );
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      if (service === 'sqs') return sqsError(res, f.code, f.message);
      return service === 'ses'
        ? sesError(res, f.status, f.code, f.message)
        : queryError(res, service, f.status, f.code, f.message);
    }
    try {
      if (service === 'sts') return sts(res, params);
      if (service === 'sns') return sns(res, params);
      if (service === 'ses') return ses(res, req.method, url.pathname, body);
      if (service === 'sqs') return sqs(res, action, params, `http://${req.headers.host}`);
      send(res, 400, {}, `unknown service ${service}`);
    } catch (error) {
      send(res, 500, {}, String(error?.stack ?? error));
    }
  });

  function sts(res, p) {
    if (p.Action !== 'GetCallerIdentity') return queryError(res, 'sts', 400, 'InvalidAction', p.Action);
    xml(
      res,
      STS_NS,
      'GetCallerIdentity',
      `<Arn>arn:aws:iam::${account}:user/kuratchi-test</Arn><UserId>AIDAKURATCHITEST</UserId><Account>${account}</Account>`,
    );
  }

  function sns(res, p) {
    const topicArn = p.TopicArn;
    const topic = topicArn ? state.topics.get(topicArn) : undefined;
    const needTopic = () => queryError(res, 'sns', 404, 'NotFound', 'Topic does not exist');
    switch (p.Action) {
      case 'CreateTopic': {
        const arn = `arn:aws:sns:${region}:${account}:${p.Name}`;
        if (!state.topics.has(arn)) {
          const attributes = new Map([
            ['TopicArn', arn],
            ['Owner', account],
            ['Policy', JSON.stringify(defaultTopicPolicy(arn, account))],
            ['EffectiveDeliveryPolicy', '{"http":{"defaultHealthyRetryPolicy":{"numRetries":3}}}'],
          ]);
          state.topics.set(arn, { attributes, tags: tagsOf(p) });
        }
        return xml(res, SNS_NS, 'CreateTopic', `<TopicArn>${arn}</TopicArn>`);
      }
      case 'ListTagsForResource': {
        const tagged = state.topics.get(p.ResourceArn);
        if (!tagged) return queryError(res, 'sns', 404, 'ResourceNotFound', 'Resource does not exist');
        const members = [...(tagged.tags ?? [])].map(
          ([key, value]) => `<member><Key>${esc(key)}</Key><Value>${esc(value)}</Value></member>`,
        );
        return xml(res, SNS_NS, 'ListTagsForResource', `<Tags>${members.join('')}</Tags>`);
      }
      case 'TagResource': {
        const tagged = state.topics.get(p.ResourceArn);
        if (!tagged) return queryError(res, 'sns', 404, 'ResourceNotFound', 'Resource does not exist');
        tagged.tags = new Map([...(tagged.tags ?? []), ...tagsOf(p)]);
        return xml(res, SNS_NS, 'TagResource', null);
      }
      case 'GetTopicAttributes':
        if (!topic) return needTopic();
        return xml(res, SNS_NS, 'GetTopicAttributes', `<Attributes>${entries(topic.attributes)}</Attributes>`);
      case 'SetTopicAttributes':
        if (!topic) return needTopic();
        topic.attributes.set(p.AttributeName, p.AttributeValue);
        return xml(res, SNS_NS, 'SetTopicAttributes', null);
      case 'DeleteTopic':
        state.topics.delete(topicArn);
        for (const [arn, s] of state.subscriptions) if (s.topicArn === topicArn) state.subscriptions.delete(arn);
        return xml(res, SNS_NS, 'DeleteTopic', null);
      case 'ListSubscriptionsByTopic': {
        if (!topic) return needTopic();
        const members = [...state.subscriptions]
          .filter(([, s]) => s.topicArn === topicArn)
          .map(
            ([arn, s]) =>
              `<member><TopicArn>${s.topicArn}</TopicArn><Protocol>${s.protocol}</Protocol><SubscriptionArn>${s.pending ? 'PendingConfirmation' : arn}</SubscriptionArn><Owner>${account}</Owner><Endpoint>${esc(s.endpoint)}</Endpoint></member>`,
          );
        return xml(res, SNS_NS, 'ListSubscriptionsByTopic', `<Subscriptions>${members.join('')}</Subscriptions>`);
      }
      case 'Subscribe': {
        if (!topic) return needTopic();
        let arn = [...state.subscriptions].find(([, s]) => s.topicArn === topicArn && s.endpoint === p.Endpoint)?.[0];
        if (!arn) {
          arn = `${topicArn}:${crypto.randomUUID()}`;
          const attributes = new Map([['RawMessageDelivery', 'false']]);
          for (let i = 1; p[`Attributes.entry.${i}.key`]; i++)
            attributes.set(p[`Attributes.entry.${i}.key`], p[`Attributes.entry.${i}.value`]);
          state.subscriptions.set(arn, {
            topicArn,
            endpoint: p.Endpoint,
            protocol: p.Protocol,
            pending: true,
            attributes,
          });
        }
        const pending = state.subscriptions.get(arn).pending;
        return xml(
          res,
          SNS_NS,
          'Subscribe',
          `<SubscriptionArn>${pending && p.ReturnSubscriptionArn !== 'true' ? 'pending confirmation' : arn}</SubscriptionArn>`,
        );
      }
      case 'GetSubscriptionAttributes': {
        const s = state.subscriptions.get(p.SubscriptionArn);
        if (!s) return queryError(res, 'sns', 404, 'NotFound', 'Subscription does not exist');
        const attributes = new Map([
          ...s.attributes,
          ['SubscriptionArn', p.SubscriptionArn],
          ['TopicArn', s.topicArn],
          ['Endpoint', s.endpoint],
          ['Protocol', s.protocol],
          ['PendingConfirmation', String(s.pending)],
        ]);
        return xml(res, SNS_NS, 'GetSubscriptionAttributes', `<Attributes>${entries(attributes)}</Attributes>`);
      }
      case 'SetSubscriptionAttributes': {
        const s = state.subscriptions.get(p.SubscriptionArn);
        if (!s) return queryError(res, 'sns', 404, 'NotFound', 'Subscription does not exist');
        s.attributes.set(p.AttributeName, p.AttributeValue);
        return xml(res, SNS_NS, 'SetSubscriptionAttributes', null);
      }
      case 'Unsubscribe':
        state.subscriptions.delete(p.SubscriptionArn);
        return xml(res, SNS_NS, 'Unsubscribe', null);
      default:
        return queryError(res, 'sns', 400, 'InvalidAction', `${p.Action} is not emulated`);
    }
  }

  function sqs(res, action, p, base) {
    const name = p.QueueName ?? (p.QueueUrl ? decodeURIComponent(new URL(p.QueueUrl).pathname.split('/').pop()) : '');
    const queue = state.queues.get(name);
    const queueUrl = `${base}/${account}/${name}`;
    const missing = () => sqsError(res, 'QueueDoesNotExist', 'The specified queue does not exist.');
    switch (action) {
      case 'GetQueueUrl':
        return queue ? sqsJson(res, { QueueUrl: queueUrl }) : missing();
      case 'CreateQueue': {
        const wanted = Object.entries(p.Attributes ?? {});
        if (queue) {
          if (wanted.some(([k, v]) => queue.attributes.get(k) !== v))
            return sqsError(
              res,
              'QueueNameExists',
              'A queue already exists with the same name and a different value for attribute(s)',
            );
          return sqsJson(res, { QueueUrl: queueUrl });
        }
        const attributes = new Map([
          ['QueueArn', `arn:aws:sqs:${region}:${account}:${name}`],
          ['MessageRetentionPeriod', '345600'],
          ['ApproximateNumberOfMessages', '0'],
          ['ApproximateNumberOfMessagesNotVisible', '0'],
          ['ApproximateNumberOfMessagesDelayed', '0'],
          ...wanted,
        ]);
        state.queues.set(name, { attributes });
        return sqsJson(res, { QueueUrl: queueUrl });
      }
      case 'GetQueueAttributes': {
        if (!queue) return missing();
        const names = p.AttributeNames ?? ['All'];
        const picked = [...queue.attributes].filter(([k]) => names.includes('All') || names.includes(k));
        return sqsJson(res, { Attributes: Object.fromEntries(picked) });
      }
      case 'SetQueueAttributes':
        if (!queue) return missing();
        for (const [k, v] of Object.entries(p.Attributes ?? {})) queue.attributes.set(k, v);
        return sqsJson(res, {});
      case 'DeleteQueue':
        if (!queue) return missing();
        state.queues.delete(name);
        return sqsJson(res, {});
      default:
        return sqsError(res, 'InvalidAction', `${action} is not emulated`);
    }
  }

  function ses(res, method, path, body) {
    const input = body ? JSON.parse(body) : {};
    const parts = path.split('/').slice(3).map(decodeURIComponent); // ['configuration-sets', name, 'event-destinations', dest]
    if (method === 'POST' && path === '/v2/email/outbound-emails') {
      if (/^(?:"[^"]*" )?<?unverified/.test(input.FromEmailAddress ?? '')) {
        return sesError(
          res,
          400,
          'MessageRejected',
          `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${input.FromEmailAddress}`,
        );
      }
      if (input.ConfigurationSetName === 'missing-set') {
        return sesError(
          res,
          404,
          'NotFoundException',
          `Configuration set <${input.ConfigurationSetName}> does not exist.`,
        );
      }
      const MessageId = `0100019${(++sequence).toString(16).padStart(9, '0')}-fake-${crypto.randomUUID()}-000000`;
      state.sentEmails.push({ MessageId, input });
      return json(res, 200, { MessageId });
    }
    if (parts[0] !== 'configuration-sets')
      return sesError(res, 404, 'NotFoundException', `${method} ${path} is not emulated`);
    const name = parts[1];
    const set = name ? state.configurationSets.get(name) : undefined;
    const missingSet = () => sesError(res, 404, 'NotFoundException', `Configuration set <${name}> does not exist.`);
    if (method === 'POST' && parts.length === 1) {
      if (state.configurationSets.has(input.ConfigurationSetName))
        return sesError(
          res,
          400,
          'AlreadyExistsException',
          `Configuration set <${input.ConfigurationSetName}> already exists.`,
        );
      state.configurationSets.set(input.ConfigurationSetName, {
        trackingOptions: input.TrackingOptions,
        destinations: new Map(),
      });
      return json(res, 200, {});
    }
    if (!set) return missingSet();
    if (parts.length === 2) {
      if (method === 'GET')
        return json(res, 200, {
          ConfigurationSetName: name,
          ...(set.trackingOptions ? { TrackingOptions: set.trackingOptions } : {}),
        });
      if (method === 'DELETE') return (state.configurationSets.delete(name), json(res, 200, {}));
    }
    if (parts[2] === 'tracking-options' && method === 'PUT') {
      set.trackingOptions = input;
      return json(res, 200, {});
    }
    if (parts[2] === 'event-destinations') {
      const dest = parts[3];
      if (method === 'GET' && !dest)
        return json(res, 200, { EventDestinations: [...set.destinations].map(([Name, d]) => ({ Name, ...d })) });
      if (method === 'POST' && !dest) {
        if (set.destinations.has(input.EventDestinationName))
          return sesError(
            res,
            400,
            'AlreadyExistsException',
            `Event destination ${input.EventDestinationName} already exists.`,
          );
        const topicArn = input.EventDestination?.SnsDestination?.TopicArn;
        if (topicArn && !state.topics.has(topicArn))
          return sesError(res, 400, 'BadRequestException', `Could not access SNS topic <${topicArn}>.`);
        set.destinations.set(input.EventDestinationName, { Enabled: false, ...input.EventDestination });
        return json(res, 200, {});
      }
      if (!set.destinations.has(dest))
        return sesError(res, 404, 'NotFoundException', `Event destination ${dest} does not exist.`);
      if (method === 'PUT')
        return (set.destinations.set(dest, { Enabled: false, ...input.EventDestination }), json(res, 200, {}));
      if (method === 'DELETE') return (set.destinations.delete(dest), json(res, 200, {}));
    }
    return sesError(res, 404, 'NotFoundException', `${method} ${path} is not emulated`);
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    region,
    account,
    state,
    requests,
    /** Requests of one service (`sns`, `ses`, `sts`), optionally of one action. */
    calls(service, action) {
      return requests.filter(
        (r) =>
          r.service === service &&
          (action === undefined || (service === 'ses' ? sesOperation(r.method, r.path) : r.action) === action),
      );
    },
    /** The next call of this action fails once with the given AWS error. */
    failNext(service, action, { status = 400, code, message }) {
      failures.push({ service, action, status, code, message });
    },
    /** Marks every subscription confirmed, as the webhook would by visiting the SubscribeURL. */
    confirmSubscriptions() {
      for (const s of state.subscriptions.values()) s.pending = false;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The SESv2 operation name of a REST request, e.g. `CreateConfigurationSetEventDestination`. */
export function sesOperation(method, path) {
  const parts = path.split('/').slice(3);
  if (path === '/v2/email/outbound-emails') return 'SendEmail';
  if (parts.length === 1) return 'CreateConfigurationSet';
  if (parts.length === 2) return { GET: 'GetConfigurationSet', DELETE: 'DeleteConfigurationSet' }[method];
  if (parts[2] === 'tracking-options') return 'PutConfigurationSetTrackingOptions';
  if (parts.length === 3)
    return { GET: 'GetConfigurationSetEventDestinations', POST: 'CreateConfigurationSetEventDestination' }[method];
  return { PUT: 'UpdateConfigurationSetEventDestination', DELETE: 'DeleteConfigurationSetEventDestination' }[method];
}

/** The `Tags.member.N.Key` / `.Value` parameters of a Query request, as a map. */
function tagsOf(p) {
  const tags = new Map();
  for (let i = 1; p[`Tags.member.${i}.Key`] !== undefined; i++)
    tags.set(p[`Tags.member.${i}.Key`], p[`Tags.member.${i}.Value`] ?? '');
  return tags;
}

/**
 * A topic that exists before setup runs (made by hand, as a topic of yours is), with this policy.
 * @returns its ARN.
 */
export function addTopic(
  fake,
  name,
  statements = defaultTopicPolicy(`arn:aws:sns:${fake.region}:${fake.account}:${name}`, fake.account).Statement,
) {
  const arn = `arn:aws:sns:${fake.region}:${fake.account}:${name}`;
  const attributes = new Map([
    ['TopicArn', arn],
    ['Owner', fake.account],
    ['Policy', JSON.stringify({ Version: '2008-10-17', Statement: statements })],
  ]);
  fake.state.topics.set(arn, { attributes, tags: new Map() });
  return arn;
}

function defaultTopicPolicy(arn, account) {
  return {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:Subscribe', 'SNS:Publish'],
        Resource: arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  };
}

const esc = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const entries = (map) =>
  [...map].map(([k, v]) => `<entry><key>${esc(k)}</key><value>${esc(v)}</value></entry>`).join('');

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

function xml(res, ns, action, result) {
  const inner = result === null ? '' : `<${action}Result>${result}</${action}Result>`;
  send(
    res,
    200,
    { 'content-type': 'text/xml' },
    `<${action}Response xmlns="${ns}">${inner}<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

function queryError(res, service, status, code, message) {
  const ns = service === 'sts' ? STS_NS : SNS_NS;
  send(
    res,
    status,
    { 'content-type': 'text/xml' },
    `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
  );
}

function json(res, status, body) {
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(body));
}

function sqsJson(res, body) {
  send(res, 200, { 'content-type': 'application/x-amz-json-1.0' }, JSON.stringify(body));
}

/** An SQS JSON error, with the query-protocol code SQS sends alongside (`x-amzn-query-error`). */
function sqsError(res, code, message) {
  const legacy = { QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue' }[code] ?? code;
  send(
    res,
    400,
    { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${legacy};Sender` },
    JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }),
  );
}

function sesError(res, status, code, message) {
  send(res, status, { 'content-type': 'application/json', 'x-amzn-errortype': code }, JSON.stringify({ message }));
}
